"""s3:// through a real S3 API server on loopback (moto), and https:// files from a loopback
file server: the same verdict as the same files on disk, a small fraction of the bytes, and no
socket at all with --offline."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.targets import fakehub
from tests.targets.test_remote_hub import mixed_repo, weights_repo


@pytest.fixture(autouse=True)
def _online(monkeypatch: pytest.MonkeyPatch) -> None:
    """Naming a remote target is consent, unless the environment says offline (CI exports
    HF_HUB_OFFLINE=1): these tests are about the online path."""
    for name in ("HF_HUB_OFFLINE", "PETGOV_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3() -> Iterator[tuple[str, dict[str, str], Any]]:
    """A moto S3 server on loopback, a fresh bucket, and the environment that reaches it."""
    from moto.server import ThreadedMotoServer

    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "PETGOV_", "HF_"))}
    env.update(
        AWS_ACCESS_KEY_ID="test",
        AWS_SECRET_ACCESS_KEY="test",
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}",
        NO_PROXY="127.0.0.1",
    )
    import s3fs

    fs = s3fs.S3FileSystem(
        key="test",
        secret="test",
        client_kwargs={"endpoint_url": env["AWS_ENDPOINT_URL"]},
        skip_instance_cache=True,
    )
    bucket = f"models-{uuid.uuid4().hex[:12]}"
    fs.mkdir(bucket)
    try:
        yield bucket, env, fs
    finally:
        server.stop()


def upload(fs: Any, bucket: str, prefix: str, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        fs.pipe_file(f"{bucket}/{prefix}/{rel}", data)


def write_local(root: Path, files: dict[str, bytes]) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root


def relative_verdict(report: dict[str, Any], base: str) -> list[tuple[str, str, str]]:
    """Findings with paths relative to the target (the target itself is '.')."""
    out = []
    for f in report["findings"]:
        path = f["path"]
        rel = "." if path.rstrip("/") == base.rstrip("/") else path[len(base) :].lstrip("/")
        out.append((f["rule_id"], rel, f["severity"]))
    return sorted(out)


def test_s3_prefix_verdict_equals_the_same_files_on_disk(
    s3: tuple[str, dict[str, str], Any], tmp_path: Path, cli: Callable[..., Any]
) -> None:
    bucket, env, fs = s3
    files = mixed_repo()
    upload(fs, bucket, "team/model", files)
    target = f"s3://{bucket}/team/model"
    remote = cli("scan", target, "-f", "json", "--no-cache", env=env)
    assert remote.code == 1, remote.stderr
    local_dir = write_local(tmp_path / "model", files)
    local = cli("scan", str(local_dir), "-f", "json", "--no-cache", env=env)
    assert local.code == 1, local.stderr
    assert relative_verdict(remote.json(), target) == relative_verdict(local.json(), str(local_dir))
    doc = remote.json()
    facts = doc["facts"][target]
    assert facts["remote.kind"] == "s3" and facts["remote.files_partial"] == 3
    items = {i["path"]: i for i in doc["items"]}
    pickle = items[f"{target}/training_args.bin"]
    assert pickle["format"] == "pickle" and pickle["origin"]["etag"]  # ETag kept as content key
    import hashlib

    assert pickle["sha256"] == hashlib.sha256(files["training_args.bin"]).hexdigest()


def test_s3_safetensors_prefix_costs_under_one_percent(
    s3: tuple[str, dict[str, str], Any], cli: Callable[..., Any]
) -> None:
    bucket, env, fs = s3
    files = weights_repo()
    upload(fs, bucket, "m", files)
    res = cli("scan", f"s3://{bucket}/m", "-f", "json", env=env)
    assert res.code == 0, res.stderr
    facts = res.json()["facts"][f"s3://{bucket}/m"]
    total = sum(len(v) for v in files.values())
    assert facts["remote.listed_bytes"] == total
    assert facts["remote.bytes_fetched"] < 0.01 * total
    # without a server-reported digest, weights read in part carry none (never a guess)
    shard = next(i for i in res.json()["items"] if i["path"].endswith("00001-of-00002.safetensors"))
    assert shard["sha256"] is None


def test_s3_one_object_and_errors(
    s3: tuple[str, dict[str, str], Any], cli: Callable[..., Any]
) -> None:
    bucket, env, fs = s3
    upload(fs, bucket, "m", {"evil.pkl": mixed_repo()["training_args.bin"]})
    one = cli("scan", f"s3://{bucket}/m/evil.pkl", "-f", "json", env=env)
    assert one.code == 1 and [i["path"] for i in one.json()["items"]] == [
        f"s3://{bucket}/m/evil.pkl"
    ]
    missing = cli("scan", f"s3://{bucket}/nothing-here", env=env)
    assert missing.code == 2 and missing.stderr.count("\n") <= 2
    assert "no object at this key" in missing.stderr


def test_https_file_verdict_equals_local_and_reads_only_the_header(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    files = mixed_repo()
    with fakehub.running() as state:
        state.web = {f"/files/{k}": v for k, v in files.items()}
        env = {**os.environ, "NO_PROXY": "127.0.0.1"}
        for name in ("model.gguf", "training_args.bin", "model-00001-of-00002.safetensors"):
            url = f"{state.web_url}/files/{name}"
            remote = cli("scan", url, "-f", "json", "--no-cache", env=env)
            local_file = write_local(tmp_path / name.replace(".", "_"), {name: files[name]}) / name
            local = cli("scan", str(local_file), "-f", "json", "--no-cache", env=env)
            assert remote.code == local.code, remote.stderr
            assert relative_verdict(remote.json(), url) == relative_verdict(
                local.json(), str(local_file)
            )
            fetched = remote.json()["facts"][url]["remote.bytes_fetched"]
            if name.endswith(".bin"):
                assert fetched == len(files[name])  # a pickle is read whole
            else:
                assert fetched < 0.05 * len(files[name]), name
        assert state.web_counters.bytes_sent < sum(len(v) for v in files.values())


def test_https_without_range_support_downloads_once(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    data = weights_repo()["model-00001-of-00002.safetensors"]
    with fakehub.running() as state:
        state.web = {"/w.safetensors": data}
        state.web_ranges = False
        res = cli("scan", f"{state.web_url}/w.safetensors", "-f", "json")
        assert res.code == 0, res.stderr
        assert state.web_counters.bytes_sent <= len(data) + 65536  # the HEAD probe, then one GET


def test_plain_http_is_for_loopback_only(cli: Callable[..., Any], no_network: list[str]) -> None:
    res = cli("scan", "http://models.example/m.safetensors")
    assert res.code == 2 and "loopback only" in res.stderr
    assert no_network == []


@pytest.mark.parametrize(
    "target", ["s3://bucket/prefix", "gs://bucket/prefix", "https://models.example/m.gguf"]
)
def test_offline_remote_is_one_line_and_opens_no_socket(
    target: str, cli: Callable[..., Any], no_network: list[str]
) -> None:
    res = cli("scan", target, "--offline")
    assert res.code == 2, res.stderr
    assert "--offline forbids it" in res.stderr and res.stderr.count("\n") == 1
    env = {**os.environ, "PETGOV_OFFLINE": "1"}
    res = cli("scan", target, env=env)
    assert res.code == 2 and "PETGOV_OFFLINE forbids it" in res.stderr
    assert no_network == []
