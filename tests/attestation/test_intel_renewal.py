"""Intel renewed its TCB Signing certificate with the same key: current collateral verifies with
that key, and petgov refuses it while only the expired certificate is at hand (vectors/SOURCES.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography.x509 import Certificate

from petgov.attestation import pki
from petgov.attestation.interface import CheckList
from petgov.attestation.tdx import signed_by_tcb_signing_cert
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus
CURRENT = (
    Path(__file__).parent / "vectors" / "tdx" / "trustee_tcbinfo_fmspc00a06d080000_2025-10-27.json"
)
NOV = dt.datetime(2025, 11, 1, tzinfo=dt.timezone.utc)


def old_chain() -> list[Certificate]:
    return list(
        pki.load_certificates(
            corpus_path("attestation", "tdx", "gotdx_tcb_signing_chain.pem").read_bytes()
        )
    )


def test_current_tcb_info_is_signed_with_the_old_certificates_key() -> None:
    certs = old_chain()
    signing = certs[0]
    assert signing.not_valid_after_utc < NOV  # expired 2025-05-21
    checks = CheckList()
    before_expiry = dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)  # key check, clock inside
    assert signed_by_tcb_signing_cert(
        CURRENT.read_bytes(),
        "tcbInfo",
        certs,
        before_expiry,
        checks,
        "collateral.tcb_info",
    )
    assert not checks.items


def test_expired_signing_certificate_is_refused_by_name() -> None:
    checks = CheckList()
    ok = signed_by_tcb_signing_cert(
        CURRENT.read_bytes(),
        "tcbInfo",
        old_chain(),
        NOV,
        checks,
        "collateral.tcb_info",
    )
    assert not ok
    (check,) = checks.items
    assert (
        check.status == "fail" and "Intel SGX TCB Signing not valid at 2025-11-01" in check.detail
    )


def test_tampered_current_tcb_info_fails_its_signature() -> None:
    raw = CURRENT.read_bytes().replace(
        b'"tcbEvaluationDataNumber":17', b'"tcbEvaluationDataNumber":18'
    )
    checks = CheckList()
    early = dt.datetime(2025, 5, 1, tzinfo=dt.timezone.utc)
    assert not signed_by_tcb_signing_cert(raw, "tcbInfo", old_chain(), early, checks, "x")
    assert "signature does not verify" in checks.items[0].detail
