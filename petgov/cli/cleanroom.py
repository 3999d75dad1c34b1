"""`petgov cleanroom`: challenge, promote, open, audit verify, sweep, policies, preview, review."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from petgov.exitcodes import ExitCode
from petgov.reporters.formats import TableOrJson

cleanroom_app = typer.Typer(
    help="Gate promotion of artifacts into attested TEE clean rooms.", no_args_is_help=True
)
audit_app = typer.Typer(help="Check the tamper-evident audit log.", no_args_is_help=True)
cleanroom_app.add_typer(audit_app, name="audit")
receipt_app = typer.Typer(help="Check promotion receipts.", no_args_is_help=True)
cleanroom_app.add_typer(receipt_app, name="receipt")

ROOM = typer.Argument(..., help="Clean room name (a [cleanrooms.NAME] table in the config).")
CONFIG = typer.Option(None, "--config", "-c", help="petgov.toml or a YAML file with cleanrooms.")
NOW = typer.Option(None, "--now", help="Evaluate at this ISO 8601 time (default: now).")


def register(app: typer.Typer) -> None:
    """Attach the cleanroom command group."""
    app.add_typer(cleanroom_app, name="cleanroom")


def _now(now: str | None):  # type: ignore[no-untyped-def]
    from petgov.util.clock import parse_instant, system_clock

    return parse_instant(now) if now else system_clock()


@cleanroom_app.command("challenge")
def challenge(
    name: str = ROOM,
    config: Path | None = CONFIG,
    now: str | None = NOW,
    fmt: str = typer.Option(
        "nonce",
        "--format",
        "-f",
        metavar="<nonce|json>",
        help="nonce: the bare nonce on stdout (N=$(...)); json: the whole challenge record.",
    ),
) -> None:
    """Issue a single-use nonce the TEE must bind into its attestation."""
    from petgov.cleanroom import challenges
    from petgov.cleanroom.config import load
    from petgov.errors import UsageError

    if fmt not in ("nonce", "json"):
        raise UsageError(f"unknown format {fmt!r}", hint="use nonce or json")
    room = load(name, config)
    rec = challenges.issue(room.state_dir, room.challenge_ttl_seconds, _now(now))
    rec["report_data"] = "SHA-512('petgov-cleanroom-v1' || nonce || SHA-256(SPKI DER of TEE key))"
    if fmt == "json":
        typer.echo(json.dumps(rec, indent=2))
        return
    typer.echo(str(rec["nonce"]))
    expires = rec.get("expires_at") or rec.get("expires")
    if expires:
        typer.echo(f"single use, expires {expires}", err=True)


def checked_nonce(nonce: str) -> str:
    """A --nonce as the lowercase hex that 'cleanroom challenge' prints, else exit 2."""
    from petgov.errors import UsageError

    value = nonce.strip().lower()
    try:
        bytes.fromhex(value)
    except ValueError:
        value = ""
    if not value:
        raise UsageError(
            f"--nonce {nonce[:40]!r} is not a hex nonce",
            hint="pass the output of 'petgov cleanroom challenge ROOM'",
        )
    return value


@cleanroom_app.command("promote")
def promote(
    artifact: Path = typer.Argument(..., help="Model or dataset file or folder."),
    to: str = typer.Option(..., "--to", help="Clean room name."),
    evidence: Path = typer.Option(..., "--evidence", help="The TEE's attestation evidence."),
    tee_key: Path = typer.Option(..., "--tee-key", help="The TEE's public key (PEM)."),
    nonce: str = typer.Option(..., "--nonce", help="The nonce from 'cleanroom challenge'."),
    config: Path | None = CONFIG,
    now: str | None = NOW,
    fmt: TableOrJson = typer.Option(TableOrJson.TABLE, "--format", "-f", help="Output format."),
) -> int:
    """Scan, apply the room's policy, verify provenance and attestation, then release."""
    from petgov.cleanroom import engines
    from petgov.cleanroom.config import load
    from petgov.cleanroom.promote import promote as run
    from petgov.cli.render import print_promotion
    from petgov.errors import TargetError, UsageError

    nonce = checked_nonce(nonce)
    room = load(to, config)
    for path, what in ((artifact, "artifact"), (evidence, "evidence"), (tee_key, "TEE key")):
        if not path.exists():
            raise TargetError(f"{path}: no such {what}")
    from petgov.cleanroom.envelope import Recipient
    from petgov.errors import PetgovError

    try:  # the same check promote makes, here so the message names the file
        Recipient.from_pem(tee_key.read_bytes())
    except PetgovError as exc:
        raise UsageError(f"--tee-key {tee_key}: {exc.message}", hint=exc.hint) from None
    result = run(
        artifact,
        room,
        evidence=evidence,
        tee_key_pem=tee_key.read_bytes(),
        nonce=nonce.lower(),
        now=_now(now),
        scanner=engines.scan_for_room,
        appraiser=engines.appraise,
        bom_scorer=engines.bom_score,
    )
    print_promotion(result, fmt)
    return ExitCode.OK if result.allowed else ExitCode.GATE_FAILED


@cleanroom_app.command("open")
def open_(
    envelope: Path = typer.Argument(..., help="artifact.env from a release."),
    key: Path = typer.Option(..., "--key", help="The TEE's private key (PEM)."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the plaintext."),
) -> None:
    """TEE side: decrypt a released artifact (any tampering is refused)."""
    from cryptography.hazmat.primitives import serialization

    from petgov.cleanroom.envelope import open_envelope
    from petgov.errors import TargetError, UsageError
    from petgov.util.atomic import atomic_open

    if not envelope.exists():
        raise TargetError(f"{envelope}: no such envelope")
    try:
        private = serialization.load_pem_private_key(key.read_bytes(), password=None)
    except (ValueError, TypeError, OSError) as exc:
        raise UsageError(
            f"{key}: not a usable PEM private key: {exc}",
            hint="pass the TEE's unencrypted private key in PEM",
        ) from None
    with open(envelope, "rb") as src, atomic_open(output) as dst:
        header = open_envelope(src, dst, private)
    typer.echo(f"opened {envelope} -> {output} ({json.dumps(dict(header.metadata))})")


@audit_app.command("verify")
def audit_verify(
    log: Path | None = typer.Argument(
        None, help="The audit log (JSONL); default with --room: the room's log."
    ),
    key: Path | None = typer.Option(None, "--key", help="Operator public key: check signatures."),
    room_name: str | None = typer.Option(
        None,
        "--room",
        help="Also check the log against the room's checkpoint, releases, receipts and nonces.",
    ),
    checkpoint: Path | None = typer.Option(
        None,
        "--checkpoint",
        help="A copy of the checkpoint kept elsewhere, checked besides LOG.checkpoint "
        "(with --room: instead of the room's audit_checkpoint).",
    ),
    config: Path | None = CONFIG,
    now: str | None = typer.Option(
        None, "--now", help="With --room: releases expired before this time fail (default: now)."
    ),
) -> int:
    """Detect edits, deletions, reordering, truncation and rollback, and say where."""

    from petgov.cleanroom.audit_log import checkpoint_path, verify
    from petgov.errors import TargetError, UsageError

    public = _operator_public_key(key) if key else None
    if room_name is not None:
        from dataclasses import replace

        from petgov.cleanroom.config import load
        from petgov.cleanroom.room_audit import verify_room

        room = load(room_name, config)
        if log is not None and log.resolve() != room.audit_log.resolve():
            raise UsageError(f"{log} is not the audit log of clean room {room_name!r}")
        if checkpoint is not None:
            room = replace(room, audit_checkpoint=checkpoint)
        log = room.audit_log
        verdict = verify_room(room, public, now=_now(now))
    elif log is None:
        raise UsageError("name the audit log, or the clean room with --room")
    else:
        anchors = [checkpoint_path(log), *([checkpoint] if checkpoint else [])]
        if not log.exists() and not any(a.exists() for a in anchors):
            raise TargetError(f"{log}: no such audit log")
        verdict = verify(log, public, checkpoint=checkpoint)
    for note in verdict.notes:
        typer.echo(f"note: {note}")
    for problem in verdict.problems:
        typer.echo(f"FAIL: {problem}")
    typer.echo(f"{'OK' if verdict.ok else 'TAMPERED'}: {verdict.records} records in {log}")
    return ExitCode.OK if verdict.ok else ExitCode.GATE_FAILED


@cleanroom_app.command("sweep")
def sweep(
    name: str = ROOM,
    dry_run: bool = typer.Option(False, "--dry-run", help="List, do not remove."),
    config: Path | None = CONFIG,
    now: str | None = NOW,
) -> None:
    """Remove releases past their retention (expires_at), logging each removal."""
    from petgov.cleanroom.config import load
    from petgov.cleanroom.sweep import sweep as run

    room = load(name, config)
    expired = run(room, _now(now), dry_run=dry_run)
    for e in expired:
        verb = "would remove" if dry_run else "removed"
        typer.echo(f"{verb} {e.release.location} (expired {e.expires_at})")
    typer.echo(f"{len(expired)} expired release(s)")


@receipt_app.command("verify")
def receipt_verify(
    bundle: Path = typer.Argument(..., help="receipt.sigstore.json from a release."),
    key: Path = typer.Option(..., "--key", help="The operator's public key (PEM)."),
    artifact_sha256: str | None = typer.Option(
        None, "--artifact-sha256", help="Also require the receipt to name this artifact digest."
    ),
) -> int:
    """Check a promotion receipt offline and print what it attests."""

    from petgov.cleanroom.receipt import verify
    from petgov.errors import TargetError, UsageError, VerificationError

    if not bundle.exists():
        raise TargetError(f"{bundle}: no such receipt")
    public = _operator_public_key(key)
    try:
        doc = json.loads(bundle.read_bytes())
    except OSError as exc:
        raise UsageError(f"{bundle}: cannot read receipt: {exc.strerror}") from None
    except ValueError:
        raise UsageError(
            f"{bundle}: not a JSON receipt", hint="pass receipt.sigstore.json from a release"
        ) from None
    try:
        stmt = verify(doc, public, artifact_sha256)
    except VerificationError as exc:
        typer.echo(f"FAIL: {exc.message}")
        return ExitCode.GATE_FAILED
    pred = stmt["predicate"]
    typer.echo(
        f"OK: {stmt['subject'][0]['name']} sha256:{stmt['subject'][0]['digest']['sha256']} "
        f"released to {pred['cleanroom']} as {pred['release_id']} "
        f"(evidence {pred['evidence']['type']} {pred['evidence']['verdict']})"
    )
    return ExitCode.OK


def _operator_public_key(path: Path) -> Any:
    """The operator's public key from ``--key``; anything else is a one-line usage error."""
    from cryptography.hazmat.primitives import serialization

    from petgov.errors import UsageError

    hint = "pass the operator's public key in PEM (openssl pkey -in operator.pem -pubout)"
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"--key {path}: {exc.strerror}", hint=hint) from None
    try:
        return serialization.load_pem_public_key(data)
    except (ValueError, TypeError):
        raise UsageError(f"--key {path} is not a PEM public key", hint=hint) from None


@cleanroom_app.command("preview")
def preview(
    dataset: Path = typer.Argument(..., help="The dataset (CSV, Parquet or JSON Lines)."),
    room_name: str = typer.Option(..., "--room", help="The clean room the preview is for."),
    output: Path = typer.Option(..., "--output", "-o", help="Where to write the preview."),
    mechanism: str | None = typer.Option(
        None,
        "--mechanism",
        "-m",
        metavar="<schema|dp-synthetic|public>",
        help="Default: the first the provider's policy allows.",
    ),
    epsilon: float | None = typer.Option(
        None, "--epsilon", help="dp-synthetic: ε to spend (at most what the policy allows)."
    ),
    seed: int | None = typer.Option(None, "--seed", help="Sampling seed (default: random)."),
    rows: int | None = typer.Option(
        None, "--rows", help="Rows to write (default: schema 1000, dp-synthetic a noisy count)."
    ),
    config: Path | None = CONFIG,
    now: str | None = NOW,
    fmt: TableOrJson = typer.Option(TableOrJson.TABLE, "--format", "-f", help="Output format."),
) -> int:
    """Programming stage: write a low-risk stand-in of DATASET on its provider's terms."""
    from petgov.cleanroom import engines
    from petgov.cleanroom.config import load
    from petgov.cleanroom.preview import preview as run

    room = load(room_name, config)
    result = run(
        dataset,
        room,
        output,
        now=_now(now),
        pii_scanner=engines.pii_scan,
        mechanism=mechanism,
        epsilon=epsilon,
        seed=seed,
        rows=rows,
    )
    if fmt is TableOrJson.JSON:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        for reason in result.reasons:
            typer.echo(f"DENIED: {reason}")
        if result.allowed:
            spend = f"ε {result.epsilon:g}" if result.epsilon else "no privacy budget"
            if result.budget:
                spend += f" ({result.budget['spent']:g} of {result.budget['total']:g} spent)"
            typer.echo(
                f"wrote {result.output}: {result.rows} rows, {result.mechanism}, {spend}, "
                f"seed {result.seed}"
            )
            for column, why in result.random_columns.items():
                typer.echo(f"  {column}: random ({why})")
            if result.utility:
                typer.echo(
                    "utility (NON-PRIVATE: computed on the source; for the data provider only, "
                    "do not pass it on): total variation distance per column"
                )
                for column, tvd in result.utility.items():
                    typer.echo(f"  {column}: {tvd:.4f}")
    return ExitCode.OK if result.allowed else ExitCode.GATE_FAILED


@cleanroom_app.command("review")
def review(
    output: Path = typer.Argument(..., help="What the TEE job produced (CSV, Parquet, JSONL)."),
    room_name: str = typer.Option(..., "--room", help="The clean room it was produced in."),
    copy_to: Path | None = typer.Option(
        None, "--output", "-o", help="Copy the output here when (and only when) it is approved."
    ),
    config: Path | None = CONFIG,
    now: str | None = NOW,
    fmt: TableOrJson = typer.Option(TableOrJson.TABLE, "--format", "-f", help="Output format."),
) -> int:
    """Execution stage: check an output against the providers' policies before it leaves."""
    from petgov.cleanroom import engines
    from petgov.cleanroom.config import load
    from petgov.cleanroom.review import review as run

    room = load(room_name, config)
    result = run(output, room, now=_now(now), pii_scanner=engines.pii_scan, copy_to=copy_to)
    if fmt is TableOrJson.JSON:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
    else:
        for reason in result.reasons:
            typer.echo(f"DENIED: {reason}")
        if result.approved:
            where = f"; copied to {result.copied_to}" if result.copied_to else ""
            typer.echo(f"approved {output} ({result.rows} rows){where}")
        else:
            typer.echo(f"denied {output}: nothing was copied out; the decision is in the audit log")
    return ExitCode.OK if result.approved else ExitCode.GATE_FAILED


@cleanroom_app.command("policies")
def policies(
    name: str = ROOM,
    config: Path | None = CONFIG,
    fmt: TableOrJson = typer.Option(TableOrJson.TABLE, "--format", "-f", help="Output format."),
) -> int:
    """List the data providers' policies a room serves: trusted or why not, terms, ε spent."""
    from dataclasses import asdict

    from petgov.cleanroom import data_policy, ledger
    from petgov.cleanroom.config import load

    room = load(name, config)
    loaded = data_policy.load_room_policies(room)
    spent = ledger.totals(room.state_dir)
    rows: list[dict[str, Any]] = []
    for p in loaded:
        if isinstance(p, data_policy.Unusable):
            rows.append({"path": str(p.path), "trusted": False, "reason": p.reason})
            continue
        terms = {k: v for k, v in asdict(p).items() if k not in ("path", "digest")}
        terms["epsilon_spent"] = spent.get(p.ledger_key, 0.0)
        rows.append({"path": str(p.path), "trusted": True, "sha256": p.digest, **terms})
    if fmt is TableOrJson.JSON:
        typer.echo(json.dumps(rows, indent=2, default=str))
    else:
        if not rows:
            typer.echo(f"clean room {name!r} lists no data provider policies")
        for row in rows:
            if not row["trusted"]:
                typer.echo(f"UNTRUSTED {row['path']}: {row['reason']}")
                continue
            preview = row["preview"]
            typer.echo(
                f"OK {row['provider']}/{row['dataset']} ({Path(row['path']).name}): "
                f"purposes {row['purposes']}, tee {row['tee'] or 'any'}, "
                f"retention {row['retention_days']:g}d, previews {list(preview['mechanisms'])} "
                f"with ε {row['epsilon_spent']:g} of {preview['epsilon_total']:g} spent"
            )
    return ExitCode.OK if all(r["trusted"] for r in rows) else ExitCode.GATE_FAILED
