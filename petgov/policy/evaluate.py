"""Turn findings into decisions with rule packs, overrides, modes and waivers.

Order: packs load in config order (a later pack replaces an earlier rule with the same id),
overrides adjust severity/mode or disable rules, then each finding gets the first rule that
matches it (the rule whose id equals the scanner's rule_id is tried first). A finding no rule
matches is never dropped: it keeps its scanner severity, is a gate only when critical, and says
"no rule matched". Waivers come last; lapsed ones are listed in ``PolicyInfo.lapsed_waivers``.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from petgov.errors import PolicyError
from petgov.model import (
    Action,
    Decision,
    Finding,
    Item,
    Mode,
    PolicyInfo,
    RuleDoc,
    RunMode,
    Severity,
    Waiver,
)
from petgov.policy.config import PolicyConfig, find_config
from petgov.policy.expr import EvalError
from petgov.policy.packs import Pack, Rule, SignatureHook, builtin_pack_dir, load_pack
from petgov.policy.waivers import Lapsed, load_waivers, waiver_covers

NO_RULE_NOTE = "no rule matched: scanner severity kept"


@dataclass(frozen=True)
class PolicyOptions:
    """What the user chose on the command line about policy."""

    mode: RunMode = RunMode.ENFORCE
    fail_on: Severity | None = None  # None: the config's fail_on, else high
    policy_file: Path | None = None
    waivers_file: Path | None = None
    config_dir: Path | None = None  # where petgov.toml / pyproject.toml are looked up
    verify: SignatureHook | None = None  # pack signature check (provenance)


def load_rules(
    cfg: PolicyConfig, verify: SignatureHook | None = None
) -> tuple[list[Rule], list[Pack]]:
    """Every pack in order, later rule ids replacing earlier ones, then overrides applied."""
    by_id: dict[str, Rule] = {}
    packs: list[Pack] = []
    if verify is None and cfg.pack_keys:
        from petgov.provenance.packs import pack_signature_hook

        verify = pack_signature_hook(cfg.pack_keys)
    for ref in cfg.packs:
        sha256 = ref.sha256
        if ref.source == "builtin":
            path = builtin_pack_dir()
        elif ref.remote:  # fetched once into the cache, by digest (policy.remote)
            from petgov.policy.remote import cache_folder, fetch

            fetched = fetch(ref.source, ref.sha256, cache_folder())
            path, sha256 = fetched.tarball, fetched.sha256
        else:
            path = Path(ref.source)
            path = path if path.is_absolute() else cfg.base / path
            if path.is_file() and ref.sha256 is None:
                raise PolicyError(
                    f"rule pack {path} refused: a tarball must be pinned by sha256",
                    hint='add sha256 = "..." (printed by `petgov rules pack`)',
                )
        pack = load_pack(
            path,
            sha256=sha256,
            require_signature=cfg.require_signature and ref.source != "builtin",
            verify=verify if ref.source != "builtin" else None,
        )
        if ref.remote:
            pack.location = ref.source  # the report names what the user pinned, not the cache
        packs.append(pack)
        for r in pack.rules:
            by_id[r.id] = r
    rules: list[Rule] = []
    for r in sorted(by_id.values(), key=lambda r: r.id):
        disabled = False
        for o in cfg.overrides:
            if fnmatch.fnmatchcase(r.id, o.rule):
                disabled = disabled or o.disable
                r = replace(r, severity=o.severity or r.severity, mode=o.mode or r.mode)
                if o.severity is not None:
                    r = replace(r, keep_scanner_severity=False)
        if not disabled:
            rules.append(r)
    return rules, packs


class RuleIndex:
    """Rules indexed by the kind their expression tests, so most findings touch one rule."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self.by_kind: dict[str, list[Rule]] = {}
        self.generic: list[Rule] = []
        self.by_id = {r.id: r for r in rules}
        for r in rules:
            if r.expr.kind is None:
                self.generic.append(r)
            else:
                self.by_kind.setdefault(r.expr.kind, []).append(r)

    def candidates(self, finding: Finding) -> list[Rule]:
        found = self.by_kind.get(finding.kind, []) + self.generic
        own = self.by_id.get(finding.rule_id)
        if own is not None and own in found:
            found = [own] + [r for r in found if r is not own]
        return found

    def match(
        self, finding: Finding, activation: Mapping[str, Any], fmt: str | None
    ) -> tuple[Rule | None, list[str]]:
        """The first rule whose ``applies_to`` and ``when`` hold, and any evaluation errors."""
        errors: list[str] = []
        for rule in self.candidates(finding):
            if "*" not in rule.applies_to and fmt not in rule.applies_to:
                continue
            try:
                if rule.expr.matches(activation):
                    return rule, errors
            except EvalError as exc:
                errors.append(f"rule {rule.id} could not evaluate: {exc}")
        return None, errors


def decide(
    finding: Finding,
    rule: Rule | None,
    *,
    advisory: bool,
    fail_on: Severity,
    waivers: Sequence[Waiver],
    sha256: str | None,
    notes: Sequence[str] = (),
) -> Decision:
    """One finding's decision under ``rule`` (or the no-rule default)."""
    note_parts = list(notes)
    if rule is None:
        severity = finding.severity
        mode = Mode.GATE if severity is Severity.CRITICAL else Mode.GUIDELINE
        note_parts.append(NO_RULE_NOTE)
        rule_id, help_uri, remediation, waivable = finding.rule_id, None, None, True
        compliance: Mapping[str, tuple[str, ...]] = (
            {"cwe": tuple(finding.cwe)} if finding.cwe else {}
        )
    else:
        severity = finding.severity if rule.keep_scanner_severity else rule.severity
        mode = rule.mode
        rule_id, help_uri, remediation = rule.id, rule.help_uri, rule.remediation
        waivable = rule.waivable
        compliance = rule.compliance
    if severity is Severity.INFO:
        action = Action.INFO
    elif mode is Mode.GATE and not advisory and severity >= fail_on:
        action = Action.BLOCK
    else:
        action = Action.WARN
    waiver = None
    for w in waivers:
        if not waiver_covers(w, replace_rule(finding, rule_id), sha256):
            continue
        if not waivable:
            note_parts.append(f"waiver {w.id} ignored: rule {rule_id} is not waivable")
            continue
        if severity >= Severity.HIGH and not w.approver:
            note_parts.append(f"waiver {w.id} ignored: {severity.value} needs an approver")
            continue
        waiver, action = w, Action.WAIVED
        break
    return Decision(
        finding=finding,
        rule_id=rule_id,
        severity=severity,
        mode=mode,
        action=action,
        waiver=waiver,
        help_uri=help_uri,
        remediation=remediation,
        note="; ".join(note_parts) or None,
        compliance=compliance,
    )


def replace_rule(finding: Finding, rule_id: str) -> Finding:
    """Waivers name the policy rule id, which may differ from the scanner's."""
    return finding if finding.rule_id == rule_id else replace(finding, rule_id=rule_id)


def evaluate(
    findings: Sequence[Finding],
    items: Sequence[Item],
    facts: Mapping[str, Mapping[str, Any]],
    options: PolicyOptions,
    now: dt.datetime,
) -> tuple[list[Decision], PolicyInfo]:
    """Decide, for each finding, its effective rule, severity, mode, action and waiver."""
    cfg = find_config(options.policy_file, options.config_dir)
    rules, packs = load_rules(cfg, options.verify)
    fail_on = options.fail_on or cfg.fail_on or Severity.HIGH
    waivers: list[Waiver] = []
    lapsed: list[Lapsed] = []
    wpath = options.waivers_file
    if wpath is None:
        if cfg.waivers:
            wpath = cfg.base / cfg.waivers
        elif (cfg.base / ".petgov" / "waivers.yaml").is_file():
            wpath = cfg.base / ".petgov" / "waivers.yaml"
    if wpath is not None:
        waivers, lapsed = load_waivers(wpath, now)
    index = RuleIndex(rules)
    by_path = {i.path: i for i in items}
    item_json: dict[str, dict[str, Any]] = {}
    all_facts = {k: dict(v) for k, v in facts.items()}
    advisory = options.mode is RunMode.ADVISORY
    decisions = []
    for f in findings:
        item = by_path.get(f.path)
        ij = item_json.get(f.path)
        if ij is None:
            ij = dict(item.to_dict()) if item is not None else {"path": f.path}
            ij["facts"] = all_facts.get(f.path, {})
            item_json[f.path] = ij
        activation = {"finding": f.to_dict(), "item": ij, "facts": all_facts}
        rule, errors = index.match(f, activation, item.format if item else None)
        decisions.append(
            decide(
                f,
                rule,
                advisory=advisory,
                fail_on=fail_on,
                waivers=waivers,
                sha256=item.sha256 if item else None,
                notes=errors,
            )
        )
    if lapsed:
        decisions = [_lapsed_note(d, lapsed) for d in decisions]
    info = PolicyInfo(
        mode=options.mode.value,
        fail_on=fail_on,
        packs=[
            {
                "name": p.name,
                "version": p.version,
                "location": p.location,
                "sha256": p.sha256,
                "rules": len(p.rules),
                "signer": p.signer,
            }
            for p in packs
        ],
        lapsed_waivers=[lp.to_json() for lp in lapsed],
        rules=rule_docs(packs, {d.rule_id for d in decisions}),
    )
    return decisions, info


def rule_docs(packs: Sequence[Pack], ids: set[str]) -> dict[str, RuleDoc]:
    """Docs of the rules named ``ids``, a later pack's rule replacing an earlier one's (as in
    load_rules); a disabled rule keeps its docs, since a finding may still carry its id."""
    out: dict[str, RuleDoc] = {}
    for pack in packs:
        for r in pack.rules:
            if r.id in ids:
                docs = {str(k): str(v) for k, v in r.docs.items() if v is not None}
                out[r.id] = RuleDoc(r.title, docs, tuple(r.tags), r.confidence)
    return out


def _lapsed_note(d: Decision, lapsed: Sequence[Lapsed]) -> Decision:
    """Say on the finding itself when a waiver for its rule lapsed, and why."""
    hits = [
        f"waiver {lp.id} lapsed: {lp.why}"
        for lp in lapsed
        if fnmatch.fnmatchcase(d.rule_id, lp.rule_id)
    ]
    if not hits:
        return d
    return replace(d, note="; ".join(([d.note] if d.note else []) + hits))
