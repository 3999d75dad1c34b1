"""hf:// targets from a real-layout hub cache on disk: pinning, locks, forged blobs, errors."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from petgov.errors import TargetError
from petgov.targets import hf
from tests.targets.hubcache import add_file, fake_commit, repo_dir, tiny_model, write_repo

REPO = "org/tiny"


@pytest.fixture
def hub(tmp_path: Path) -> tuple[Path, str, dict[str, str]]:
    """A cache holding org/tiny at one commit (refs/main -> it), and the env to reach it."""
    cache = tmp_path / "hub"
    commit = write_repo(cache, REPO, tiny_model())
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    env.pop("HF_HOME", None)
    return cache, commit, env


def _rules(report: dict[str, Any], prefix: str = "PG-PROV-0") -> list[tuple[str, str]]:
    return sorted((f["rule_id"], f["path"]) for f in report["findings"] if prefix in f["rule_id"])


def _hub_rules(report: dict[str, Any]) -> list[tuple[str, str]]:
    """Hub findings only (PG-PROV-001 'unsigned' is about signatures, not the hub)."""
    return [r for r in _rules(report) if r[0] >= "PG-PROV-005"]


def test_parse_targets() -> None:
    ref = hf.parse("hf://org/name@" + "a" * 40)
    assert (ref.repo, ref.repo_type, ref.pinned, ref.folder) == (
        "org/name",
        "model",
        True,
        "models--org--name",
    )
    ds = hf.parse("hf://datasets/org/data@v1.0")
    assert (ds.repo, ds.repo_type, ds.revision, ds.pinned) == ("org/data", "dataset", "v1.0", False)
    assert hf.parse("hf://gpt2").revision is None
    assert not hf.parse("hf://org/name@" + "A" * 40).pinned  # hub commits are lower-case hex
    for bad in ("hf://", "hf://org/../x", "hf://a/b/c", "hf://org/name@../../etc", "hf://o/n@"):
        with pytest.raises(TargetError):
            hf.parse(bad)


def test_pinned_scan(
    hub: tuple[Path, str, dict[str, str]],
    cli: Callable[..., Any],
    validate_report: Callable[..., None],
) -> None:
    _cache, commit, env = hub
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", env=env)
    assert res.code == 0, res.stderr
    report = res.json()
    validate_report(report)
    assert _hub_rules(report) == []
    paths = sorted(i["path"] for i in report["items"])
    assert paths == [f"{target}/{p}" for p in sorted(tiny_model())]
    item = next(i for i in report["items"] if i["path"].endswith("model.safetensors"))
    assert item["origin"] == {
        "kind": "hf",
        "source": target,
        "repo": REPO,
        "revision": commit,
        "commit": commit,
        "etag": item["sha256"],  # an LFS blob is named by the sha256 of its content
    }
    facts = report["facts"][target]
    assert facts["hf.commit"] == commit and facts["hf.pinned"] is True
    assert facts["hf.blobs_verified"] == len(tiny_model())
    assert not [c for c in report["coverage"] if c["status"] == "error"]


def test_unpinned_revision_is_a_guideline(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any]
) -> None:
    _, commit, env = hub
    for target in (f"hf://{REPO}", f"hf://{REPO}@main"):
        res = cli("scan", target, "-f", "json", "--scanner", "provenance", env=env)
        assert res.code == 0, res.stderr
        report = res.json()
        assert _hub_rules(report) == [("PG-PROV-005", target)]
        finding = next(f for f in report["findings"] if f["rule_id"] == "PG-PROV-005")
        assert (finding["severity"], finding["action"]) == ("medium", "warn")
        assert finding["evidence"]["commit"] == commit
        assert report["facts"][target]["hf.commit"] == commit


def test_lock_round_trip(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path
) -> None:
    _cache, commit, env = hub
    work = tmp_path / "project"
    work.mkdir()
    res = cli("lock", f"hf://{REPO}@main", cwd=work, env=env)
    assert res.code == 0, res.stderr
    assert "is not a commit" in res.stderr
    lock = json.loads((work / "petgov.lock").read_text())
    assert (lock["repo"], lock["repo_type"], lock["commit"]) == (REPO, "model", commit)
    import hashlib

    assert lock["files"] == {p: hashlib.sha256(d).hexdigest() for p, d in tiny_model().items()}
    assert sorted(p.name for p in work.iterdir()) == ["petgov.lock"]  # no temp file left behind
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", cwd=work, env=env)
    assert res.code == 0, res.stderr
    report = res.json()
    assert _hub_rules(report) == []
    assert report["facts"][target]["hf.lock_verified"] is True
    # --lock names it explicitly, from anywhere
    res = cli("scan", target, "-f", "json", "--lock", str(work / "petgov.lock"), env=env)
    assert res.json()["facts"][target]["hf.lock_verified"] is True


def _locked(hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path) -> Path:
    lock = tmp_path / "petgov.lock"
    assert cli("lock", f"hf://{REPO}@{hub[1]}", "-o", str(lock), env=hub[2]).code == 0
    return lock


def test_forged_lfs_blob_fails_the_gate(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path
) -> None:
    cache, commit, env = hub
    lock = _locked(hub, cli, tmp_path)
    blob = (repo_dir(cache, REPO) / "snapshots" / commit / "model.safetensors").resolve()
    blob.write_bytes(b"\x80\x04cos\nsystem\n.")  # same trusted name, other bytes
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", "--lock", str(lock), env=env)
    assert res.code == 1
    report = res.json()
    shown = f"{target}/model.safetensors"
    assert _hub_rules(report) == [("PG-PROV-006", shown), ("PG-PROV-006", shown)]
    checks = sorted(
        f["evidence"]["check"] for f in report["findings"] if f["rule_id"] == "PG-PROV-006"
    )
    assert checks == ["blob", "lock"]
    assert {f["action"] for f in report["findings"] if f["rule_id"] == "PG-PROV-006"} == {"block"}
    assert report["facts"][target]["hf.lock_verified"] is False
    # without a lock the blob name alone still catches it
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", env=env, cwd=cache)
    assert res.code == 1 and _hub_rules(res.json()) == [("PG-PROV-006", shown)]
    # and petgov lock refuses to pin a forged cache
    res = cli("lock", target, "-o", str(tmp_path / "again.lock"), env=env)
    assert res.code == 2 and "do not match their blob names" in res.stderr
    assert not (tmp_path / "again.lock").exists()


def test_consistent_forgery_is_caught_by_the_lock(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path
) -> None:
    """A forger who also renames the blob and relinks it passes the name check, not the lock."""
    cache, commit, env = hub
    lock = _locked(hub, cli, tmp_path)
    link = repo_dir(cache, REPO) / "snapshots" / commit / "config.json"
    link.unlink()
    add_file(cache, REPO, commit, "config.json", b'{"model_type": "bert", "auto_map": {}}\n')
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", env=env)
    assert res.code == 0 and _hub_rules(res.json()) == []
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", "--lock", str(lock), env=env)
    assert res.code == 1
    assert _hub_rules(res.json()) == [("PG-PROV-006", f"{target}/config.json")]


def test_lock_extra_missing_and_moved(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path
) -> None:
    cache, commit, env = hub
    lock = _locked(hub, cli, tmp_path)
    snap = repo_dir(cache, REPO) / "snapshots" / commit
    add_file(cache, REPO, commit, "extra.pkl", b"\x80\x04N.")
    (snap / "tokenizer" / "vocab.txt").unlink()
    target = f"hf://{REPO}@{commit}"
    args = ("-f", "json", "--scanner", "provenance", "--lock", str(lock))
    res = cli("scan", target, *args, env=env)
    assert res.code == 1
    assert _hub_rules(res.json()) == [
        ("PG-PROV-007", f"{target}/extra.pkl"),
        ("PG-PROV-008", f"{target}/tokenizer/vocab.txt"),
    ]
    # main moves to a new commit: the lock pins the old one
    new = write_repo(cache, REPO, {"config.json": b"{}"}, commit=fake_commit("v2"))
    res = cli("scan", f"hf://{REPO}", *args, env=env)
    assert res.code == 1
    assert _hub_rules(res.json()) == [
        ("PG-PROV-005", f"hf://{REPO}"),
        ("PG-PROV-009", f"hf://{REPO}"),
    ]
    assert res.json()["facts"][f"hf://{REPO}"]["hf.commit"] == new


def test_link_out_of_the_blob_store(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path
) -> None:
    cache, commit, env = hub
    secret = tmp_path / "elsewhere.txt"
    secret.write_text("not from the hub")
    (repo_dir(cache, REPO) / "snapshots" / commit / "planted.txt").symlink_to(secret)
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", env=env)
    assert res.code == 1
    assert _hub_rules(res.json()) == [("PG-PROV-006", f"{target}/planted.txt")]
    assert f"{target}/planted.txt" not in {i["path"] for i in res.json()["items"]}


@pytest.mark.parametrize(
    ("target", "says"),
    [
        ("hf://org/tiny@" + "0" * 40, "not in the local Hugging Face cache"),
        ("hf://org/tiny@no-such-branch", "not in the local Hugging Face cache"),
        ("hf://org/unknown", "not in the local Hugging Face cache"),
        ("hf://org/../etc", "not a Hugging Face repo id"),
    ],
)
def test_missing_revision_is_one_line_exit_2(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], target: str, says: str
) -> None:
    res = cli("scan", target, env=hub[2])
    assert res.code == 2
    assert says in res.stderr and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_bad_lock_file_is_exit_2(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any], tmp_path: Path
) -> None:
    bad = tmp_path / "petgov.lock"
    bad.write_text('{"version": 1, "repo": "org/tiny"}')
    res = cli("scan", f"hf://{REPO}@{hub[1]}", "--lock", str(bad), env=hub[2])
    assert res.code == 2 and "a lock needs" in res.stderr
    res = cli("lock", str(tmp_path), "-o", str(tmp_path / "x.lock"), env=hub[2])
    assert res.code == 2 and "pins Hugging Face revisions" in res.stderr


def test_bom_of_a_hub_target(
    hub: tuple[Path, str, dict[str, str]], cli: Callable[..., Any]
) -> None:
    _, commit, env = hub
    res = cli("bom", f"hf://{REPO}@main", env=env)
    assert res.code == 0, res.stderr
    component = res.json()["metadata"]["component"]
    assert component["purl"] == f"pkg:huggingface/{REPO}@{commit}"
    assert component["version"] == commit


def test_resolves_with_sockets_disabled(
    hub: tuple[Path, str, dict[str, str]], monkeypatch: pytest.MonkeyPatch, no_network: list[str]
) -> None:
    """Cache first: a cached revision never opens a connection, even with HF_HUB_OFFLINE unset."""
    cache, commit, _ = hub
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    from petgov.pipeline import ScanOptions, scan

    report = scan([f"hf://{REPO}@main"], ScanOptions(scanners=["provenance"]))
    assert {i.origin.commit for i in report.items} == {commit}
    assert [d.rule_id for d in report.decisions if d.rule_id >= "PG-PROV-005"] == ["PG-PROV-005"]
    assert no_network == []


def test_blob_is_hashed_once_per_run(
    hub: tuple[Path, str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inventory digest and the hub check share one read of each blob."""
    from petgov.inventory import hashing

    calls: list[object] = []
    real = hashing._sha256

    def counting(source: Any) -> str:
        calls.append(source)
        return real(source)

    monkeypatch.setattr(hashing, "_sha256", counting)
    cache, commit, _env = hub
    monkeypatch.setenv("HF_HUB_CACHE", str(cache))
    from petgov.pipeline import ScanOptions, scan

    scan([f"hf://{REPO}@{commit}"], ScanOptions(scanners=["provenance"]))
    assert len(calls) == len(tiny_model())


def test_signed_repo_verifies_through_the_cache_links(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """model.sig in a hub repo is checked at snapshot paths and reported at hf:// paths."""
    from petgov.provenance.modelsig import sign_model
    from tests.provenance.helpers import write_keypair, write_model

    priv, pub = write_keypair(tmp_path)
    model = write_model(tmp_path / "model")
    sign_model(model, model / "model.sig", key=priv)
    cache = tmp_path / "hub"
    files = {p.relative_to(model).as_posix(): p.read_bytes() for p in model.iterdir()}
    commit = write_repo(cache, "org/signed", files)
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    target = f"hf://org/signed@{commit}"
    args = ("-f", "json", "--scanner", "provenance", "--verify-key", str(pub))
    res = cli("scan", target, *args, env=env)
    assert res.code == 0, res.stderr
    report = res.json()
    assert _rules(report) == []
    assert report["facts"][target]["provenance.verified"] is True
    assert report["facts"][f"{target}/weights.bin"]["provenance.method"] == "key"
    weights = (repo_dir(cache, "org/signed") / "snapshots" / commit / "weights.bin").resolve()
    weights.write_bytes(b"tampered")
    res = cli("scan", target, *args, env=env)
    assert res.code == 1
    assert _rules(res.json()) == [
        ("PG-PROV-002", f"{target}/model.sig"),
        ("PG-PROV-006", f"{target}/weights.bin"),
    ]


def test_help_and_local_scans_do_not_import_huggingface_hub(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "x.json").write_text("{}")
    script = (
        "import sys\n"
        "from petgov.cli.main import build_app\n"
        "build_app()\n"
        "from petgov.pipeline import ScanOptions, scan\n"
        "scan([sys.argv[1]], ScanOptions(scanners=['provenance']))\n"
        "assert 'huggingface_hub' not in sys.modules\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr


def test_dataset_repo_at_a_tag(tmp_path: Path, cli: Callable[..., Any]) -> None:
    cache = tmp_path / "hub"
    data = {"train.csv": b"id,text\n1,hello\n"}
    commit = write_repo(cache, "org/data", data, refs=("main", "v1.0"), repo_type="dataset")
    assert (cache / "datasets--org--data" / "refs" / "v1.0").read_text() == commit
    env = {**os.environ, "HF_HUB_CACHE": str(cache), "HF_HUB_OFFLINE": "1"}
    target = "hf://datasets/org/data@v1.0"
    res = cli("scan", target, "-f", "json", "--scanner", "provenance", env=env)
    assert res.code == 0, res.stderr
    report = res.json()
    assert _hub_rules(report) == [("PG-PROV-005", target)]
    assert report["facts"][target]["hf.repo_type"] == "dataset"
    assert [i["path"] for i in report["items"]] == [f"{target}/train.csv"]


def test_stray_lock_does_not_break_local_scans(tmp_path: Path, cli: Callable[..., Any]) -> None:
    (tmp_path / "petgov.lock").write_text("not json")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text("{}")
    assert cli("scan", "m", "--scanner", "provenance", cwd=tmp_path).code == 0
    res = cli("scan", "m", "--lock", "petgov.lock", cwd=tmp_path)
    assert res.code == 2 and "not a readable JSON lock file" in res.stderr
