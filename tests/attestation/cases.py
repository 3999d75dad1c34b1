"""The corpus verdict table: every file in ../shared/corpus/attestation with its SOURCES.md
verdict, at the clock and with the chain SOURCES.md states, plus the checks that must fail."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Case:
    id: str
    type: str
    evidence: str
    now: str
    certs: tuple[str, ...] = ()
    collateral: str | None = None
    nonce: str | None = None
    reference: dict[str, Any] | None = None
    verdict: str = "pass"
    fails: frozenset[str] = field(default_factory=frozenset)


S, T, N, A, G, X = "sev-snp/", "tdx/", "nvidia/", "azure-maa/", "gcp-confidential-space/", "nitro/"
MAA_WUS_JWKS = A + "maa_sharedwus_certs_2022-10-07.jwks.json"
MAA_EUS_JWKS = A + "maa_sharedeus_certs_teaclave_2023-09.jwks.json"
NV_NONCE = "931d8dd0add203ac3d8b4fbde75e115278eefcdceac5b87671a748f32364dfcb"

CASES: list[Case] = [
    # SEV-SNP
    Case(
        "snp-gosevguest-debug",
        "snp",
        S + "gosevguest_milan_attestation.bin",
        "2022-09-24T01:00:00Z",
        (S + "gosevguest_milan_vcek.der",),
        verdict="fail",
        fails=frozenset({"debug"}),
    ),
    Case(
        "snp-gosevguest-debug-allowed",
        "snp",
        S + "gosevguest_milan_attestation.bin",
        "2022-09-24T01:00:00Z",
        (S + "gosevguest_milan_vcek.der",),
        nonce="0102030405" + "00" * 27,  # 32 bytes: report data is this, then 32 zero bytes
        reference={"debug": "allow"},
    ),
    Case(
        "snp-virtee",
        "snp",
        S + "virtee_milan_report.hex",
        "2024-01-01T00:00:00Z",
        (S + "virtee_milan_vcek.der", S + "amd_ask_ark_milan.pem"),
    ),
    Case(
        "snp-trustee-vcek",
        "snp",
        S + "trustee_test-report.bin",
        "2024-01-01T00:00:00Z",
        (S + "trustee_test-vcek.der",),
    ),
    Case(
        "snp-trustee-wrong-product",
        "snp",
        S + "trustee_test-report.bin",
        "2024-01-01T00:00:00Z",
        (S + "trustee_test-vcek.der", S + "amd_ask_ark_genoa.pem"),
        verdict="fail",
        fails=frozenset({"chain"}),
    ),
    Case(
        "snp-trustee-vlek-v3",
        "snp",
        S + "trustee_test-vlek-report.bin",
        "2025-06-01T00:00:00Z",
        (S + "trustee_test-vlek.der", S + "amd_ask_ark_milan_vlek.pem"),
    ),
    Case(
        "snp-invalid-vcek-legacy",
        "snp",
        S + "trustee_test-report.bin",
        "2024-01-01T00:00:00Z",
        (S + "trustee_test-vcek-invalid-legacy.der",),
        verdict="fail",
        fails=frozenset({"signature", "chain", "vcek.chip_id", "vcek.tcb"}),
    ),
    Case(
        "snp-invalid-vcek-new",
        "snp",
        S + "trustee_test-report.bin",
        "2024-01-01T00:00:00Z",
        (S + "trustee_test-vcek-invalid-new.der",),
        verdict="fail",
        fails=frozenset({"signature", "chain", "vcek.chip_id", "vcek.tcb"}),
    ),
    # TDX
    Case(
        "tdx-v4-no-tcb-level",
        "tdx",
        T + "gotdx_quote_v4_SPR_E4.dat",
        "2023-07-01T00:00:00Z",
        collateral=T,
        verdict="fail",
        fails=frozenset({"tcb.level"}),
    ),
    Case(
        "tdx-v4-2053-expired",
        "tdx",
        T + "gotdx_quote_v4_SPR_E4.dat",
        "2053-01-01T00:00:00Z",
        collateral=T,
        verdict="fail",
        fails=frozenset(
            {"chain", "collateral.tcb_info", "tcb.level", "collateral.qe_identity", "revocation"}
        ),
    ),
    Case("tdx-v5-sample", "tdx", T + "gotdx_quote_v5_sample.dat", "2026-02-03T00:00:00Z"),
    Case("tdx-cos113", "tdx", T + "gotdx_cos113_quote_v4.dat", "2025-01-01T00:00:00Z"),
    Case(
        "tdx-trustee-debug",
        "tdx",
        T + "trustee_tdx_quote_4_debug.dat",
        "2024-06-01T00:00:00Z",
        verdict="fail",
        fails=frozenset({"debug"}),
    ),
    Case("tdx-trustee-v5", "tdx", T + "trustee_tdx_quote_5.dat", "2025-06-01T00:00:00Z"),
    # NVIDIA
    Case(
        "nvgpu-hopper",
        "nvgpu",
        N + "nvtrust_hopper_attestation_report.hex",
        "2024-06-01T00:00:00Z",
        (N + "nvtrust_hopper_cert_chain.pem",),
        nonce=NV_NONCE,
    ),
    Case(
        "nvgpu-stale-nonce",
        "nvgpu",
        N + "nvtrust_hopper_attestation_report.hex",
        "2024-06-01T00:00:00Z",
        (N + "nvtrust_hopper_cert_chain.pem",),
        nonce="ab" * 32,
        verdict="fail",
        fails=frozenset({"nonce"}),
    ),
    # Azure MAA
    Case(
        "maa-snp-valid",
        "azure-maa",
        A + "maa_sharedwus_sevsnp_cvm_2022-09-07.jwt",
        "2022-09-08T00:00:00Z",
        (MAA_WUS_JWKS,),
    ),
    Case(
        "maa-snp-expired",
        "azure-maa",
        A + "maa_sharedwus_sevsnp_cvm_2022-09-07.jwt",
        "2026-01-01T00:00:00Z",
        (MAA_WUS_JWKS,),
        verdict="fail",
        fails=frozenset({"token.validity"}),
    ),
    Case(
        "maa-snp-no-jwks",
        "azure-maa",
        A + "maa_sharedwus_sevsnp_cvm_2022-09-07.jwt",
        "2022-09-08T00:00:00Z",
        verdict="fail",
        fails=frozenset({"signature"}),
    ),
    Case(
        "maa-sgx-valid",
        "azure-maa",
        A + "maa_sharedeus_sgx_teaclave_2023-09-26.jwt",
        "2023-09-26T18:00:00Z",
        (MAA_EUS_JWKS,),
    ),
    Case(
        "maa-sgx-expired",
        "azure-maa",
        A + "maa_sharedeus_sgx_teaclave_2023-09-26.jwt",
        "2026-01-01T00:00:00Z",
        (MAA_EUS_JWKS,),
        verdict="fail",
        fails=frozenset({"token.validity"}),
    ),
    Case(
        "maa-sgx-wrong-jwks",
        "azure-maa",
        A + "maa_sharedeus_sgx_teaclave_2023-09-26.jwt",
        "2023-09-26T18:00:00Z",
        (MAA_WUS_JWKS,),
        verdict="fail",
        fails=frozenset({"signature"}),
    ),
    # Google Confidential Space
    Case(
        "gcp-pki-tdx",
        "gcp-cs",
        G + "oak_cs_pki_tdx_2025-09-05.jwt",
        "2025-09-05T08:30:00Z",
        nonce="75a91c8dbe289f190d5e70ab1cb70c93cc14d7243f0ef3ff5326a622ead220a6",
    ),
    Case(
        "gcp-pki-tdx-expired",
        "gcp-cs",
        G + "oak_cs_pki_tdx_2025-09-05.jwt",
        "2026-01-01T00:00:00Z",
        verdict="fail",
        fails=frozenset({"token.validity", "chain"}),
    ),
    Case(
        "gcp-pki-sev-debug",
        "gcp-cs",
        G + "oak_cs_pki_sev_debug_2025-06-23.jwt",
        "2025-06-23T14:30:00Z",
        verdict="fail",
        fails=frozenset({"debug"}),
    ),
    Case(
        "gcp-oidc-unverifiable",
        "gcp-cs",
        G + "flare_cs_oidc_tdx_debug_2025-02-10.jwt",
        "2025-02-10T10:30:00Z",
        verdict="fail",
        fails=frozenset({"signature", "debug"}),
    ),
    # AWS Nitro
    Case(
        "nitro-example-debug",
        "nitro",
        X + "eternis_example_attestation.b64",
        "2024-09-09T20:00:00Z",
        verdict="fail",
        fails=frozenset({"debug"}),
    ),
    Case(
        "nitro-example-allowed",
        "nitro",
        X + "eternis_example_attestation.b64",
        "2024-09-09T20:00:00Z",
        nonce="00" * 19 + "01",
        reference={"debug": "allow"},
    ),
    Case(
        "nitro-example-pcr0-pinned",
        "nitro",
        X + "eternis_example_attestation.b64",
        "2024-09-09T20:00:00Z",
        reference={"debug": "allow", "measurements": {"pcr0": ["ab" * 48]}},
        verdict="fail",
        fails=frozenset({"measurements"}),
    ),
    Case(
        "nitro-example-expired",
        "nitro",
        X + "eternis_example_attestation.b64",
        "2026-01-01T00:00:00Z",
        reference={"debug": "allow"},
        verdict="fail",
        fails=frozenset({"chain"}),
    ),
    Case(
        "nitro-libtest",
        "nitro",
        X + "eternis_libtest_attestation.b64",
        "2024-09-17T20:48:11Z",
        reference={
            "debug": "allow",
            "measurements": {
                "pcr3": [
                    "671ca1e328f75015b2aeee60639cc5252bc835d8bb690444d1f8e2bf4260f73d"
                    "c1b71e07a14a770c7d0becac6eb3b53f"
                ]
            },
        },
    ),
    Case(
        "nitro-invalid-signature",
        "nitro",
        X + "eternis_invalid_attestation.b64",
        "2024-07-23T21:30:00Z",
        reference={"debug": "allow"},
        verdict="fail",
        fails=frozenset({"signature"}),
    ),
]
