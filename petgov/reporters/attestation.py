"""An attestation verdict as text: the table `petgov attest verify` prints, or its JSON."""

from __future__ import annotations

import json

from petgov.attestation.api import AttestationResult
from petgov.reporters.formats import TableOrJson
from petgov.util.never import assert_never

MEASUREMENTS_SHOWN = 8  # the table lists the first few; JSON has them all


def render(result: AttestationResult, fmt: TableOrJson) -> str:
    """The whole output for ``fmt``, ending in a newline."""
    if fmt is TableOrJson.JSON:
        return json.dumps(result.as_dict(), indent=2) + "\n"
    if fmt is TableOrJson.TABLE:
        return "".join(line + "\n" for line in table_lines(result))
    assert_never(fmt)


def table_lines(result: AttestationResult) -> list[str]:
    """Verdict, one line per check, then the claims a reader compares with the reference."""
    claims = result.claims
    lines = [
        f"verdict: {result.verdict_line}   type: {result.evidence_type}"
        + (" (detected)" if result.detected else "")
        + f" ({claims.tee_type} {claims.evidence_version})"
    ]
    width = max(len(c.name) for c in result.checks) if result.checks else 10
    lines += [f"  {c.status:<8} {c.name:<{width}}  {c.detail}" for c in result.checks]
    shown = {
        "debug": claims.debug,
        "hardware": claims.hardware_model,
        "platform": claims.platform_id,
        "tcb status": claims.tcb_status,
        "image digest": claims.image_digest,
        "report data": claims.report_data.hex() if claims.report_data else None,
        "public key sha256": claims.public_key_spki_sha256,
    }
    lines += [f"  {name}: {value}" for name, value in shown.items() if value is not None]
    measured = list(claims.measurements.items())[:MEASUREMENTS_SHOWN]
    lines += [f"  {name}: {value}" for name, value in measured]
    return lines
