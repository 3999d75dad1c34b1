"""The hostile-input catalogue: every case ends in a finding or a one-line exit 2.

Never a traceback, never a hang (each run has a timeout), never a file written outside the
temp dir the test owns.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.targets import hostile

# (generator, expected finding kinds that must all be present, expected exit code)
CASES: dict[str, tuple[Callable[[Path], Path], set[str], int]] = {
    "truncated_zip": (hostile.truncated_zip, {"archive.malformed"}, 1),
    "zip_bomb": (hostile.zip_bomb, {"archive.bomb"}, 1),
    "gzip_bomb": (hostile.gzip_bomb, {"archive.bomb"}, 1),
    "dotdot_member": (hostile.dotdot_member, {"archive.path_traversal"}, 1),
    "absolute_member": (hostile.absolute_member, {"archive.path_traversal"}, 1),
    "symlink_member": (hostile.symlink_member, {"archive.link_member"}, 1),
    "tar_symlink_member": (hostile.tar_symlink_member, {"archive.link_member"}, 1),
    "symlink_loop": (hostile.symlink_loop, {"target.symlink"}, 0),
    "deep_nesting": (hostile.deep_nesting, {"archive.too_deep"}, 1),
    "many_members": (hostile.many_members, {"archive.too_many_members"}, 1),
    "empty_file": (hostile.empty_file, set(), 0),
}


def _snapshot(root: Path) -> set[Path]:
    return set(root.rglob("*")) if root.exists() else set()


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_target(case: str, tmp_path: Path, cli, validate_report) -> None:
    make, kinds, code = CASES[case]
    work = tmp_path / "work"
    work.mkdir()
    target = make(work)
    before = _snapshot(tmp_path)
    res = cli("scan", str(target), "-f", "json", "--fail-on", "high", timeout=60)
    assert "Traceback" not in res.stderr, res.stderr
    assert res.code == code, (res.code, res.stderr)
    doc = res.json()
    validate_report(doc)
    found = {f["kind"] for f in doc["findings"]}
    assert kinds <= found, f"expected {kinds}, got {found}"
    after = _snapshot(tmp_path)
    assert after == before, f"scan wrote files: {sorted(after - before)}"
    assert not Path("/etc/petgov-evil.txt").exists()


def test_empty_file_is_inventoried_as_empty(tmp_path: Path, cli) -> None:
    doc = cli("scan", str(hostile.empty_file(tmp_path)), "-f", "json").json()
    assert [i["format"] for i in doc["items"]] == ["empty"]
    assert doc["items"][0]["sha256"] == (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )


def test_deep_nesting_scans_levels_within_the_limit(tmp_path: Path, cli) -> None:
    doc = cli("scan", str(hostile.deep_nesting(tmp_path, depth=3)), "-f", "json").json()
    inner = [i for i in doc["items"] if i["path"].endswith("!/data.pkl")]
    assert inner and inner[0]["depth"] == 3
    assert any(
        f["path"] == inner[0]["path"] and f["severity"] == "critical" for f in doc["findings"]
    )


def test_many_members_scans_only_up_to_the_limit(tmp_path: Path, cli) -> None:
    doc = cli("scan", str(hostile.many_members(tmp_path)), "-f", "json").json()
    members = [i for i in doc["items"] if "!/" in i["path"]]
    assert len(members) == 10_000
    assert any(c["status"] == "not_scanned" for c in doc["coverage"])


def test_bomb_is_not_decompressed(tmp_path: Path, cli) -> None:
    doc = cli("scan", str(hostile.zip_bomb(tmp_path)), "-f", "json").json()
    assert not any(i["path"].endswith("!/zeros.bin") for i in doc["items"])
    assert any(
        c["path"].endswith("!/zeros.bin") and c["status"] == "not_scanned" for c in doc["coverage"]
    )


def test_fifo_target_does_not_hang(tmp_path: Path, cli) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    res = cli("scan", str(fifo), timeout=30)
    assert res.code == 2 and "not a regular file" in res.stderr


def test_fifo_inside_folder_is_skipped(tmp_path: Path, cli) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "a.txt").write_text("hello\n")
    res = cli("scan", str(tmp_path), "-f", "json", timeout=30)
    assert res.code == 0
    doc = res.json()
    assert [Path(i["path"]).name for i in doc["items"]] == ["a.txt"]
    listed = [c for c in doc["coverage"] if Path(c["path"]).name == "pipe"]
    assert [(c["status"], c["reason"]) for c in listed] == [
        ("not_scanned", "special file (FIFO) is not read")
    ]


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads mode-000 files; see the fake below")
def test_unreadable_file_is_exit_2(tmp_path: Path, cli) -> None:
    path = tmp_path / "secret.pkl"
    path.write_bytes(b"\x80\x04N.")
    path.chmod(0)
    res = cli("scan", str(path))
    assert res.code == 2 and "permission denied" in res.stderr


def test_unreadable_source_becomes_target_error() -> None:
    """The same path as above for root: a Source (real subclass) whose reads are refused."""
    from petgov.errors import TargetError
    from petgov.model import Origin
    from petgov.pipeline import inventory
    from petgov.targets.archive import ArchiveLimits
    from petgov.targets.interface import RawEntry, ResolvedTarget, Source

    class Refused(Source):
        size = 10

        def open(self):  # type: ignore[no-untyped-def]
            raise PermissionError(13, "Permission denied")

    target = ResolvedTarget("x", None, [RawEntry("x.pkl", Refused(), Origin())])
    with pytest.raises(TargetError, match="Permission denied"):
        inventory(target, ArchiveLimits())


def test_debug_shows_traceback_only_when_asked(cli) -> None:
    quiet = cli("scan", "/nope/nope")
    loud = cli("--debug", "scan", "/nope/nope")
    assert "Traceback" not in quiet.stderr
    assert "Traceback" in loud.stderr and loud.code != 0
