"""Reference values and the verdict: one policy over the normalized claims of every type.

Without a reference file the defaults of design.md apply: signatures and chains must verify,
debug must be off, tokens/collateral valid at ``now``, the nonce must match when one is given.
A check that needs input nobody gave is ``skipped`` and does not fail the verdict, unless the
run is strict or the reference file requires it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hmac
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    EVIDENCE_TYPES,
    Check,
    CheckList,
    ReferenceFileError,
)
from petgov.errors import ConfigError, UsageError
from petgov.util.durations import parse_duration
from petgov.util.yamlerr import yaml_problem

DEFAULT_TCB_STATUS = ("UpToDate", "SWHardeningNeeded")
SNP_TYPES = ("snp", "az-snp-vtpm")  # evidence whose claims include an SEV-SNP guest policy
MIN_NONCE = 16  # bytes; shorter challenges are guessable or replayable
REPORT_DATA_NONCE = (32, 64)  # bytes a nonce or reference may have when report data binds it
KEYS = {
    "version",
    "type",
    "strict",
    "require",
    "tolerate_skipped",
    "debug",
    "nonce",
    "measurements",
    "image_digests",
    "min_tcb",
    "tcb_status",
    "hardware_models",
    "issuers",
    "audiences",
    "max_vmpl",
    "smt",
    "migration_agent",
    "secure_boot",
    "support_attributes",
    "report_data",
    "certs",
    "collateral",
    "max_age",
}


@dataclass(frozen=True)
class Reference:
    """Parsed reference file; every field optional, unknown keys rejected."""

    evidence_type: str | None = None
    strict: bool | None = None  # None: not said (the clean-room gate is then strict)
    require: tuple[str, ...] = ()
    tolerate_skipped: tuple[str, ...] = ()
    debug_allowed: bool = False
    nonce_required: bool = False
    measurements: dict[str, tuple[str, ...]] = field(default_factory=dict)
    image_digests: tuple[str, ...] = ()
    min_tcb: dict[str, int] = field(default_factory=dict)
    tcb_status: tuple[str, ...] = ()
    hardware_models: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    max_vmpl: int | None = None
    smt_allowed: bool = True
    migration_agent_allowed: bool = False
    secure_boot_required: bool = False
    support_attributes: tuple[str, ...] = ()
    report_data: bytes | None = None
    max_age_seconds: int | None = None
    certs: tuple[Path, ...] = ()
    collateral: Path | None = None
    source: Path | None = None


def load_reference(path: Path, *, empty_ok: bool = True) -> Reference:
    """Read and validate a reference YAML file (paths inside are relative to it).

    An empty or ``null`` file reads as the defaults unless ``empty_ok`` is false (``attest
    verify``: a file given on purpose that says nothing is more likely a mistake).
    """
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReferenceFileError(f"{path}: cannot read reference file: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ReferenceFileError(f"{path}: not valid YAML: {exc}") from None
    except yaml.YAMLError as exc:
        raise ReferenceFileError(f"{path}: not valid YAML: {yaml_problem(exc)}") from None
    if doc is None and not empty_ok:
        raise ReferenceFileError(
            f"{path}: the reference file is empty",
            hint="write at least 'version: 1'; an empty file is more likely a mistake",
        )
    return parse_reference(doc or {}, path)


def _strings(doc: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    value = doc.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise ReferenceFileError(f"{where}: {key} must be a list of strings")
    return tuple(str(v) for v in value)


def _choice(
    doc: dict[str, Any], key: str, options: tuple[str, str], default: str, where: str
) -> str:
    value = doc.get(key, default)
    if isinstance(value, bool):
        value = options[0] if value else options[1]
    if value not in options:
        raise ReferenceFileError(f"{where}: {key} must be one of {options}, not {value!r}")
    return str(value)


def parse_reference(doc: Any, path: Path | None = None) -> Reference:
    where = str(path or "reference")
    if not isinstance(doc, dict):
        raise ReferenceFileError(f"{where}: the reference file must be a mapping")
    unknown = sorted(set(doc) - KEYS)
    if unknown:
        raise ReferenceFileError(f"{where}: unknown keys {unknown}")
    if doc.get("version", 1) != 1:
        raise ReferenceFileError(f"{where}: version must be 1")
    etype = doc.get("type")
    if etype is not None and etype not in EVIDENCE_TYPES:
        raise ReferenceFileError(f"{where}: type {etype!r} is not one of {EVIDENCE_TYPES}")
    measurements = doc.get("measurements", {})
    if not isinstance(measurements, dict):
        raise ReferenceFileError(f"{where}: measurements must map names to lists of hex")
    allowed = {
        str(k): tuple(v.lower() for v in _strings(measurements, k, where)) for k in measurements
    }
    for k, values in allowed.items():  # a typo would never match: say so instead of failing
        for v in values:
            if len(v) % 2 or any(c not in "0123456789abcdef" for c in v) or not v:
                raise ReferenceFileError(
                    f"{where}: measurements.{k}: {v[:20]!r} is not a hex value",
                    hint="write the measurement as plain hex, without 0x or separators",
                )
    min_tcb = doc.get("min_tcb", {})
    if not isinstance(min_tcb, dict) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in min_tcb.values()
    ):
        raise ReferenceFileError(f"{where}: min_tcb must map TCB parts to integers")
    base = path.parent if path else Path(".")
    max_vmpl = doc.get("max_vmpl")
    if max_vmpl is not None and (not isinstance(max_vmpl, int) or isinstance(max_vmpl, bool)):
        raise ReferenceFileError(f"{where}: max_vmpl must be an integer")
    report_data = doc.get("report_data")
    try:
        rd = bytes.fromhex(str(report_data)) if report_data is not None else None
    except ValueError:
        raise ReferenceFileError(f"{where}: report_data must be hex") from None
    if rd is not None and len(rd) not in REPORT_DATA_NONCE:
        raise ReferenceFileError(
            f"{where}: report_data is {len(rd)} bytes; give 32 (then zero-padded) or 64",
            hint="report data is compared whole, never as a prefix",
        )
    max_age = doc.get("max_age")
    if max_age is not None and not (isinstance(max_age, int) and not isinstance(max_age, bool)):
        try:
            max_age = parse_duration(str(max_age), what="max_age")
        except ConfigError as exc:
            raise ReferenceFileError(f"{where}: {exc.message}", hint=exc.hint) from None
    strict = doc.get("strict")
    if strict is not None and not isinstance(strict, bool):
        raise ReferenceFileError(f"{where}: strict must be true or false")
    collateral = doc.get("collateral")
    return Reference(
        evidence_type=etype,
        strict=strict,
        require=_strings(doc, "require", where),
        tolerate_skipped=_strings(doc, "tolerate_skipped", where),
        debug_allowed=_choice(doc, "debug", ("allow", "forbid"), "forbid", where) == "allow",
        nonce_required=_choice(doc, "nonce", ("required", "optional"), "optional", where)
        == "required",
        measurements=allowed,
        image_digests=tuple(d.lower() for d in _strings(doc, "image_digests", where)),
        min_tcb={str(k): int(v) for k, v in min_tcb.items()},
        tcb_status=_strings(doc, "tcb_status", where),
        hardware_models=_strings(doc, "hardware_models", where),
        issuers=_strings(doc, "issuers", where),
        audiences=_strings(doc, "audiences", where),
        max_vmpl=max_vmpl,
        smt_allowed=_choice(doc, "smt", ("allow", "forbid"), "allow", where) == "allow",
        migration_agent_allowed=_choice(
            doc, "migration_agent", ("allow", "forbid"), "forbid", where
        )
        == "allow",
        secure_boot_required=_choice(
            doc, "secure_boot", ("required", "optional"), "optional", where
        )
        == "required",
        support_attributes=_strings(doc, "support_attributes", where),
        report_data=rd,
        max_age_seconds=max_age,
        certs=tuple(base / p for p in _strings(doc, "certs", where)),
        collateral=base / str(collateral) if collateral else None,
        source=path,
    )


def check_nonce_length(nonce: bytes, what: str = "--nonce") -> None:
    """A nonce shorter than 16 bytes proves no freshness: refuse it as unusable input (exit 2)."""
    if not nonce:
        raise UsageError(f"{what} is empty", hint="pass the challenge you issued, as hex")
    if len(nonce) < MIN_NONCE:
        raise UsageError(
            f"{what} is {len(nonce)} bytes; at least {MIN_NONCE} are needed for freshness",
            hint="issue a random 32-byte challenge (64 hex digits)",
        )


def report_data_expected(value: bytes, what: str) -> bytes:
    """The whole 64-byte report-data field a 32- or 64-byte value stands for.

    A 64-byte value is the field itself; a 32-byte value (a SHA-256 or a raw challenge) fills
    the first half and the rest must be zero. Nothing else can be compared without guessing.
    """
    if len(value) not in REPORT_DATA_NONCE:
        raise UsageError(
            f"{what} is {len(value)} bytes; report data is compared whole, so give 32 bytes "
            "(then zero-padded) or all 64",
            hint="see docs/attestation.md, 'Nonces and report data'",
        )
    return value.ljust(64, b"\0")


def nonce_matches(claims: Claims, nonce: bytes) -> bool:
    """Whole-field comparison: the evidence's nonce field, an eat_nonce, or the report data.

    Never a prefix: a nonce equals the entire field it is bound to (report data: see
    :func:`report_data_expected`).
    """
    if claims.nonce is not None:
        return hmac.compare_digest(claims.nonce, nonce)
    eat = claims.extra.get("eat_nonce")
    if isinstance(eat, list) and eat:
        wanted = {nonce.hex()}
        with contextlib.suppress(UnicodeDecodeError):
            wanted.add(nonce.decode("utf-8"))
        return any(str(e).lower() in {w.lower() for w in wanted} for e in eat)
    if claims.report_data is not None:
        expect = report_data_expected(nonce, "--nonce")
        return hmac.compare_digest(claims.report_data, expect)
    return False


def appraise(
    claims: Claims,
    checks: CheckList,
    reference: Reference | None,
    nonce: bytes | None,
    *,
    now: dt.datetime | None = None,
    strict: bool = False,
    nonce_checked_by_caller: bool = False,
    strict_unless_relaxed: bool = False,
) -> str:
    """Add the policy checks to ``checks`` and return the verdict, 'pass' or 'fail'."""
    ref = reference or Reference()
    etype = claims.evidence_type
    check_reference_type(ref, etype)
    _debug(claims, ref, checks)
    _nonce(claims, ref, nonce, checks, nonce_checked_by_caller)
    if ref.max_age_seconds is not None:
        _freshness(claims, ref.max_age_seconds, now, checks)
    _measurements(claims, ref, checks)
    _tcb(claims, ref, checks)
    _platform(claims, ref, checks)
    _token(claims, ref, checks)
    if strict_unless_relaxed and ref.strict is not False:
        strict = True
    return verdict(checks, ref, strict)


def check_reference_type(ref: Reference, evidence_type: str) -> None:
    """A reference written for another evidence type is a bad reference file (exit 2)."""
    if ref.evidence_type and ref.evidence_type != evidence_type:
        raise ReferenceFileError(
            f"{ref.source or 'reference'}: type {ref.evidence_type} does not match --type "
            f"{evidence_type}",
            hint="use the reference file written for this evidence type",
        )


def _debug(claims: Claims, ref: Reference, checks: CheckList) -> None:
    if claims.debug is None:
        checks.skipped("debug", "the evidence does not report a debug state")
    elif claims.debug and not ref.debug_allowed:
        checks.failed("debug", "debug enabled")
    else:
        checks.passed(
            "debug", "debug enabled (allowed by reference)" if claims.debug else "debug disabled"
        )


def _nonce(
    claims: Claims, ref: Reference, nonce: bytes | None, checks: CheckList, by_caller: bool
) -> None:
    if by_caller:
        checks.passed("nonce", "checked by the clean-room key binding")
    elif nonce is None:
        if ref.nonce_required:
            checks.failed("nonce", "the reference requires a nonce: pass --nonce")
        else:
            checks.skipped("nonce", "no --nonce given: freshness not checked")
    elif nonce_matches(claims, nonce):
        checks.passed("nonce", "evidence carries the expected nonce")
    else:
        checks.failed("nonce", "evidence nonce differs from --nonce (stale or replayed)")
    if ref.report_data is not None:
        expect = ref.report_data.ljust(64, b"\0")
        ok = claims.report_data is not None and hmac.compare_digest(claims.report_data, expect)
        checks.add(
            "report_data",
            ok,
            "report data equals the reference",
            "report data differs from the reference"
            if claims.report_data is not None
            else "the evidence carries no report data",
        )


def _freshness(claims: Claims, max_age: int, now: dt.datetime | None, checks: CheckList) -> None:
    if claims.issued_at is None or now is None:
        checks.skipped("freshness", "the evidence carries no issue time")
        return
    age = (now - claims.issued_at).total_seconds()
    checks.add(
        "freshness",
        -60 <= age <= max_age,
        f"evidence is {int(age)} s old (max_age {max_age} s)",
        f"evidence is {int(age)} s old: outside max_age {max_age} s",
    )


def _measurements(claims: Claims, ref: Reference, checks: CheckList) -> None:
    name = "reference_manifest" if claims.evidence_type == "nvgpu" else "measurements"
    if ref.measurements:
        if name == "reference_manifest":
            checks.items = [c for c in checks.items if c.name != name]
        bad = [
            f"{k}={claims.measurements.get(k, '<absent>')[:16]}… not allowed"
            for k, allowed in ref.measurements.items()
            if claims.measurements.get(k, "").lower() not in allowed
        ]
        checks.add(
            name,
            not bad,
            f"{len(ref.measurements)} measurement(s) on the allow-list",
            "; ".join(bad),
        )
    elif name == "measurements":
        checks.skipped(name, "no reference measurements given")
    if ref.image_digests or claims.evidence_type == "gcp-cs":
        if not ref.image_digests:
            checks.skipped("image_digest", "no allowed image digests in the reference")
        else:
            ok = (claims.image_digest or "").lower() in ref.image_digests
            checks.add(
                "image_digest",
                ok,
                f"image digest {claims.image_digest} is allowed",
                f"image digest {claims.image_digest} is not in the reference",
            )


def _tcb(claims: Claims, ref: Reference, checks: CheckList) -> None:
    values = claims.tcb.get("reported", claims.tcb)
    if ref.min_tcb:
        low = []
        for part, floor in ref.min_tcb.items():
            have = values.get(part) if isinstance(values, dict) else None
            if not isinstance(have, int) or have < floor:
                low.append(f"{part} {have} < {floor}")
        checks.add("tcb.minimum", not low, "TCB at or above the minimum", "; ".join(low))
    elif claims.evidence_type in SNP_TYPES:
        checks.skipped("tcb.minimum", "no minimum TCB in the reference")
    if claims.tcb_status is not None and claims.tcb_status != "NoMatchingLevel":
        allowed = ref.tcb_status or DEFAULT_TCB_STATUS
        checks.add(
            "tcb.status",
            claims.tcb_status in allowed,
            f"TCB status {claims.tcb_status}",
            f"TCB status {claims.tcb_status} is not one of {list(allowed)}",
        )
    extra = claims.extra
    if claims.evidence_type in SNP_TYPES:
        ma = bool(extra.get("migration_agent_allowed"))
        checks.add(
            "migration_agent",
            ref.migration_agent_allowed or not ma,
            "migration agent allowed by guest policy and reference" if ma else "no migration agent",
            "guest policy allows a migration agent; the reference forbids it",
        )
        smt = bool(extra.get("smt_allowed"))
        if not ref.smt_allowed:
            checks.add(
                "smt", not smt, "SMT disabled", "guest policy allows SMT; the reference forbids it"
            )
        vmpl = extra.get("vmpl")
        if ref.max_vmpl is not None:
            checks.add(
                "vmpl",
                isinstance(vmpl, int) and vmpl <= ref.max_vmpl,
                f"VMPL {vmpl}",
                f"VMPL {vmpl} above max_vmpl {ref.max_vmpl}",
            )
        else:
            checks.skipped("vmpl", f"VMPL {vmpl}: no max_vmpl in the reference")


def _platform(claims: Claims, ref: Reference, checks: CheckList) -> None:
    if ref.hardware_models:
        checks.add(
            "hardware_model",
            claims.hardware_model in ref.hardware_models,
            f"hardware model {claims.hardware_model}",
            f"hardware model {claims.hardware_model} is not in the reference",
        )
    if ref.secure_boot_required:
        checks.add(
            "secure_boot",
            claims.secure_boot is True,
            "secure boot on",
            f"secure boot required, evidence says {claims.secure_boot}",
        )
    if ref.support_attributes:
        have = set(claims.extra.get("support_attributes") or [])
        missing = sorted(set(ref.support_attributes) - have)
        checks.add(
            "support_attributes", not missing, "support attributes present", f"missing {missing}"
        )


def _token(claims: Claims, ref: Reference, checks: CheckList) -> None:
    if claims.evidence_type not in ("gcp-cs", "azure-maa"):
        return
    if ref.issuers:
        checks.add(
            "token.allowed_issuer",
            claims.issuer in ref.issuers,
            f"iss {claims.issuer}",
            f"iss {claims.issuer} is not in the reference",
        )
    if ref.audiences:
        ok = bool(set(claims.audience) & set(ref.audiences))
        checks.add(
            "token.audience",
            ok,
            f"aud {claims.audience}",
            f"aud {claims.audience} is not in the reference",
        )
    elif claims.audience:
        checks.skipped("token.audience", "no allowed audiences in the reference")


def verdict(checks: CheckList, ref: Reference, strict: bool) -> str:
    """Fail on any failed check; a skipped one fails only when strict or required."""
    strict = strict or ref.strict is True
    updated: list[Check] = []
    for check in checks.items:
        must = check.name in ref.require or (strict and check.name not in ref.tolerate_skipped)
        if check.status == "skipped" and must:
            check = Check(check.name, "fail", f"required but skipped: {check.detail}")
        updated.append(check)
    checks.items = updated
    return "fail" if any(c.status == "fail" for c in updated) else "pass"
