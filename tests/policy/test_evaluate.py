"""Layering, overrides, advisory mode, no-rule default and waivers at an injected date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from petgov.errors import PolicyError
from petgov.model import Action, Finding, Item, Mode, RunMode, Severity
from petgov.policy.evaluate import NO_RULE_NOTE, PolicyOptions, evaluate

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)
SHA = "ab" * 32


def _f(
    kind: str = "archive.path_traversal", rule: str = "PG-TGT-001", path: str = "m.zip"
) -> Finding:
    return Finding(
        rule_id=rule,
        kind=kind,
        severity=Severity.HIGH,
        title="t",
        message="m",
        path=path,
        engine="test",
    )


ITEMS = [Item(path="m.zip", format="zip", size=1, sha256=SHA)]


def _run(tmp_path: Path, *findings: Finding, **kw: object) -> tuple[list, object]:  # type: ignore[type-arg]
    opts = PolicyOptions(config_dir=tmp_path, **kw)  # type: ignore[arg-type]
    return evaluate(list(findings), ITEMS, {}, opts, NOW)


def test_builtin_gate_blocks_and_advisory_warns(tmp_path: Path) -> None:
    (d,), _ = _run(tmp_path, _f())
    assert (d.action, d.mode, d.rule_id) == (Action.BLOCK, Mode.GATE, "PG-TGT-001")
    assert d.help_uri and d.remediation
    (d,), _ = _run(tmp_path, _f(), mode=RunMode.ADVISORY)
    assert d.action is Action.WARN and d.severity is Severity.HIGH


def test_no_rule_keeps_scanner_severity(tmp_path: Path) -> None:
    (d,), _ = _run(tmp_path, _f(kind="new.kind", rule="PG-NEW-001"))
    assert d.action is Action.WARN and d.mode is Mode.GUIDELINE
    assert d.note and NO_RULE_NOTE in d.note


def test_overrides_in_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.petgov]\nfail_on = "critical"\n'
        '[tool.petgov.overrides.PG-TGT-001]\nmode = "guideline"\nseverity = "low"\n'
        "[tool.petgov.overrides.PG-TGT-004]\ndisable = true\n"
    )
    (d, d2), info = _run(tmp_path, _f(), _f(kind="target.symlink", rule="PG-TGT-004"))
    assert (d.severity, d.mode, d.action) == (Severity.LOW, Mode.GUIDELINE, Action.WARN)
    assert d2.note and NO_RULE_NOTE in d2.note  # disabled rule: default applies
    assert info.fail_on is Severity.CRITICAL


def test_later_pack_overrides_builtin_rule(tmp_path: Path) -> None:
    org = tmp_path / "org"
    org.mkdir()
    (org / "pack.yaml").write_text("name: org\nversion: 2.0.0\n")
    (org / "r.yaml").write_text(
        "id: PG-TGT-004\ntitle: links are gates here\nseverity: critical\nmode: gate\n"
        'when: finding.kind == "target.symlink"\n'
    )
    (tmp_path / "petgov.toml").write_text('packs = ["builtin", "org"]\n')
    (d,), info = _run(tmp_path, _f(kind="target.symlink", rule="PG-TGT-004"))
    assert (d.severity, d.action) == (Severity.CRITICAL, Action.BLOCK)
    assert [p["name"] for p in info.packs] == ["petgov-builtin", "org"]


def test_unpinned_tarball_and_unsigned_pack_refused(tmp_path: Path) -> None:
    (tmp_path / "p.tar.gz").write_bytes(b"x")
    (tmp_path / "petgov.toml").write_text('packs = ["builtin", "p.tar.gz"]\n')
    with pytest.raises(PolicyError, match="pinned by sha256"):
        _run(tmp_path, _f())
    org = tmp_path / "org"
    org.mkdir()
    (org / "pack.yaml").write_text("name: org\n")
    (tmp_path / "petgov.toml").write_text('packs = ["builtin", "org"]\nrequire_signature = true\n')
    with pytest.raises(PolicyError, match="refused"):
        _run(tmp_path, _f())
    with pytest.raises(PolicyError, match="not signed"):
        _run(tmp_path, _f(), verify=lambda p: None)


WAIVERS = (
    "waivers:\n"
    '  - {id: W-1, rule: PG-TGT-001, paths: ["*.zip"], reason: vendor archive, owner: ml-team,\n'
    "     approver: sec-lead, expires: 2026-07-01}\n"
    '  - {id: W-2, rule: PG-TGT-001, sha256: "' + SHA + '", reason: r, owner: o,'
    " expires: 2026-07-01}\n"
    '  - {id: W-3, rule: PG-TGT-004, paths: ["*"], owner: o, expires: 2026-07-01}\n'
)


def test_waiver_valid_then_expired_at_injected_date(tmp_path: Path) -> None:
    w = tmp_path / "w.yaml"
    w.write_text(WAIVERS)
    (d,), info = _run(tmp_path, _f(), waivers_file=w)
    assert d.action is Action.WAIVED and d.waiver and d.waiver.id == "W-1"
    assert [lp["id"] for lp in info.lapsed_waivers] == ["W-3"]  # reasonless
    later = dt.datetime(2026, 7, 2, tzinfo=dt.timezone.utc)
    (d,), info = evaluate(
        [_f()], ITEMS, {}, PolicyOptions(config_dir=tmp_path, waivers_file=w), later
    )
    assert d.action is Action.BLOCK
    assert {lp["id"]: lp["why"] for lp in info.lapsed_waivers}["W-1"] == "expired on 2026-07-01"
    assert d.note and "waiver W-1 lapsed: expired on 2026-07-01" in d.note


def test_high_waiver_needs_approver(tmp_path: Path) -> None:
    w = tmp_path / "w.yaml"
    w.write_text(
        WAIVERS.split("  - {id: W-1")[0] + "  - {id: W-2" + WAIVERS.split("  - {id: W-2")[1]
    )
    (d,), _ = _run(tmp_path, _f(), waivers_file=w)
    assert d.action is Action.BLOCK
    assert d.note and "W-2 ignored: high needs an approver" in d.note


def test_keep_scanner_severity_until_overridden(tmp_path: Path) -> None:
    crit = Finding(
        rule_id="PG-SER-100",
        kind="ser.modelscan",
        severity=Severity.CRITICAL,
        title="t",
        message="m",
        path="m.zip",
        engine="modelscan",
    )
    (d,), _ = _run(tmp_path, crit)
    assert (d.rule_id, d.severity, d.action) == ("PG-SER-100", Severity.CRITICAL, Action.BLOCK)
    (tmp_path / "petgov.toml").write_text('[overrides.PG-SER-100]\nseverity = "medium"\n')
    (d,), _ = _run(tmp_path, crit)
    assert d.severity is Severity.MEDIUM and d.action is Action.WARN


def test_unknown_policy_settings_are_refused(tmp_path: Path) -> None:
    """A typo such as fail-on must not silently leave the default threshold in force."""
    from petgov.policy.config import find_config

    cfg = tmp_path / "petgov.toml"
    cfg.write_text('fail-on = "low"\n')
    with pytest.raises(PolicyError, match="unknown settings fail-on"):
        find_config(cfg, None)
    cfg.write_text('fail_on = "low"\npack_keys = "k.pub"\n[shadow_ai]\n[cleanrooms.r]\n')
    parsed = find_config(cfg, None)
    assert parsed.pack_keys == [tmp_path / "k.pub"]
    project = tmp_path / "pyproject.toml"  # --policy pyproject.toml without [tool.petgov]
    project.write_text('[project]\nname = "x"\n[build-system]\nrequires = []\n[tool.ruff]\n')
    assert find_config(project, None).fail_on is None
