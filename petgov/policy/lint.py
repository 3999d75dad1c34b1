"""`rules lint`: everything that makes a pack hard to use, as one line per problem."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from petgov.compliance.mapping import problems as compliance_problems
from petgov.errors import PetgovError
from petgov.policy.fixtures import EXPECTS
from petgov.policy.packs import load_pack


def lint(pack_path: Path, *, declared: Mapping[str, Sequence[str]] | None = None) -> list[str]:
    """Problems found; loading errors (bad CEL, duplicate id) come back as the only problem.

    ``declared`` ({kind: emitters}, for the built-in pack) is checked against the rules: each
    declared kind needs a rule and each rule's kind a scanner or stage that declares it.
    """
    try:
        pack = load_pack(pack_path)
    except PetgovError as exc:
        return [str(exc)]
    out: list[str] = []
    kinds_with_rule: set[str] = set()
    for r in pack.rules:
        if r.expr.kind:
            kinds_with_rule.add(r.expr.kind)
        out.extend(f"{r.id}: docs.{k} missing" for k in ("what", "why", "fix") if not r.docs.get(k))
        if not r.remediation:
            out.append(f"{r.id}: remediation missing")
        expects = [str(f.get("expect")) for f in r.fixtures]
        if not any(e != "none" for e in expects):
            out.append(f"{r.id}: no positive fixture")
        if "none" not in expects:
            out.append(f"{r.id}: no negative fixture (expect: none)")
        out.extend(
            f"{r.id}: fixture expect {e!r} is not one of {', '.join(EXPECTS)}"
            for e in expects
            if e not in EXPECTS
        )
        # every built-in rule maps to at least one framework; any pack's ids must exist
        out.extend(compliance_problems(r.id, r.compliance, required=declared is not None))
    if declared is not None:
        for kind, emitters in sorted(declared.items()):
            if kind not in kinds_with_rule:
                out.append(
                    f"kind {kind} (declared by {', '.join(emitters)}) has no rule in {pack.name}"
                )
        out.extend(
            f"{r.id}: its kind {r.expr.kind} is declared by no scanner or stage"
            for r in pack.rules
            if r.expr.kind is not None and r.expr.kind not in declared
        )
    return out
