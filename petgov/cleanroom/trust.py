"""No silent trust: what a clean room was told to relax is said wherever its decision is.

A room's reference file must hold reference values (an empty or ``null`` file is a config
error, raised before the nonce is used). Every setting that weakens a gate below the room's
defaults (a debug TEE allowed, binding off, no signature required, a looser threshold, …)
becomes a warning, keyed by the gate it weakens, for the gate reasons, receipt and audit log;
so does every attestation check the evidence left skipped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from petgov.cleanroom.config import CleanRoom
from petgov.errors import ConfigError
from petgov.model import Severity

DEFAULT_FAIL_ON = Severity.MEDIUM


def weakenings(room: CleanRoom) -> dict[str, list[str]]:
    """Warnings per gate name; raises ConfigError for a reference file with no values."""
    from petgov.attestation.appraisal import Reference, load_reference

    ref = load_reference(room.reference)
    if ref == Reference(source=room.reference):
        raise ConfigError(
            f"{room.reference}: the clean room's reference file sets no reference values "
            "(it is empty, null, or only repeats the defaults)",
            hint="pin measurements, image digests, TCB or issuers: see docs/attestation.md",
        )
    out: dict[str, list[str]] = {}

    def warn(gate: str, text: str) -> None:
        out.setdefault(gate, []).append(f"warning: {text}")

    if ref.debug_allowed:
        warn("attestation", f"{room.reference} allows a debug-mode TEE (debug: allow)")
    if ref.strict is False:
        warn("attestation", f"{room.reference} lets skipped checks pass (strict: false)")
    if ref.tolerate_skipped:
        tolerated = ", ".join(ref.tolerate_skipped)
        warn("attestation", f"{room.reference} tolerates skipped checks: {tolerated}")
    if ref.migration_agent_allowed:
        warn("attestation", f"{room.reference} allows a migration agent (migration_agent: allow)")
    if room.binding == "unbound":
        warn("attestation", 'the TEE key is not bound to the challenge (binding = "unbound")')
    if not room.require_signature:
        warn("provenance", "no signature is required (require_signature = false)")
    if room.allowed_pii:
        warn("pii", f"personal data is allowed: {', '.join(room.allowed_pii)} (allowed_pii)")
    if room.fail_on > DEFAULT_FAIL_ON:
        warn(
            "policy",
            f"only {room.fail_on.value} findings block (fail_on = {room.fail_on.value!r}; "
            f"the clean-room default is {DEFAULT_FAIL_ON.value!r})",
        )
    return out


def skipped_checks(checks: Sequence[Mapping[str, Any]]) -> list[str]:
    """Attestation checks the evidence could not support: passed over, so said out loud."""
    return [
        f"warning: attestation check {c.get('name')} was skipped: {c.get('detail')}"
        for c in checks
        if c.get("status") == "skipped"
    ]


def flatten(warnings: dict[str, list[str]]) -> list[str]:
    """All warnings in gate order, for the receipt and the audit record."""
    return [w for gate in sorted(warnings) for w in warnings[gate]]
