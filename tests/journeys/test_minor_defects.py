"""Minor defects from the newcomer review, each with its repro as a test (D-m17, D-m19, D-m21)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def test_D_m17_shadow_strict_without_a_sanctioned_list_is_exit_2(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    repo = tmp_path / "code"
    repo.mkdir()
    (repo / "app.py").write_text(
        "from transformers import AutoModel\nm = AutoModel.from_pretrained('org/model')\n"
    )
    res = cli("shadow", str(repo), "--strict", cwd=tmp_path)
    assert res.code == 2, (res.stdout, res.stderr)
    assert "no sanctioned list" in res.stderr and "Traceback" not in res.stderr
    assert cli("shadow", str(repo), cwd=tmp_path).code == 0  # listing alone still works
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli("shadow", str(empty), "--strict", cwd=tmp_path).code == 0  # nothing to judge


def test_D_m21_stdin_target_says_it_is_not_supported(cli: Callable[..., Any]) -> None:
    res = cli("scan", "-")
    assert res.code == 2
    assert "stdin is not supported" in res.stderr and "save it to a file" in res.stderr


def test_D_m19_docs_do_not_point_at_closing_notes() -> None:
    for doc in [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]:
        assert "closing note" not in doc.read_text(encoding="utf-8"), doc.name


def test_D_m18_db_info_prints_where_the_store_is(tmp_path: Path, cli: Callable[..., Any]) -> None:
    from tests.beyond.osvfixture import build_zip

    db = tmp_path / "db" / "osv.sqlite"
    assert cli("db", "import", str(build_zip(tmp_path / "osv.zip")), "--db", str(db)).code == 0
    lines = cli("db", "info", "--db", str(db)).stdout.splitlines()
    assert lines[0] == f"path: {db}"


def test_D_m2_command_list_shows_whole_summaries(cli: Callable[..., Any]) -> None:
    out = cli("--help").stdout
    assert "when..." not in out and "and..." not in out
    assert "exit 1 when a" in out and "gate fails." in out
