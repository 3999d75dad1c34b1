"""The built-in pack loads, lints, passes its fixtures; broken packs are refused in one line."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.errors import PolicyError
from petgov.policy.lint import lint
from petgov.policy.packs import builtin_pack_dir, load_pack
from petgov.scanners.registry import declared_kinds

RULE = """id: {id}
title: t
severity: high
mode: gate
when: {when}
"""


def _pack(tmp_path: Path, *rules: tuple[str, str]) -> Path:
    (tmp_path / "pack.yaml").write_text("name: t\nversion: 1.0.0\n")
    for n, (rid, when) in enumerate(rules):
        (tmp_path / f"r{n}.yaml").write_text(RULE.format(id=rid, when=when))
    return tmp_path


def test_builtin_rules_test_passes(cli: Callable[..., Any]) -> None:
    res = cli("rules", "test", str(builtin_pack_dir()))
    assert res.code == 0, res.stdout + res.stderr
    assert "fixtures passed" in res.stdout


def test_builtin_lint_clean_and_every_kind_has_a_rule() -> None:
    kinds = declared_kinds()
    assert lint(builtin_pack_dir(), declared=kinds) == []
    assert {"target.symlink", "archive.path_traversal", "archive.bomb", "ser.modelscan"} <= set(
        kinds
    )
    covered = {r.expr.kind for r in load_pack(builtin_pack_dir()).rules}
    assert set(kinds) == covered


def test_lint_names_an_undeclared_kind_and_a_rule_without_emitter() -> None:
    kinds = declared_kinds()
    kinds["ser.made_up"] = ["test"]
    del kinds["archive.bomb"]
    problems = lint(builtin_pack_dir(), declared=kinds)
    assert any(p.startswith("kind ser.made_up (declared by test) has no rule") for p in problems)
    assert "PG-TGT-003: its kind archive.bomb is declared by no scanner or stage" in problems


def test_duplicate_id_refused(tmp_path: Path) -> None:
    p = _pack(tmp_path, ("PG-X-1", 'finding.kind == "a.b"'), ("PG-X-1", 'finding.kind == "c.d"'))
    with pytest.raises(PolicyError, match="duplicate rule id PG-X-1") as exc:
        load_pack(p)
    assert "\n" not in str(exc.value)


def test_bad_cel_refused_with_rule_id(tmp_path: Path, cli: Callable[..., Any]) -> None:
    p = _pack(tmp_path, ("PG-X-2", '"finding.kind == "'))
    p.joinpath("r0.yaml").write_text(RULE.format(id="PG-X-2", when="'finding.kind =='"))
    with pytest.raises(PolicyError, match=r"rule PG-X-2: CEL expression does not compile"):
        load_pack(p)
    res = cli("rules", "list", str(p))
    assert res.code == 2
    assert "PG-X-2" in res.stderr and "Traceback" not in res.stderr


def test_unknown_variable_refused(tmp_path: Path) -> None:
    p = _pack(tmp_path, ("PG-X-3", "findings.kind == 'a.b'"))
    with pytest.raises(PolicyError, match="unknown variable"):
        load_pack(p)


def test_failing_fixture_reported(tmp_path: Path, cli: Callable[..., Any]) -> None:
    p = _pack(tmp_path, ("PG-X-4", 'finding.kind == "a.b"'))
    p.joinpath("r0.yaml").write_text(
        RULE.format(id="PG-X-4", when='finding.kind == "a.b"')
        + "fixtures:\n  - {name: wrong, finding: {kind: a.b}, expect: warn}\n"
    )
    res = cli("rules", "test", str(p))
    assert res.code == 1
    assert "FAIL PG-X-4 'wrong': expected warn, got block" in res.stdout


def test_wheels_carry_the_builtin_pack_and_templates() -> None:
    """package-data ships petgov/data/**: the links there must reach rules/ and templates/."""
    from petgov.util.shipped import PACKAGE, shipped_dir

    root = PACKAGE.parent
    for name in ("rules", "templates"):
        inside = PACKAGE / "data" / name
        assert inside.resolve() == (root / name).resolve(), f"petgov/data/{name} must link there"
        assert shipped_dir(name) == inside
    assert (PACKAGE / "data" / "rules" / "pack.yaml").is_file()
    assert (PACKAGE / "data" / "templates" / "rule-pack" / "pack.yaml").is_file()
    assert builtin_pack_dir() == PACKAGE / "data" / "rules"


def test_builtin_rule_files_are_parsed_once_per_process() -> None:
    """The catalog and the pack loader read the same rule files: the second gets the first's
    documents (PyYAML object building is most of the cost), with the same content."""
    import yaml

    from petgov.policy.packs import builtin_pack_dir
    from petgov.util import yamldocs

    raw = next(iter(sorted(builtin_pack_dir().rglob("PG-*.yaml")))).read_bytes()
    first = yamldocs.documents(raw)
    assert yamldocs.documents(bytes(raw)) is first
    assert list(first) == list(yaml.safe_load_all(raw))
    big = b"k: v\n" * (yamldocs.CACHED_BYTES // 5 + 1)
    assert yamldocs.documents(big) is not yamldocs.documents(big)  # large inputs: not kept
