"""``attest fetch-collateral`` against a local PCS/KDS stand-in serving the real corpus files.

The server answers on Intel PCS v4 and AMD KDS paths with their headers; what it serves is the
go-tdx-guest TCB Info, QE Identity, signing chain and CRLs and virtee's Milan VCEK and AMD chain,
so the fetched folder must give the corpus verdicts when ``attest verify`` reads it offline.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.conftest import CliResult, corpus_path

pytestmark = pytest.mark.corpus
Cli = Callable[..., CliResult]


def routes() -> dict[str, tuple[bytes, dict[str, str]] | None]:
    tdx = corpus_path("attestation", "tdx")
    snp = corpus_path("attestation", "sev-snp")
    chain = (tdx / "gotdx_tcb_signing_chain.pem").read_text()
    return {
        "/tdx/certification/v4/tcb": (
            (tdx / "gotdx_tcbinfo_fmspc50806f000000.json").read_bytes(),
            {"TCB-Info-Issuer-Chain": urllib.parse.quote(chain)},
        ),
        "/tdx/certification/v4/qe/identity": ((tdx / "gotdx_qe_identity.json").read_bytes(), {}),
        "/sgx/certification/v4/pckcrl": ((tdx / "gotdx_pckcrl_platform.der").read_bytes(), {}),
        "/rootcrl.der": ((tdx / "gotdx_rootcrl.der").read_bytes(), {}),
        "/vcek/v1/Milan/cert_chain": ((snp / "amd_ask_ark_milan.pem").read_bytes(), {}),
        "/vcek/v1/Milan/crl": None,  # not in the corpus: the stand-in answers 404
        "/vcek/v1/Milan/": ((snp / "virtee_milan_vcek.der").read_bytes(), {}),
    }


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    table = routes()
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            path = urllib.parse.urlsplit(self.path).path
            match = (
                table[path]
                if path in table
                else next(
                    (v for k, v in table.items() if k.endswith("/") and path.startswith(k)), None
                )
            )
            if match is None:
                self.send_response(404)
                self.end_headers()
                return
            body, headers = match
            self.send_response(200)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_offline_unless_asked(cli: Cli, tmp_path: Path) -> None:
    quote = corpus_path("attestation", "tdx", "gotdx_quote_v4_SPR_E4.dat")
    res = cli("attest", "fetch-collateral", str(quote), "--type", "tdx", "-o", str(tmp_path))
    assert res.code == 2 and "--online" in res.stderr
    assert not list(tmp_path.iterdir())


def test_fetched_tdx_collateral_verifies_offline(
    cli: Cli, tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    base, seen = server
    quote = corpus_path("attestation", "tdx", "gotdx_quote_v4_SPR_E4.dat")
    out = tmp_path / "collateral"
    res = cli(
        "attest",
        "fetch-collateral",
        str(quote),
        "--type",
        "tdx",
        "-o",
        str(out),
        "--online",
        "--pcs-url",
        base,
        "--root-crl-url",
        base + "/rootcrl.der",
    )
    assert res.code == 0, res.stderr
    assert "/tdx/certification/v4/tcb?fmspc=50806f000000" in seen
    assert "/sgx/certification/v4/pckcrl?ca=platform&encoding=der" in seen
    verdict = cli(
        "attest", "verify", str(quote), "--type", "tdx", "--collateral", str(out),
        "--now", "2023-07-01", "-f", "json",
    )  # fmt: skip
    checks = {c["name"]: c["status"] for c in verdict.json()["checks"]}
    assert checks["collateral.tcb_info"] == "pass" and checks["revocation"] == "pass"
    assert checks["collateral.qe_identity"] == "pass"
    assert checks["tcb.level"] == "fail"  # the corpus verdict: no matching TCB level


def test_fetched_vcek_verifies_offline(
    cli: Cli, tmp_path: Path, server: tuple[str, list[str]]
) -> None:
    base, seen = server
    report = corpus_path("attestation", "sev-snp", "virtee_milan_report.hex")
    out = tmp_path / "amd"
    args = ["attest", "fetch-collateral", str(report), "--type", "snp", "-o", str(out)]
    res = cli(*args, "--online", "--kds-url", base)
    assert res.code == 2 and "--product" in res.stderr  # a v2 report does not name its family
    res = cli(*args, "--online", "--kds-url", base, "--product", "milan")
    assert res.code == 2 and "HTTP 404" in res.stderr  # no AMD CRL on the stand-in
    assert not out.exists() or not list(out.iterdir())  # all or nothing: no partial folder
    vcek_path = next(p for p in seen if p.startswith("/vcek/v1/Milan/") and "SPL" in p)
    from petgov.attestation.sevsnp import parse

    chip = parse(bytes.fromhex(report.read_text().strip())).chip_id.hex()
    assert vcek_path.startswith(f"/vcek/v1/Milan/{chip}?")
    assert vcek_path.endswith("?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115")
