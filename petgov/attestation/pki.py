"""Certificates, pinned roots and chains: the trust half every verifier shares.

Roots ship as package data under ``petgov/data/attestation`` and are pinned by SHA-256
fingerprint here, so a swapped data file is refused rather than trusted.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from collections.abc import Sequence
from importlib import resources
from typing import TYPE_CHECKING

from petgov.attestation.interface import CertificateInputError, CheckList

if TYPE_CHECKING:
    from cryptography.x509 import Certificate, Name

# file name -> SHA-256 fingerprint of its self-signed root (the last certificate in the file)
PINNED_ROOTS: dict[str, str] = {
    "amd-ark-milan": "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
    "amd-ark-genoa": "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
    "amd-ark-turin": "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a",
    "intel-sgx-root": "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3",
    "nvidia-device-identity": "102bf659d5419614c9d8e6aecebc80454eb26b1df6a769ac720b9a690b167b48",
    "aws-nitro-root-g1": "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b",
    "gcp-confidential-space-root": (
        "148b293821bb0c6a317f413c8ba475814091cb22d49b9e3c94198db8e8f86c39"
    ),
}
ROOT_FILES: dict[str, str] = {
    "amd-ark-milan": "amd_ask_ark_milan.pem",
    "amd-ark-genoa": "amd_ask_ark_genoa.pem",
    "amd-ark-turin": "amd_ask_ark_turin.pem",
    "intel-sgx-root": "intel_sgx_root_ca.pem",
    "nvidia-device-identity": "nvidia_device_identity_root.pem",
    "aws-nitro-root-g1": "aws_nitro_root_g1.pem",
    "gcp-confidential-space-root": "google_confidential_space_root_ca.pem",
}


def fingerprint(cert: Certificate) -> str:
    from cryptography.hazmat.primitives import hashes

    return cert.fingerprint(hashes.SHA256()).hex()


def load_certificates(data: bytes, what: str = "certificate") -> list[Certificate]:
    """PEM (one or many) or DER certificates; tolerate the real AMD VCEK's negative serial."""
    from cryptography import x509

    with warnings.catch_warnings():
        # AMD's Milan VCEKs carry a non-positive serial; cryptography warns (and may one day
        # refuse). The serial is never used for trust here, so the warning is silenced.
        warnings.simplefilter("ignore")
        try:
            if data[:1] == b"\x30":  # DER (which may itself embed PEM text, as MAA certs do)
                certs = [x509.load_der_x509_certificate(data)]
            else:
                certs = list(x509.load_pem_x509_certificates(data))
            for cert in certs:  # cryptography parses lazily: force every field used later
                _ = (cert.subject, cert.issuer, cert.extensions, cert.signature)
                _ = (cert.not_valid_before_utc, cert.not_valid_after_utc, cert.public_key())
                _ = (cert.signature_hash_algorithm, cert.signature_algorithm_parameters)
        except (ValueError, TypeError, x509.UnsupportedGeneralNameType) as exc:
            raise CertificateInputError(f"{what} does not parse: {exc}") from None
        except Exception as exc:  # UnsupportedAlgorithm and friends: still unusable input
            raise CertificateInputError(f"{what} is not supported: {exc}") from None
        return certs


def data_file(name: str) -> bytes:
    return resources.files("petgov.data.attestation").joinpath(name).read_bytes()


def pinned_bundle(root: str, file_name: str | None = None) -> list[Certificate]:
    """The shipped certificates for ``root``; the self-signed root must match its pin."""
    certs = load_certificates(data_file(file_name or ROOT_FILES[root]), f"pinned {root}")
    if fingerprint(certs[-1]) != PINNED_ROOTS[root]:
        raise CertificateInputError(
            f"shipped root {root} does not match its pinned fingerprint",
            hint="the petgov installation is damaged; reinstall it",
        )
    return certs


def pinned_root(root: str) -> Certificate:
    return pinned_bundle(root)[-1]


def signed_by(child: Certificate, issuer: Certificate) -> bool:
    """Whether ``issuer``'s key verifies ``child``'s signature (RSA PKCS#1/PSS or ECDSA)."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

    key = issuer.public_key()
    algo = child.signature_hash_algorithm
    if algo is None:
        return False
    try:
        if isinstance(key, rsa.RSAPublicKey):
            params = child.signature_algorithm_parameters
            pad = params if isinstance(params, (padding.PSS, padding.PKCS1v15)) else None
            if pad is None:
                return False
            key.verify(child.signature, child.tbs_certificate_bytes, pad, algo)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(child.signature, child.tbs_certificate_bytes, ec.ECDSA(algo))
        else:
            return False
    except (InvalidSignature, ValueError, TypeError):
        return False
    return child.issuer == issuer.subject


def valid_at(cert: Certificate, now: dt.datetime) -> bool:
    return cert.not_valid_before_utc <= now <= cert.not_valid_after_utc


def check_chain(
    chain: Sequence[Certificate],
    root: str,
    now: dt.datetime,
    checks: CheckList,
    name: str = "chain",
) -> bool:
    """Leaf-first ``chain`` must link, end in the pinned ``root`` and be valid at ``now``.

    The last certificate may be the root itself or be signed by it; either way the anchor is
    the pinned copy, never the one the evidence brought.
    """
    anchor = pinned_root(root)
    certs = list(chain)
    if certs and fingerprint(certs[-1]) == fingerprint(anchor):
        certs = certs[:-1]
    if not certs:
        checks.failed(name, "no certificates to chain")
        return False
    full = [*certs, anchor]
    for child, parent in itertools.pairwise(full):
        if not signed_by(child, parent):
            checks.failed(
                name,
                f"{common_name(child)} is not signed by {common_name(parent)}"
                + (" (pinned root)" if parent is anchor else ""),
            )
            return False
    if not signed_by(anchor, anchor):
        checks.failed(name, f"pinned root {root} is not self-signed")
        return False
    for cert in full:
        if not valid_at(cert, now):
            checks.failed(
                name,
                f"{common_name(cert)} not valid at {now:%Y-%m-%dT%H:%M:%SZ} "
                f"(valid {cert.not_valid_before_utc:%Y-%m-%dT%H:%M:%SZ} to "
                f"{cert.not_valid_after_utc:%Y-%m-%dT%H:%M:%SZ})",
            )
            return False
    checks.passed(name, f"{len(full)} certificates to pinned {root}")
    return True


def common_name(cert: Certificate) -> str:
    """The subject CN, for messages that name a certificate."""
    return name_cn(cert.subject)


def name_cn(name: Name) -> str:
    """The CN of an X.509 name (or the whole name when it has none)."""
    from cryptography.x509.oid import NameOID

    attrs = name.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(attrs[0].value) if attrs else name.rfc4514_string()


def extension_bytes(cert: Certificate, oid: str) -> bytes | None:
    """The raw DER value of an extension petgov must decode itself (AMD, Intel OIDs)."""
    from cryptography import x509

    try:
        ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(oid))
    except x509.ExtensionNotFound:
        return None
    except ValueError:
        return None
    value = ext.value
    if isinstance(value, x509.UnrecognizedExtension):
        return value.value
    return None


def der_items(data: bytes) -> list[tuple[int, bytes]]:
    """Top-level DER TLVs as (tag, content); raises ValueError on malformed input."""
    out: list[tuple[int, bytes]] = []
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError("truncated DER")
        tag = data[i]
        length = data[i + 1]
        i += 2
        if length & 0x80:
            n = length & 0x7F
            if n == 0 or n > 4 or i + n > len(data):
                raise ValueError("bad DER length")
            length = int.from_bytes(data[i : i + n], "big")
            i += n
        if i + length > len(data):
            raise ValueError("truncated DER value")
        out.append((tag, data[i : i + length]))
        i += length
    return out


def der_oid(content: bytes) -> str:
    """Decode an OBJECT IDENTIFIER's content octets to dotted form."""
    if not content:
        raise ValueError("empty OID")
    parts = [content[0] // 40, content[0] % 40]
    value = 0
    for byte in content[1:]:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    return ".".join(str(p) for p in parts)


def der_int(content: bytes) -> int:
    return int.from_bytes(content, "big", signed=True) if content else 0
