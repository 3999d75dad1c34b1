"""Parsers and verifiers fuzzed with a fixed budget: no crash, only clean PetgovErrors.

Inputs are random bytes and random mutations (flips, truncations, splices) of the real corpus
files, so the fuzzer reaches deep into each format instead of failing on the first byte.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from petgov.attestation import cbor, nitro, nvgpu, sevsnp, tdx, tokens
from petgov.attestation.api import verify_evidence
from petgov.errors import PetgovError
from tests.conftest import corpus_path
from tests.fuzzing import budget, mutated

pytestmark = pytest.mark.corpus
BUDGET = budget(150)
NOW = dt.datetime(2024, 9, 17, 20, 48, tzinfo=dt.timezone.utc)

SEEDS = {
    "snp": ("sev-snp/trustee_test-report.bin", False),
    "tdx": ("tdx/trustee_tdx_quote_5.dat", False),
    "nvgpu": ("nvidia/nvtrust_hopper_attestation_report.hex", True),
    "azure-maa": ("azure-maa/maa_sharedeus_sgx_teaclave_2023-09-26.jwt", False),
    "gcp-cs": ("gcp-confidential-space/oak_cs_pki_tdx_2025-09-05.jwt", False),
    "nitro": ("nitro/eternis_libtest_attestation.b64", False),
}


def seed(kind: str) -> bytes:
    path, is_hex = SEEDS[kind]
    data = corpus_path("attestation", path).read_bytes()
    if is_hex:
        return bytes.fromhex(data.decode().strip())
    if kind == "nitro":
        return base64.b64decode(data)
    return data


def clean(fn: object, data: bytes) -> None:
    assert callable(fn)
    with contextlib.suppress(PetgovError):
        fn(data)


@BUDGET
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_any_parser(data: bytes) -> None:
    for parse in (sevsnp.parse, tdx.parse, nvgpu.parse, nitro.parse, tokens.split):
        clean(parse, data)
    with contextlib.suppress(cbor.CborError):
        cbor.loads(data)


@pytest.mark.parametrize("kind", sorted(SEEDS))
def test_mutated_real_evidence_verifies_cleanly(kind: str) -> None:
    base = seed(kind)

    @BUDGET
    @given(mutated(base))
    def run(data: bytes) -> None:
        try:
            result = verify_evidence(data, kind, now=NOW)
        except PetgovError:
            return
        assert result.verdict in {"pass", "fail"}
        assert all(c.status in {"pass", "fail", "skipped"} for c in result.checks)

    run()


@BUDGET
@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(2**64), 2**64 - 1)
        | st.binary(max_size=8)
        | st.text(max_size=8),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.integers(0, 9), inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_cbor_decoder_roundtrips_structure(value: object) -> None:
    """Our decoder reads what a reference encoder (written here, minimal) produces."""
    assert cbor.loads(_encode(value)) == value


def _encode(value: object) -> bytes:
    head = cbor._head_bytes
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        raw = value.encode()
        return head(3, len(raw)) + raw
    if isinstance(value, list):
        return head(4, len(value)) + b"".join(_encode(v) for v in value)
    assert isinstance(value, dict)
    return head(5, len(value)) + b"".join(_encode(k) + _encode(v) for k, v in value.items())


def test_nitro_timestamp_past_year_9999_is_a_format_error() -> None:
    """Regression (found by fuzzing): a forged millisecond timestamp overflowed datetime."""
    doc = cbor.loads(seed("nitro"))
    if isinstance(doc, cbor.Tagged):
        doc = doc.value
    protected, unprotected, payload, signature = doc
    body = cbor.loads(payload)
    body["timestamp"] = 2**62
    forged = _encode([protected, unprotected, _encode(body), signature])
    with pytest.raises(PetgovError, match="timestamp"):
        verify_evidence(forged, "nitro", now=NOW)
