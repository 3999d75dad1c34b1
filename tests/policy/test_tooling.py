"""rules init/pack/docs: a new pack lints and tests; tarballs are reproducible and pinnable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.errors import PolicyError
from petgov.model import Action, Finding, Severity
from petgov.policy.evaluate import PolicyOptions, evaluate


def test_init_pack_docs_and_pinned_tarball(tmp_path: Path, cli: Callable[..., Any]) -> None:
    assert cli("rules", "init", "acme/base", "--dest", "acme", cwd=tmp_path).code == 0
    assert cli("rules", "init", "acme/base", "--dest", "acme", cwd=tmp_path).code == 2
    by_path = cli("rules", "init", str(tmp_path / "pack"), cwd=tmp_path)
    assert by_path.code == 2 and "is not a pack name" in by_path.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme"]  # nothing like '-tmp-...-pack'
    assert cli("rules", "lint", "acme", cwd=tmp_path).stdout.strip() == "ok"
    assert cli("rules", "test", "acme", cwd=tmp_path).code == 0
    a = cli("rules", "pack", "acme", "-o", "a.tgz", cwd=tmp_path)
    b = cli("rules", "pack", "acme", "-o", "b.tgz", cwd=tmp_path)
    digest = a.stdout.split()[0]
    assert a.code == 0 and digest == b.stdout.split()[0] and len(digest) == 64
    docs = cli("rules", "docs", "acme", "-o", "out", cwd=tmp_path)
    assert docs.code == 0
    assert "Loading the model executes code" in (tmp_path / "out" / "PG-ORG-001.md").read_text()

    finding = Finding(
        rule_id="PG-SER-100",
        kind="ser.modelscan",
        severity=Severity.CRITICAL,
        title="t",
        message="m",
        path="x.pkl",
        engine="modelscan",
    )
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    (tmp_path / "petgov.toml").write_text(
        f'packs = [{{ source = "a.tgz", sha256 = "{digest}" }}]\n'
    )
    (d,), info = evaluate([finding], [], {}, PolicyOptions(config_dir=tmp_path), now)
    assert (d.rule_id, d.action) == ("PG-ORG-001", Action.BLOCK)
    assert info.packs[0]["sha256"] == digest
    (tmp_path / "petgov.toml").write_text(
        f'packs = [{{ source = "a.tgz", sha256 = "{"0" * 64}" }}]\n'
    )
    with pytest.raises(PolicyError, match="does not match the pinned"):
        evaluate([finding], [], {}, PolicyOptions(config_dir=tmp_path), now)


def test_rules_show_prints_the_fix_once(cli: Callable[..., Any]) -> None:
    res = cli("rules", "show", "PG-SER-001")
    assert res.code == 0, res.stderr
    assert res.stdout.startswith("PG-SER-001: ")
    fix = [line for line in res.stdout.splitlines() if line.strip().startswith("fix: ")]
    assert len(fix) == 1
    assert fix[0].split("fix: ", 1)[1] not in res.stdout.split(fix[0], 1)[1]


def test_docs_rules_are_up_to_date(tmp_path: Path) -> None:
    """docs/rules is `petgov rules docs -o docs/rules`; it had fallen 34 rules behind."""
    from petgov.policy.packs import builtin_pack_dir
    from petgov.policy.tooling import write_docs

    write_docs(builtin_pack_dir(), tmp_path)
    shipped = Path(__file__).resolve().parents[2] / "docs" / "rules"
    fresh = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert {p.name: p.read_text() for p in shipped.iterdir()} == fresh, (
        "regenerate: petgov rules docs -o docs/rules"
    )


def test_lint_of_a_missing_pack_is_a_usage_error(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """Exit 1 means "the pack has problems"; a pack that is not there is exit 2 like list/pack."""
    res = cli("rules", "lint", str(tmp_path / "nope"))
    assert res.code == 2 and res.stderr.startswith("error: rule pack") and res.stdout == ""
