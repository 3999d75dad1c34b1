"""Shared rule packs: published to a real OCI registry, pulled by digest, verified, cached, and
used again with the network refused; over HTTPS from a loopback server. Mismatches exit 2."""

from __future__ import annotations

import datetime as dt
import http.server
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from petgov.demo import harmless_payload_pickle
from petgov.policy.oci import Reference, Registry, sha256_digest
from petgov.policy.remote import PACK_LAYER, TITLE, manifest_for
from petgov.policy.tooling import build_tarball
from petgov.provenance.packs import sign_pack
from tests.conftest import CliResult
from tests.policy.oci_registry import LocalRegistry, local_registry
from tests.provenance.helpers import write_keypair

Cli = Callable[..., CliResult]

# The org pack turns the built-in pickle gate into a guideline: whether a scan exits 0 or 1
# shows which pack decided.
RULE = """id: PG-SER-001
title: Reviewed pickles warn in this org
severity: high
mode: guideline
when: finding.kind == "ser.dangerous_global"
docs: {what: a, why: b, fix: c}
"""


@pytest.fixture(autouse=True)
def _online(monkeypatch: pytest.MonkeyPatch) -> None:
    """A named remote pack is consent to fetch it, unless the environment says offline (CI
    exports HF_HUB_OFFLINE=1, which petgov honours for packs too): these tests are online."""
    for name in ("HF_HUB_OFFLINE", "PETGOV_OFFLINE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def no_network_later(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Refuse every connection from when it is called (conftest's no_network, deferred)."""

    def refuse_from_now() -> list[str]:
        attempts: list[str] = []

        def refuse(*args: object, **kwargs: object) -> None:
            attempts.append(repr(args)[:200])
            raise AssertionError(f"network access attempted: {args!r}")

        for owner, name in (
            (socket.socket, "connect"),
            (socket.socket, "connect_ex"),
            (socket, "create_connection"),
            (socket, "getaddrinfo"),
        ):
            monkeypatch.setattr(owner, name, refuse)
        return attempts

    return refuse_from_now


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    with local_registry(tmp_path_factory.mktemp("registry")) as reg:
        yield reg


@dataclass
class Setup:
    root: Path
    pack: Path
    key: Path
    pub: Path
    model: Path
    cfg: Path = field(init=False)

    def policy(self, source: str, sha256: str | None = None, key: Path | None = None) -> Path:
        pin = f', sha256 = "{sha256}"' if sha256 else ""
        self.cfg = self.root / "petgov.toml"
        self.cfg.write_text(
            f'packs = ["builtin", {{ source = "{source}"{pin} }}]\n'
            f'require_signature = true\npack_keys = ["{key or self.pub}"]\n'
        )
        return self.cfg


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    pack = tmp_path / "org-pack"
    (pack / "rules").mkdir(parents=True)
    (pack / "pack.yaml").write_text("name: acme/org\nversion: 1.2.0\n")
    (pack / "rules" / "PG-SER-001.yaml").write_text(RULE)
    key, pub = write_keypair(tmp_path)
    model = tmp_path / "model"
    model.mkdir()
    (model / "optimizer.weights").write_bytes(harmless_payload_pickle())
    return Setup(tmp_path, pack, key, pub, model)


def scan(cli: Cli, s: Setup) -> CliResult:
    return cli("scan", str(s.model), "--scanner", "pickle", "--policy", str(s.cfg), "-f", "json")


def publish(cli: Cli, s: Setup, registry: LocalRegistry, tag: str = "1.2.0") -> str:
    res = cli(
        "rules",
        "publish",
        str(s.pack),
        f"oci://{registry.host}/acme/org:{tag}",
        "--key",
        str(s.key),
    )
    assert res.code == 0, res.stderr
    return res.stdout.strip()


def test_publish_pull_verify_scan_then_offline(
    cli: Cli,
    setup: Setup,
    registry: LocalRegistry,
    monkeypatch: pytest.MonkeyPatch,
    no_network_later: Callable[[], list[str]],
) -> None:
    baseline = cli("scan", str(setup.model), "--scanner", "pickle")
    assert baseline.code == 1  # the built-in pack blocks the pickle
    ref = publish(cli, setup, registry)
    assert ref.startswith(f"oci://{registry.host}/acme/org:1.2.0@sha256:")
    setup.policy(ref)
    first = scan(cli, setup)
    assert first.code == 0, first.stderr
    packs = first.json()["policy"]["packs"]
    assert packs[1]["location"] == ref and packs[1]["signer"].startswith("key sha256:")
    assert [f["mode"] for f in first.json()["findings"]] == ["guideline"]
    served = registry.requests()
    attempts = no_network_later()
    again = scan(cli, setup)
    assert again.code == 0, again.stderr
    assert attempts == [] and registry.requests() == served
    assert again.json()["policy"]["packs"] == packs


def test_rules_list_and_show_read_a_pinned_remote_pack_and_a_whole_policy(
    cli: Cli,
    setup: Setup,
    registry: LocalRegistry,
    no_network_later: Callable[[], list[str]],
) -> None:
    ref = publish(cli, setup, registry, "listed")
    listed = cli("rules", "list", ref)
    assert listed.code == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "PG-SER-001   high     guideline Reviewed pickles warn in this org",
        "1 rules in acme/org 1.2.0",
    ]
    setup.policy(ref)
    attempts = no_network_later()  # cached by the listing: the policy loads offline
    policy = cli("rules", "list", "--policy", str(setup.cfg))
    assert policy.code == 0, policy.stderr
    lines = policy.stdout.splitlines()
    ours = [line for line in lines if line.startswith("PG-SER-001 ")]
    assert ours == ["PG-SER-001   high     guideline Reviewed pickles warn in this org [acme/org]"]
    assert any(line.startswith("PG-SER-002 ") and "[petgov-builtin]" in line for line in lines)
    assert lines[-1].endswith("(petgov-builtin 0.1.0, acme/org 1.2.0)"), lines[-1]
    shown = cli("rules", "show", "PG-SER-001", "--policy", str(setup.cfg))
    assert shown.code == 0 and "mode guideline" in shown.stdout and "pack: acme/org" in shown.stdout
    assert attempts == []


def test_a_tampered_blob_is_refused(cli: Cli, setup: Setup, registry: LocalRegistry) -> None:
    ref = publish(cli, setup, registry, "tamper")
    manifest = json.loads(Registry(Reference.parse(ref)).manifest(ref.rsplit("@", 1)[1]))
    layer = next(lay for lay in manifest["layers"] if lay["mediaType"] == PACK_LAYER)
    blob = registry.blob_file(layer["digest"])
    original = blob.read_bytes()
    blob.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    try:
        setup.policy(ref)
        res = scan(cli, setup)
    finally:
        blob.write_bytes(original)
    assert res.code == 2 and "refused" in res.stderr and layer["digest"] in res.stderr
    assert res.stderr.count("\n") == 1 and "Traceback" not in res.stderr


def test_a_wrong_signature_is_refused(cli: Cli, setup: Setup, registry: LocalRegistry) -> None:
    ref = publish(cli, setup, registry, "wrong-key")
    _, other = write_keypair(setup.root, "other")
    setup.policy(ref, key=other)
    res = scan(cli, setup)
    assert res.code == 2 and "does not verify" in res.stderr


def test_an_unsigned_artifact_is_refused_when_signatures_are_required(
    cli: Cli, setup: Setup, registry: LocalRegistry
) -> None:
    tarball = setup.root / "org.tar.gz"
    build_tarball(setup.pack, tarball)
    reg = Registry(Reference.parse(f"oci://{registry.host}/acme/unsigned:1"), push=True)
    data = tarball.read_bytes()
    config = reg.push_blob(b"{}")
    layer = reg.push_blob(data)
    doc = json.loads(manifest_for((config, 2), (layer, len(data), "org.tar.gz"), ("x", 0)))
    doc["layers"] = doc["layers"][:1]  # no signature layer
    body = json.dumps(doc).encode()
    digest = reg.push_manifest("1", body)
    setup.policy(f"oci://{registry.host}/acme/unsigned:1@{digest}")
    res = scan(cli, setup)
    assert res.code == 2 and "not signed" in res.stderr


def test_a_wrong_or_missing_pin_is_refused(cli: Cli, setup: Setup, registry: LocalRegistry) -> None:
    ref = publish(cli, setup, registry, "pinned")
    setup.policy(ref.rsplit("@", 1)[0])
    res = scan(cli, setup)
    assert res.code == 2 and "pinned by its manifest digest" in res.stderr
    assert ref in res.stderr  # the hint names the digest the tag points at now
    setup.policy(ref.rsplit("@", 1)[0] + "@" + sha256_digest(b"another manifest"))
    res = scan(cli, setup)
    assert res.code == 2 and "404" in res.stderr
    setup.policy(ref, sha256="0" * 64)  # an extra tarball pin must agree too
    res = scan(cli, setup)
    assert res.code == 2 and "not the pinned" in res.stderr


def test_a_damaged_cached_copy_is_fetched_again(
    cli: Cli,
    setup: Setup,
    registry: LocalRegistry,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PETGOV_CACHE_DIR", str(tmp_path / "cache"))
    ref = publish(cli, setup, registry, "refetch")
    setup.policy(ref)
    assert scan(cli, setup).code == 0
    (tarball,) = (tmp_path / "cache" / "packs").rglob("*.tar.gz")
    tarball.write_bytes(b"damaged")
    served = registry.requests()
    assert scan(cli, setup).code == 0
    assert registry.requests() > served


def test_publish_refuses_unsigned_packs_and_tagless_references(
    cli: Cli, setup: Setup, registry: LocalRegistry
) -> None:
    res = cli("rules", "publish", str(setup.pack), f"oci://{registry.host}/acme/org:1")
    assert res.code == 2 and "signed packs only" in res.stderr
    res = cli(
        "rules",
        "publish",
        str(setup.pack),
        f"oci://{registry.host}/acme/org",
        "--key",
        str(setup.key),
    )
    assert res.code == 2 and "publish to a tag" in res.stderr


def test_publish_a_signed_tarball_as_it_is(cli: Cli, setup: Setup, registry: LocalRegistry) -> None:
    tarball = setup.root / "acme-org-1.2.0.tar.gz"
    digest = build_tarball(setup.pack, tarball)
    sign_pack(tarball, setup.key)
    res = cli("rules", "publish", str(tarball), f"oci://{registry.host}/acme/org:tarball")
    assert res.code == 0, res.stderr
    manifest = json.loads(
        Registry(Reference.parse(res.stdout.strip())).manifest(res.stdout.strip().rsplit("@", 1)[1])
    )
    assert manifest["layers"][0]["digest"] == f"sha256:{digest}"
    assert manifest["layers"][0]["annotations"][TITLE] == tarball.name
    setup.policy(res.stdout.strip(), sha256=digest)
    assert scan(cli, setup).code == 0


# -- HTTPS ----------------------------------------------------------------------------------


@dataclass
class HttpsServer:
    url: str
    files: dict[str, bytes]
    hits: list[str]


def _self_signed(folder: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@pytest.fixture
def https_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HttpsServer]:
    cert, key = _self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trusted like a corporate root
    files: dict[str, bytes] = {}
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            body = files.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield HttpsServer(f"https://127.0.0.1:{server.server_address[1]}", files, hits)
    finally:
        server.shutdown()
        server.server_close()


def test_https_pack_pinned_verified_cached_and_offline(
    cli: Cli,
    setup: Setup,
    https_server: HttpsServer,
    no_network_later: Callable[[], list[str]],
) -> None:
    tarball = setup.root / "org-1.2.0.tar.gz"
    digest = build_tarball(setup.pack, tarball)
    sign_pack(tarball, setup.key)
    https_server.files["/packs/org-1.2.0.tar.gz"] = tarball.read_bytes()
    https_server.files["/packs/org-1.2.0.tar.gz.sig"] = (
        setup.root / "org-1.2.0.tar.gz.sig"
    ).read_bytes()
    url = f"{https_server.url}/packs/org-1.2.0.tar.gz"
    setup.policy(url)
    unpinned = scan(cli, setup)
    assert unpinned.code == 2 and "must be pinned by sha256" in unpinned.stderr
    assert https_server.hits == []
    setup.policy(url, sha256=digest)
    first = scan(cli, setup)
    assert first.code == 0, first.stderr
    assert first.json()["policy"]["packs"][1]["signer"].startswith("key sha256:")
    assert sorted(https_server.hits) == ["/packs/org-1.2.0.tar.gz", "/packs/org-1.2.0.tar.gz.sig"]
    attempts = no_network_later()
    assert scan(cli, setup).code == 0 and attempts == []


def test_https_pack_with_other_bytes_or_a_bad_signature_is_refused(
    cli: Cli, setup: Setup, https_server: HttpsServer
) -> None:
    tarball = setup.root / "org.tar.gz"
    digest = build_tarball(setup.pack, tarball)
    sign_pack(tarball, setup.key)
    https_server.files["/org.tar.gz"] = tarball.read_bytes() + b"\0"
    setup.policy(f"{https_server.url}/org.tar.gz", sha256=digest)
    res = scan(cli, setup)
    assert res.code == 2 and "does not match the pinned" in res.stderr
    https_server.files["/org.tar.gz"] = tarball.read_bytes()
    https_server.files["/org.tar.gz.sig"] = b'{"not": "a bundle"}'
    res = scan(cli, setup)
    assert res.code == 2 and "refused" in res.stderr
