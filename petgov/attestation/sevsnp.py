"""AMD SEV-SNP attestation reports (versions 2 and 3), verified with `cryptography` alone.

Layout from the AMD SEV-SNP ABI specification (report is 0x4A0 bytes; ECDSA P-384/SHA-384
signature over 0x000-0x29F with r and s little-endian at 0x2A0 and 0x2E8). The VCEK/VLEK chains
to a pinned AMD ARK through the ASK/ASVK with RSA-PSS SHA-384.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from petgov.attestation import pki
from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    CheckList,
    EvidenceFormatError,
    EvidenceVerifier,
    VerifyInputs,
    refuse_azure_hcl,
)

if TYPE_CHECKING:
    from cryptography.x509 import Certificate

REPORT_SIZE = 0x4A0
SIGNED_END = 0x2A0
PRODUCTS = ("milan", "genoa", "turin")

POLICY_SMT = 1 << 16
POLICY_MIGRATE_MA = 1 << 18
POLICY_DEBUG = 1 << 19
POLICY_SINGLE_SOCKET = 1 << 20

OID_PRODUCT = "1.3.6.1.4.1.3704.1.2"
OID_BL, OID_TEE, OID_SNP, OID_UCODE, OID_FMC = (
    "1.3.6.1.4.1.3704.1.3.1",
    "1.3.6.1.4.1.3704.1.3.2",
    "1.3.6.1.4.1.3704.1.3.3",
    "1.3.6.1.4.1.3704.1.3.8",
    "1.3.6.1.4.1.3704.1.3.9",
)
OID_HWID = "1.3.6.1.4.1.3704.1.4"


@dataclass(frozen=True)
class Report:
    """Every field of an SNP ATTESTATION_REPORT (v2/v3); v3 adds CPUID and build fields."""

    version: int
    guest_svn: int
    policy: int
    family_id: bytes
    image_id: bytes
    vmpl: int
    signature_algo: int
    current_tcb: int
    platform_info: int
    flags: int
    report_data: bytes
    measurement: bytes
    host_data: bytes
    id_key_digest: bytes
    author_key_digest: bytes
    report_id: bytes
    report_id_ma: bytes
    reported_tcb: int
    cpuid_fam_id: int | None
    cpuid_mod_id: int | None
    cpuid_step: int | None
    chip_id: bytes
    committed_tcb: int
    current_version: tuple[int, int, int]
    committed_version: tuple[int, int, int]
    launch_tcb: int
    signed: bytes
    r: int
    s: int

    @property
    def signing_key(self) -> int:
        """0 VCEK, 1 VLEK, 7 none (flags bits 2-4)."""
        return (self.flags >> 2) & 0x7

    @property
    def mask_chip_id(self) -> bool:
        return bool(self.flags & 0x2)

    @property
    def debug(self) -> bool:
        return bool(self.policy & POLICY_DEBUG)


def parse(data: bytes) -> Report:
    """Parse raw report bytes (or its hex text) into :class:`Report`."""
    data = _maybe_hex(data)
    refuse_azure_hcl(data, "SEV-SNP report")
    if len(data) < REPORT_SIZE:
        raise EvidenceFormatError(
            f"SEV-SNP report is {len(data)} bytes; expected {REPORT_SIZE}",
            hint="pass the raw ATTESTATION_REPORT (0x4A0 bytes) or its hex text",
        )
    data = data[:REPORT_SIZE]
    version = struct.unpack_from("<I", data, 0)[0]
    if version not in (2, 3, 4, 5):
        raise EvidenceFormatError(f"SEV-SNP report version {version} is not supported (2-5)")

    def u32(off: int) -> int:
        return int(struct.unpack_from("<I", data, off)[0])

    def u64(off: int) -> int:
        return int(struct.unpack_from("<Q", data, off)[0])

    v3 = version >= 3
    return Report(
        version=version,
        guest_svn=u32(0x04),
        policy=u64(0x08),
        family_id=data[0x10:0x20],
        image_id=data[0x20:0x30],
        vmpl=u32(0x30),
        signature_algo=u32(0x34),
        current_tcb=u64(0x38),
        platform_info=u64(0x40),
        flags=u32(0x48),
        report_data=data[0x50:0x90],
        measurement=data[0x90:0xC0],
        host_data=data[0xC0:0xE0],
        id_key_digest=data[0xE0:0x110],
        author_key_digest=data[0x110:0x140],
        report_id=data[0x140:0x160],
        report_id_ma=data[0x160:0x180],
        reported_tcb=u64(0x180),
        cpuid_fam_id=data[0x188] if v3 else None,
        cpuid_mod_id=data[0x189] if v3 else None,
        cpuid_step=data[0x18A] if v3 else None,
        chip_id=data[0x1A0:0x1E0],
        committed_tcb=u64(0x1E0),
        current_version=(data[0x1EA], data[0x1E9], data[0x1E8]),
        committed_version=(data[0x1EE], data[0x1ED], data[0x1EC]),
        launch_tcb=u64(0x1F0),
        signed=data[:SIGNED_END],
        r=int.from_bytes(data[0x2A0:0x2E8], "little"),
        s=int.from_bytes(data[0x2E8:0x330], "little"),
    )


# GHCB SNP_GET_EXT_REPORT certificate table: 24-byte entries (GUID, offset, length) ending in an
# all-zero GUID; offsets count from the table start. GUIDs as the spec writes them.
CERT_GUIDS = {
    "63da758d-e664-4564-adc5-f4b93be8accd": "vcek",
    "a8074bc2-a25a-483e-aae6-39c045a0b8a1": "vlek",
    "4ab7b379-bbac-4fe4-a02f-05aef327c782": "ask",
    "c0b406a4-a803-4952-9743-3fb6014cd0ae": "ark",
    "92f81bc3-5811-4d3d-97ff-d19f88dc67ea": "crl",
}
UNSIGNED = (0x330, REPORT_SIZE)  # reserved bytes after the signature: zero in real reports


@dataclass(frozen=True)
class Extended:
    """What follows the report in an extended report: its certificate table, if any."""

    certs: dict[str, bytes]
    unknown: tuple[str, ...] = ()
    trailing: int = 0  # non-zero bytes that are neither the table nor what it points to


def split_extended(data: bytes) -> tuple[bytes, Extended]:
    """Separate the 0x4A0-byte report from the certificate table that may follow it."""
    data = _maybe_hex(data)
    refuse_azure_hcl(data, "SEV-SNP report")
    if len(data) <= REPORT_SIZE:
        return data, Extended({})
    table = data[REPORT_SIZE:]
    if not any(table):
        return data[:REPORT_SIZE], Extended({})  # zero padding (a page-sized buffer)
    return data[:REPORT_SIZE], _cert_table(table)


def _guid_name(raw: bytes) -> str:
    import uuid

    for guid in (str(uuid.UUID(bytes=raw)), str(uuid.UUID(bytes_le=raw))):
        if guid in CERT_GUIDS:
            return CERT_GUIDS[guid]
    return str(uuid.UUID(bytes=raw))


def _cert_table(table: bytes) -> Extended:
    certs: dict[str, bytes] = {}
    unknown: list[str] = []
    used = bytearray(len(table))
    pos = 0
    while True:
        if pos + 24 > len(table):
            raise EvidenceFormatError(
                "bytes after the SEV-SNP report are not a certificate table (no terminator)",
                hint="pass the raw report, or report + GHCB certificate table as the guest got it",
            )
        guid = table[pos : pos + 16]
        offset, length = struct.unpack_from("<II", table, pos + 16)
        used[pos : pos + 24] = b"\1" * 24
        pos += 24
        if not any(guid):
            break
        if offset < pos or offset + length > len(table) or length == 0:
            raise EvidenceFormatError(
                f"certificate table entry {_guid_name(guid)} points outside the table"
            )
        name = _guid_name(guid)
        if name in certs:
            raise EvidenceFormatError(f"certificate table lists {name} twice")
        certs[name] = table[offset : offset + length]
        used[offset : offset + length] = b"\1" * length
        if name not in CERT_GUIDS.values():
            unknown.append(name)
    trailing = sum(1 for i, b in enumerate(table) if b and not used[i])
    return Extended(certs, tuple(unknown), trailing)


def _maybe_hex(data: bytes) -> bytes:
    stripped = data.strip()
    if stripped and len(stripped) >= 2 * REPORT_SIZE:
        try:
            return bytes.fromhex(stripped.decode("ascii"))
        except (UnicodeDecodeError, ValueError):
            return data
    return data


def tcb_parts(value: int, product: str | None) -> dict[str, int]:
    """Split a TCB_VERSION; Turin moved the fields (FMC first, SNP in byte 3)."""
    raw = value.to_bytes(8, "little")
    if product == "turin":
        return {
            "fmc": raw[0],
            "bootloader": raw[1],
            "tee": raw[2],
            "snp": raw[3],
            "microcode": raw[7],
        }
    return {"bootloader": raw[0], "tee": raw[1], "snp": raw[6], "microcode": raw[7]}


def product_of(cert: Certificate) -> str | None:
    """'Milan-B0' style product name from the VCEK/VLEK extension, lower-cased family."""
    raw = pki.extension_bytes(cert, OID_PRODUCT)
    if raw is None:
        return None
    try:
        items = pki.der_items(raw)
        text = items[0][1].decode("ascii", "replace") if items else ""
    except ValueError:
        text = raw.decode("ascii", "replace")
    family = text.split("-")[0].lower()
    return family if family in PRODUCTS else None


def _ext_int(cert: Certificate, oid: str) -> int | None:
    raw = pki.extension_bytes(cert, oid)
    if raw is None:
        return None
    try:
        items = pki.der_items(raw)
    except ValueError:
        return None
    if len(items) != 1 or items[0][0] != 0x02:
        return None
    return pki.der_int(items[0][1])


def _ext_octets(cert: Certificate, oid: str) -> bytes | None:
    raw = pki.extension_bytes(cert, oid)
    if raw is None:
        return None
    try:
        items = pki.der_items(raw)
    except ValueError:
        return raw
    if len(items) == 1 and items[0][0] == 0x04:
        return items[0][1]
    return raw  # older VCEKs carry the raw 64 bytes


class SevSnpVerifier(EvidenceVerifier):
    """ECDSA P-384 report signature, VCEK/VLEK chain to the pinned ARK, VCEK field match."""

    type_name = "snp"

    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        raw, extended = split_extended(inputs.evidence)
        report = parse(raw)
        certs: list[Certificate] = []
        for blob in inputs.certs:
            certs.extend(pki.load_certificates(thim_pem(blob), "--certs file"))
        leaf, intermediates = _split(certs)
        embedded = _embedded(extended)
        if leaf is None and embedded[0] is not None:  # --certs wins; else the table's VCEK
            leaf = embedded[0]
            if not intermediates:
                intermediates = embedded[1]
        product = None
        if leaf is not None:
            product = product_of(leaf)
        claims = self._claims(report, product)
        _layout(raw, extended, claims, checks)
        if report.signature_algo != 1:
            checks.failed("signature", f"signature algorithm {report.signature_algo} is not 1")
        elif leaf is None:
            checks.failed(
                "signature",
                "no VCEK/VLEK certificate given (--certs): the report cannot be verified offline",
            )
        else:
            self._check_signature(report, leaf, checks)
            self._check_chain(report, leaf, intermediates, product, inputs, checks)
            self._check_endorsement(report, leaf, product, checks)
        _revocation(leaf, intermediates, product, inputs, checks)
        return claims

    def _claims(self, report: Report, product: str | None) -> Claims:
        if product is None and report.cpuid_fam_id is not None:
            product = {0x19: None, 0x1A: "turin"}.get(report.cpuid_fam_id)
        return Claims(
            evidence_type="snp",
            tee_type="sev-snp",
            evidence_version=str(report.version),
            debug=report.debug,
            measurements={
                "measurement": report.measurement.hex(),
                "host_data": report.host_data.hex(),
                "id_key_digest": report.id_key_digest.hex(),
                "author_key_digest": report.author_key_digest.hex(),
                "family_id": report.family_id.hex(),
                "image_id": report.image_id.hex(),
            },
            tcb={
                "reported": tcb_parts(report.reported_tcb, product),
                "committed": tcb_parts(report.committed_tcb, product),
                "current": tcb_parts(report.current_tcb, product),
                "launch": tcb_parts(report.launch_tcb, product),
            },
            report_data=report.report_data,
            hardware_model=product,
            platform_id=report.chip_id.hex(),
            extra=_extra(report),
        )

    def _check_signature(self, report: Report, leaf: Certificate, checks: CheckList) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        key = leaf.public_key()
        if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp384r1":
            checks.failed("signature", "VCEK/VLEK key is not ECDSA P-384")
            return
        try:
            key.verify(
                encode_dss_signature(report.r, report.s), report.signed, ec.ECDSA(hashes.SHA384())
            )
        except (InvalidSignature, ValueError):
            checks.failed("signature", "report signature does not verify with the VCEK/VLEK")
            return
        kind = {0: "VCEK", 1: "VLEK"}.get(report.signing_key, "?")
        checks.passed("signature", f"ECDSA P-384 report signature valid ({kind})")

    def _check_chain(
        self,
        report: Report,
        leaf: Certificate,
        given: list[Certificate],
        product: str | None,
        inputs: VerifyInputs,
        checks: CheckList,
    ) -> None:
        vlek = report.signing_key == 1
        candidates: list[tuple[str, list[Certificate]]] = []
        if given:
            ark_fp = pki.fingerprint(given[-1])
            names = [n for n in PRODUCTS if pki.PINNED_ROOTS[f"amd-ark-{n}"] == ark_fp]
            if not names:
                checks.failed("chain", "the given ARK is not a pinned AMD root")
                return
            candidates.append((names[0], given))
        else:
            wanted = [product] if product else list(PRODUCTS)
            for name in wanted:
                file_name = f"amd_ask_ark_{name}{'_vlek' if vlek else ''}.pem"
                candidates.append((name, pki.pinned_bundle(f"amd-ark-{name}", file_name)))
        last = CheckList()
        for name, bundle in candidates:
            trial = CheckList()
            if pki.check_chain([leaf, *bundle], f"amd-ark-{name}", inputs.now, trial):
                checks.items.extend(trial.items)
                return
            last = trial
        checks.items.extend(last.items)

    def _check_endorsement(
        self, report: Report, leaf: Certificate, product: str | None, checks: CheckList
    ) -> None:
        """The VCEK's chip id and TCB SPLs must be the ones the report claims."""
        if report.signing_key == 0 and not report.mask_chip_id:
            hwid = _ext_octets(leaf, OID_HWID)
            if hwid is None:
                checks.failed("vcek.chip_id", "VCEK has no hwID extension")
            else:
                checks.add(
                    "vcek.chip_id",
                    hwid == report.chip_id,
                    "chip id matches the VCEK",
                    "chip id differs from the VCEK hwID",
                )
        else:
            checks.skipped("vcek.chip_id", "VLEK-signed or chip id masked: no chip id to match")
        tcb = tcb_parts(report.reported_tcb, product)
        oids = {"bootloader": OID_BL, "tee": OID_TEE, "snp": OID_SNP, "microcode": OID_UCODE}
        if product == "turin":
            oids["fmc"] = OID_FMC
        mismatched = []
        for part, oid in oids.items():
            value = _ext_int(leaf, oid)
            if value is None or value != tcb[part]:
                mismatched.append(f"{part} report={tcb[part]} cert={value}")
        checks.add(
            "vcek.tcb",
            not mismatched,
            "reported TCB equals the certificate SPLs",
            "; ".join(mismatched),
        )


def _revocation(
    leaf: Certificate | None,
    given: list[Certificate],
    product: str | None,
    inputs: VerifyInputs,
    checks: CheckList,
) -> None:
    """AMD's ARK-signed CRL (from KDS, passed in --collateral) must not list the ASK or VCEK."""
    from cryptography import x509

    crls = []
    if inputs.collateral is not None and inputs.collateral.is_dir():
        for path in sorted(inputs.collateral.iterdir()):
            if path.is_file() and path.suffix.lower() in {".crl", ".der", ".pem"}:
                data = path.read_bytes()
                try:
                    if b"-----BEGIN X509 CRL-----" in data:
                        crls.append(x509.load_pem_x509_crl(data))
                    elif data[:1] == b"\x30":
                        crls.append(x509.load_der_x509_crl(data))
                except ValueError:
                    continue
    if not crls:
        checks.skipped("revocation", "AMD CRL not checked: no CRL given")
        return
    if leaf is None:
        checks.failed("revocation", "no VCEK/VLEK to check against the CRL")
        return
    arks = (
        [given[-1]]
        if given
        else [pki.pinned_root(f"amd-ark-{p}") for p in ([product] if product else PRODUCTS)]
    )
    pinned = set(pki.PINNED_ROOTS.values())
    for crl in crls:
        ark = next((a for a in arks if a.subject == crl.issuer), None)
        if ark is None or pki.fingerprint(ark) not in pinned:
            continue
        if not crl.is_signature_valid(ark.public_key()):  # type: ignore[arg-type]
            checks.failed("revocation", f"CRL of {crl.issuer.rfc4514_string()} is forged")
            return
        nxt = crl.next_update_utc
        if nxt is not None and nxt < inputs.now:
            checks.failed("revocation", f"AMD CRL expired {nxt:%Y-%m-%dT%H:%M:%SZ}")
            return
        root = next(n for n, fp in pki.PINNED_ROOTS.items() if fp == pki.fingerprint(ark))
        ask = given[:-1] or [pki.pinned_bundle(root)[0]]
        for cert in [leaf, *ask]:
            if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
                checks.failed("revocation", f"certificate serial {cert.serial_number:x} revoked")
                return
        checks.passed("revocation", "AMD CRL checked, nothing revoked")
        return
    issuers = ", ".join(sorted({pki.name_cn(c.issuer) for c in crls}))
    checks.failed(  # CRLs were supplied but none applies: fail closed, never "skipped"
        "revocation",
        f"the given CRL(s) are from {issuers}, not from this report's pinned AMD ARK",
    )


def thim_pem(blob: bytes) -> bytes:
    """Azure's THIM/IMDS certification JSON (``vcekCert`` + ``certificateChain``; ACI hands it
    over base64-encoded) as the PEM it carries; any other blob is returned unchanged."""
    import base64
    import binascii
    import json

    text = blob.strip()
    if text[:1] not in (b"{", b"e"):  # JSON, or base64 of JSON ("eyJ...")
        return blob
    try:
        doc = json.loads(text if text[:1] == b"{" else base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return blob
    if not isinstance(doc, dict) or not isinstance(doc.get("vcekCert"), str):
        return blob
    chain = doc.get("certificateChain")
    pem = str(doc["vcekCert"]) + "\n" + (chain if isinstance(chain, str) else "")
    return pem.replace("\\n", "\n").encode()


def _embedded(extended: Extended) -> tuple[Certificate | None, list[Certificate]]:
    """The VCEK/VLEK and ASK/ARK the extended report carries (certificates, not trust)."""
    leaf_der = extended.certs.get("vcek") or extended.certs.get("vlek")
    if leaf_der is None:
        return None, []
    leaf = pki.load_certificates(leaf_der, "VCEK/VLEK in the certificate table")[0]
    chain = [
        pki.load_certificates(extended.certs[name], f"{name.upper()} in the certificate table")[0]
        for name in ("ask", "ark")
        if name in extended.certs
    ]
    return leaf, chain


def _layout(raw: bytes, extended: Extended, claims: Claims, checks: CheckList) -> None:
    """Bytes outside the signed report are named, never taken as part of it."""
    unsigned = sum(1 for b in raw[UNSIGNED[0] : UNSIGNED[1]] if b)
    if extended.certs:
        claims.extra["certificate_table"] = sorted(extended.certs)
    if extended.unknown:
        claims.extra["certificate_table_unknown"] = list(extended.unknown)
    if extended.trailing:
        claims.extra["trailing_bytes"] = extended.trailing
    if unsigned:
        checks.failed(
            "layout",
            f"{unsigned} non-zero byte(s) in the report's unsigned reserved area "
            f"(0x{UNSIGNED[0]:X}-0x{UNSIGNED[1] - 1:X}): not a report the firmware produced",
        )


def _split(certs: list[Certificate]) -> tuple[Certificate | None, list[Certificate]]:
    """Separate the VCEK/VLEK (EC key) from an ASK/ARK bundle (RSA keys), in order."""
    from cryptography.hazmat.primitives.asymmetric import ec

    leaves = [c for c in certs if isinstance(c.public_key(), ec.EllipticCurvePublicKey)]
    others = [c for c in certs if c not in leaves]
    others.sort(key=lambda c: c.issuer == c.subject)  # ASK first, self-signed ARK last
    return (leaves[0] if leaves else None), others


def _extra(report: Report) -> dict[str, Any]:
    return {
        "policy": hex(report.policy),
        "smt_allowed": bool(report.policy & POLICY_SMT),
        "migration_agent_allowed": bool(report.policy & POLICY_MIGRATE_MA),
        "single_socket": bool(report.policy & POLICY_SINGLE_SOCKET),
        "vmpl": report.vmpl,
        "guest_svn": report.guest_svn,
        "signing_key": {0: "vcek", 1: "vlek"}.get(report.signing_key, "none"),
        "family_id": report.family_id.hex(),
        "image_id": report.image_id.hex(),
        "host_data": report.host_data.hex(),
        "id_key_digest": report.id_key_digest.hex(),
        "author_key_digest": report.author_key_digest.hex(),
        "report_id": report.report_id.hex(),
        "platform_info": hex(report.platform_info),
        "current_version": ".".join(map(str, report.current_version)),
        "cpuid": [report.cpuid_fam_id, report.cpuid_mod_id, report.cpuid_step]
        if report.cpuid_fam_id is not None
        else None,
    }
