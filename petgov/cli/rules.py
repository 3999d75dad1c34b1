"""`petgov rules`: list, show, lint and test rule packs."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from petgov.exitcodes import ExitCode

if TYPE_CHECKING:
    from petgov.policy.packs import Rule


def register(app: typer.Typer) -> None:
    """Attach the rules command group."""
    rules = typer.Typer(
        help="Rule packs: list, show, lint, test, pack, docs, init, sign, verify, publish.",
        no_args_is_help=True,
    )
    rules.command("list")(list_rules)
    rules.command("show")(show_rule)
    rules.command("lint")(lint_pack)
    rules.command("test")(test_pack)
    rules.command("pack")(pack_tarball)
    rules.command("docs")(write_rule_docs)
    rules.command("init")(init_rule_pack)
    rules.command("sign")(sign_pack)
    rules.command("verify")(verify_pack)
    rules.command("publish")(publish_pack)
    app.add_typer(rules, name="rules")


def _pack_arg(pack: Path | None) -> Path:
    from petgov.policy.packs import builtin_pack_dir

    return pack if pack is not None else builtin_pack_dir()


PACK_HELP = "Pack folder, tarball or pinned oci://…@sha256: reference (default: built-in)."
POLICY_HELP = "List the rules in force under this policy file: every pack, overrides applied."


def _rules_in_force(
    pack: str | None, policy: Path | None
) -> tuple[list[Rule], dict[str, str], str]:
    """(rules, rule id -> pack name, what they are) for a pack argument or a policy file."""
    from petgov.errors import UsageError
    from petgov.policy.config import PackRef, PolicyConfig, find_config
    from petgov.policy.evaluate import load_rules
    from petgov.policy.packs import load_pack

    if pack is not None and policy is not None:
        raise UsageError("give a pack or --policy, not both", hint="see `petgov rules list -h`")
    if policy is not None:
        cfg = find_config(policy, None)
        described = f"the policy {policy}"
    elif pack is not None and PackRef(pack).remote:
        cfg = PolicyConfig(packs=[PackRef(pack)])  # fetched once by digest, then offline
        described = pack
    else:
        p = load_pack(_pack_arg(Path(pack) if pack is not None else None))
        return list(p.rules), {r.id: p.name for r in p.rules}, f"{p.name} {p.version}"
    rules, packs = load_rules(cfg)
    owner = {r.id: pk.name for pk in packs for r in pk.rules}  # later packs replace earlier ids
    names = ", ".join(f"{pk.name} {pk.version}" for pk in packs)
    return rules, owner, f"{described} ({names})" if policy is not None else names


def list_rules(
    pack: str | None = typer.Argument(None, help=PACK_HELP),
    policy: Path | None = typer.Option(None, "--policy", metavar="<path>", help=POLICY_HELP),
) -> int:
    """List the rules of a pack, or of a whole policy: id, severity, mode, title."""
    rules, owner, described = _rules_in_force(pack, policy)
    several = len(set(owner.values())) > 1
    for r in rules:
        source = f" [{owner.get(r.id, '')}]" if several else ""
        typer.echo(f"{r.id:<12} {r.severity.value:<8} {r.mode.value:<9} {r.title}{source}")
    typer.echo(f"{len(rules)} rules in {described}")
    return ExitCode.OK


def show_rule(
    rule_id: str = typer.Argument(..., help="Rule id, e.g. PG-TGT-001."),
    pack: str | None = typer.Option(None, "--pack", metavar="<pack>", help=PACK_HELP),
    policy: Path | None = typer.Option(
        None, "--policy", metavar="<path>", help="Show the rule as this policy file sets it."
    ),
) -> int:
    """Show one rule: severity, mode, expression, remediation, docs."""
    from petgov.errors import UsageError

    rules, owner, described = _rules_in_force(pack, policy)
    for r in rules:
        if r.id == rule_id:
            typer.echo(f"{r.id}: {r.title}")
            typer.echo(
                f"  severity {r.severity.value}, mode {r.mode.value}, "
                f"confidence {r.confidence}, waivable {r.waivable}"
            )
            typer.echo(f"  when: {r.when}")
            for key in ("what", "why", "fix"):
                if r.docs.get(key):
                    typer.echo(f"  {key}: {r.docs[key]}")
            if r.remediation and r.remediation != r.docs.get("fix"):  # else a duplicate line
                typer.echo(f"  remediation: {r.remediation}")
            if r.help_uri:
                typer.echo(f"  help: {r.help_uri}")
            for framework, ids in r.compliance.items():
                typer.echo(f"  {framework}: {', '.join(ids)}")
            if len(set(owner.values())) > 1:
                typer.echo(f"  pack: {owner.get(r.id, '')}")
            return ExitCode.OK
    raise UsageError(f"no rule {rule_id} in {described}", hint="see `petgov rules list`")


def lint_pack(
    pack: Path | None = typer.Argument(None, help="Pack folder or tarball (default: built-in)."),
) -> int:
    """Check a pack: schema, CEL compiles, unique ids, docs and fixtures present, kinds covered."""
    from petgov.errors import UsageError
    from petgov.policy.lint import lint

    if pack is not None and not pack.exists():  # nothing to lint: a usage error, not a finding
        raise UsageError(f"rule pack {pack} does not exist", hint="give a pack folder or tarball")
    from petgov.scanners.registry import declared_kinds

    problems = lint(_pack_arg(pack), declared=declared_kinds() if pack is None else None)
    for line in problems:
        typer.echo(line)
    typer.echo("ok" if not problems else f"{len(problems)} problem(s)")
    return ExitCode.OK if not problems else ExitCode.GATE_FAILED


def test_pack(
    pack: Path | None = typer.Argument(None, help="Pack folder or tarball (default: built-in)."),
) -> int:
    """Run every rule's fixtures; exit 1 when one gives another decision than expected."""
    from petgov.policy.fixtures import run_fixture
    from petgov.policy.packs import load_pack

    p = load_pack(_pack_arg(pack))
    failed = total = 0
    for r in p.rules:
        for fx in r.fixtures:
            res = run_fixture(r, fx)
            total += 1
            if not res.ok:
                failed += 1
                typer.echo(f"FAIL {r.id} {res.name!r}: expected {res.expected}, got {res.got}")
    typer.echo(f"{total - failed}/{total} fixtures passed in {len(p.rules)} rules")
    return ExitCode.OK if failed == 0 and total else ExitCode.GATE_FAILED


def pack_tarball(
    pack: Path = typer.Argument(..., help="Pack folder."),
    output: Path = typer.Option(..., "--output", "-o", help="Tarball to write (.tar.gz)."),
) -> int:
    """Write a deterministic tarball of a valid pack and print its sha256 (pin it in config)."""
    from petgov.policy.tooling import build_tarball

    digest = build_tarball(pack, output)
    typer.echo(f"{digest}  {output}")
    return ExitCode.OK


def write_rule_docs(
    pack: Path | None = typer.Argument(None, help="Pack folder (default: built-in)."),
    output: Path = typer.Option(Path("docs/rules"), "--output", "-o", help="Docs folder."),
) -> int:
    """Write one Markdown page per rule (ID.md) and an index from the rule data."""
    from petgov.policy.tooling import write_docs

    written = write_docs(_pack_arg(pack), output)
    typer.echo(f"wrote {len(written)} files to {output}")
    return ExitCode.OK


def init_rule_pack(
    name: str = typer.Argument(..., help="Pack name, e.g. acme/ai-baseline."),
    dest: Path | None = typer.Option(None, "--dest", help="Folder to create (default: NAME)."),
) -> int:
    """Create a new rule pack from the skeleton in templates/rule-pack/."""
    from petgov.errors import PolicyError
    from petgov.policy.tooling import init_pack
    from petgov.util.shipped import shipped_dir

    if name.startswith(("/", ".", "-", "~")) or "\\" in name:
        from petgov.errors import UsageError

        raise UsageError(
            f"{name!r} is not a pack name",
            hint="name it like acme/ai-baseline; --dest sets the folder",
        )
    templates = shipped_dir("templates")
    template = templates / "rule-pack" if templates else Path("templates/rule-pack")
    if not (template / "pack.yaml").is_file():
        raise PolicyError("rule-pack template not found", hint="reinstall petgov")
    out = init_pack(name, dest or Path(name.replace("/", "-")), template)
    typer.echo(f"created {out}; next: petgov rules lint {out} && petgov rules test {out}")
    return ExitCode.OK


def sign_pack(
    pack: Path = typer.Argument(..., help="Pack folder or tarball."),
    key: Path = typer.Option(..., "--key", help="EC private key (PEM)."),
) -> int:
    """Sign a pack (PACK/model.sig or PACK.tar.gz.sig); trust it with pack_keys in config."""
    from petgov.provenance.packs import sign_pack as sign

    typer.echo(f"signed {pack} -> {sign(pack, key)}")
    return ExitCode.OK


def verify_pack(
    pack: Path = typer.Argument(..., help="Pack folder or tarball."),
    key: list[Path] = typer.Option(
        ..., "--key", metavar="<path>", help="Trusted public key (PEM; repeatable)."
    ),
) -> int:
    """Verify a pack's signature offline; exit 2 when unsigned or broken."""
    from petgov.errors import PolicyError
    from petgov.provenance.packs import verify_pack as check

    signer = check(pack, key)
    if signer is None:
        raise PolicyError(f"rule pack {pack} is not signed", hint="petgov rules sign PACK --key")
    typer.echo(f"verified {pack}: {signer}")
    return ExitCode.OK


def publish_pack(
    pack: Path = typer.Argument(..., help="Pack folder or tarball."),
    target: str = typer.Argument(..., help="oci://registry/org/pack:TAG"),
    key: Path | None = typer.Option(
        None, "--key", help="EC private key (PEM) to sign with; else the tarball's .sig is used."
    ),
) -> int:
    """Push a signed pack to an OCI registry; print the digest-pinned reference for config."""
    from petgov.policy.remote import publish

    typer.echo(publish(pack, target, key))
    return ExitCode.OK
