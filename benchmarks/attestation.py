"""Verification time per evidence type, against the bare signature-verification floor.

petgov = the whole `verify_evidence` call (read, parse, every signature and chain link, claims,
appraisal). Floor = only the public-key operations that type needs, on pre-parsed objects, with
`cryptography` directly (what a minimal script like research/attestation.md §4 does). The ratio
is petgov's overhead for parsing, checks and appraisal. No Go tools are used (none are allowed
here); numbers are medians on a shared 2-core machine, so expect noise.
"""

from __future__ import annotations

import base64
import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from petgov.attestation import cbor, nitro, pki, tdx, tokens
from petgov.attestation.api import verify_evidence
from petgov.util.clock import parse_instant

ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "attestation"
RUNS = 30


def median_ms(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def links(certs: list) -> Callable[[], None]:  # type: ignore[type-arg]
    pairs = [*list(itertools.pairwise(certs)), (certs[-1], certs[-1])]

    def run() -> None:
        for child, parent in pairs:
            assert pki.signed_by(child, parent)

    return run


def main() -> None:
    if not ROOT.exists():
        sys.exit(f"corpus not found at {ROOT}")
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    rows = []
    # SEV-SNP: report ECDSA P-384 + VCEK<-ASK<-ARK (RSA-PSS)
    s = ROOT / "sev-snp"
    report = bytes.fromhex((s / "virtee_milan_report.hex").read_text().strip())
    vcek = pki.load_certificates((s / "virtee_milan_vcek.der").read_bytes())[0]
    chain = [vcek, *pki.pinned_bundle("amd-ark-milan")]
    r = int.from_bytes(report[0x2A0:0x2E8], "little")
    s_ = int.from_bytes(report[0x2E8:0x330], "little")
    sig = encode_dss_signature(r, s_)
    chain_fn = links(chain)

    def snp_floor() -> None:
        vcek.public_key().verify(sig, report[:0x2A0], ec.ECDSA(hashes.SHA384()))
        chain_fn()

    now = parse_instant("2024-01-01")
    rows.append(
        (
            "snp",
            lambda: verify_evidence(
                s / "virtee_milan_report.hex", "snp", certs=[s / "virtee_milan_vcek.der"], now=now
            ),
            snp_floor,
        )
    )

    # TDX: quote + QE report ECDSA P-256, PCK chain
    t = ROOT / "tdx"
    raw = (t / "trustee_tdx_quote_5.dat").read_bytes()
    quote = tdx.parse(raw)
    pck = pki.load_certificates(quote.pck_chain_pem)
    pck_fn = links(pck)

    def tdx_floor() -> None:
        assert tdx._p256_verify(quote.attestation_key, quote.signature, quote.signed)
        assert tdx._cert_verify(pck[0], quote.qe_report_signature, quote.qe_report.raw)
        pck_fn()

    t_now = parse_instant("2025-06-01")
    rows.append(
        ("tdx", lambda: verify_evidence(t / "trustee_tdx_quote_5.dat", "tdx", now=t_now), tdx_floor)
    )
    c_now = parse_instant("2023-07-01")
    rows.append(
        (
            "tdx+collateral",
            lambda: verify_evidence(
                t / "gotdx_quote_v4_SPR_E4.dat", "tdx", now=c_now, collateral=t
            ),
            tdx_floor,
        )
    )

    # NVIDIA: SPDM ECDSA P-384 + 5 links
    n = ROOT / "nvidia"
    nv = bytes.fromhex((n / "nvtrust_hopper_attestation_report.hex").read_text().strip())
    gpu_chain = pki.load_certificates((n / "nvtrust_hopper_cert_chain.pem").read_bytes())
    nv_sig = encode_dss_signature(
        int.from_bytes(nv[-96:-48], "big"), int.from_bytes(nv[-48:], "big")
    )
    gpu_fn = links(gpu_chain)

    def nv_floor() -> None:
        gpu_chain[0].public_key().verify(nv_sig, nv[:-96], ec.ECDSA(hashes.SHA384()))
        gpu_fn()

    rows.append(
        (
            "nvgpu",
            lambda: verify_evidence(
                n / "nvtrust_hopper_attestation_report.hex",
                "nvgpu",
                certs=[n / "nvtrust_hopper_cert_chain.pem"],
                now=now,
            ),
            nv_floor,
        )
    )

    # Azure MAA: RS256 with the pinned JWKS key
    a = ROOT / "azure-maa"
    tok = (a / "maa_sharedeus_sgx_teaclave_2023-09-26.jwt").read_bytes().strip()
    jwks = (a / "maa_sharedeus_certs_teaclave_2023-09.jwks.json").read_bytes()
    _, _, signing_input, tsig = tokens.split(tok)
    key = tokens.jwks_keys((jwks,))["rFl9xM+g7TvX63y0iseZtIn20MD5SYAnGblKFasau8I="]

    def maa_floor() -> None:
        key.verify(tsig, signing_input, padding.PKCS1v15(), hashes.SHA256())

    m_now = parse_instant("2023-09-26T18:00:00Z")
    rows.append(
        (
            "azure-maa",
            lambda: verify_evidence(
                a / "maa_sharedeus_sgx_teaclave_2023-09-26.jwt",
                "azure-maa",
                certs=[a / "maa_sharedeus_certs_teaclave_2023-09.jwks.json"],
                now=m_now,
            ),
            maa_floor,
        )
    )

    # Confidential Space PKI token: RS256 + x5c chain
    g = ROOT / "gcp-confidential-space" / "oak_cs_pki_tdx_2025-09-05.jwt"
    header, _, g_input, g_sig = tokens.split(g.read_bytes())
    x5c = [pki.load_certificates(base64.b64decode(c))[0] for c in header["x5c"]]
    x5c_fn = links(x5c)

    def gcp_floor() -> None:
        x5c[0].public_key().verify(g_sig, g_input, padding.PKCS1v15(), hashes.SHA256())  # type: ignore[union-attr,call-arg]
        x5c_fn()

    g_now = parse_instant("2025-09-05T08:30:00Z")
    rows.append(("gcp-cs", lambda: verify_evidence(g, "gcp-cs", now=g_now), gcp_floor))

    # Nitro: COSE ES384 + 4 links
    x = ROOT / "nitro" / "eternis_libtest_attestation.b64"
    protected, body, payload, nsig = nitro.parse(x.read_bytes())
    leaf = pki.load_certificates(body["certificate"])[0]
    bundle = [pki.load_certificates(b)[0] for b in body["cabundle"]]
    n_fn = links([leaf, *reversed(bundle)])
    n_der = encode_dss_signature(int.from_bytes(nsig[:48], "big"), int.from_bytes(nsig[48:], "big"))

    def nitro_floor() -> None:
        leaf.public_key().verify(
            n_der,
            cbor.dumps_sig_structure(protected, payload),  # type: ignore[call-arg]
            ec.ECDSA(hashes.SHA384()),
        )
        n_fn()

    x_now = parse_instant("2024-09-17T20:48:11Z")
    rows.append(("nitro", lambda: verify_evidence(x, "nitro", now=x_now), nitro_floor))

    print(f"{'type':<16}{'petgov ms':>11}{'floor ms':>10}{'ratio':>8}")
    for name, full, floor in rows:
        p, f = median_ms(full), median_ms(floor)
        print(f"{name:<16}{p:>11.2f}{f:>10.2f}{p / f:>8.1f}x")


if __name__ == "__main__":
    main()
