"""Intel TDX quotes (v4 and v5), verified offline against the pinned Intel SGX Root CA.

Chain of trust: Intel SGX Root CA -> PCK Platform/Processor CA -> PCK leaf (inside the quote)
signs the Quoting Enclave report; the QE report data binds the attestation key, which signs the
quote header and TD report. Collateral (TCB Info, QE Identity, CRLs) is optional input: when it
is missing the dependent checks are ``skipped``, never silently passed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petgov.attestation import pki
from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    CertificateInputError,
    Check,
    CheckList,
    EvidenceFormatError,
    EvidenceVerifier,
    VerifyInputs,
    refuse_azure_hcl,
)

if TYPE_CHECKING:
    from cryptography.x509 import Certificate, CertificateRevocationList

HEADER = 48
TD10_SIZE = 584
TD15_SIZE = 648
QE_REPORT_SIZE = 384
TEE_TDX = 0x81
OID_SGX = "1.2.840.113741.1.13.1"
OID_TCB = OID_SGX + ".2"
OID_PCEID = OID_SGX + ".3"
OID_FMSPC = OID_SGX + ".4"
TD_ATTR_DEBUG = 1


@dataclass(frozen=True)
class TdReport:
    """The TD report body (TDX 1.0; TDX 1.5 adds tee_tcb_svn2 and mrservicetd)."""

    tee_tcb_svn: bytes
    mrseam: bytes
    mrsignerseam: bytes
    seam_attributes: bytes
    td_attributes: int
    xfam: bytes
    mrtd: bytes
    mrconfigid: bytes
    mrowner: bytes
    mrownerconfig: bytes
    rtmrs: tuple[bytes, bytes, bytes, bytes]
    report_data: bytes
    tee_tcb_svn2: bytes | None = None
    mrservicetd: bytes | None = None


@dataclass(frozen=True)
class QeReport:
    cpusvn: bytes
    miscselect: int
    attributes: bytes
    mrenclave: bytes
    mrsigner: bytes
    isvprodid: int
    isvsvn: int
    report_data: bytes
    raw: bytes


@dataclass(frozen=True)
class Quote:
    version: int
    att_key_type: int
    tee_type: int
    qe_vendor_id: bytes
    body: TdReport
    signed: bytes
    signature: bytes
    attestation_key: bytes
    qe_report: QeReport
    qe_report_signature: bytes
    qe_auth_data: bytes
    pck_chain_pem: bytes
    extra: dict[str, Any] = field(default_factory=dict)


class _Reader:
    def __init__(self, data: bytes, offset: int = 0) -> None:
        self.data = data
        self.pos = offset

    def take(self, n: int, what: str) -> bytes:
        if n < 0 or self.pos + n > len(self.data):
            raise EvidenceFormatError(f"TDX quote truncated reading {what}")
        out = self.data[self.pos : self.pos + n]
        self.pos += n
        return out

    def u16(self, what: str) -> int:
        return int(struct.unpack("<H", self.take(2, what))[0])

    def u32(self, what: str) -> int:
        return int(struct.unpack("<I", self.take(4, what))[0])


def _td_report(raw: bytes, td15: bool) -> TdReport:
    r = _Reader(raw)
    tee_tcb_svn = r.take(16, "tee_tcb_svn")
    mrseam, mrsignerseam = r.take(48, "mrseam"), r.take(48, "mrsignerseam")
    seam_attributes = r.take(8, "seam_attributes")
    td_attributes = int.from_bytes(r.take(8, "td_attributes"), "little")
    xfam, mrtd = r.take(8, "xfam"), r.take(48, "mrtd")
    mrconfigid, mrowner, mrownerconfig = (r.take(48, n) for n in ("cfg", "owner", "ownercfg"))
    rtmrs = (r.take(48, "rtmr0"), r.take(48, "rtmr1"), r.take(48, "rtmr2"), r.take(48, "rtmr3"))
    report_data = r.take(64, "report_data")
    svn2 = r.take(16, "tee_tcb_svn2") if td15 else None
    servicetd = r.take(48, "mrservicetd") if td15 else None
    return TdReport(
        tee_tcb_svn,
        mrseam,
        mrsignerseam,
        seam_attributes,
        td_attributes,
        xfam,
        mrtd,
        mrconfigid,
        mrowner,
        mrownerconfig,
        rtmrs,
        report_data,
        svn2,
        servicetd,
    )


def _qe_report(raw: bytes) -> QeReport:
    return QeReport(
        cpusvn=raw[0:16],
        miscselect=int.from_bytes(raw[16:20], "little"),
        attributes=raw[48:64],
        mrenclave=raw[64:96],
        mrsigner=raw[128:160],
        isvprodid=int.from_bytes(raw[256:258], "little"),
        isvsvn=int.from_bytes(raw[258:260], "little"),
        report_data=raw[320:384],
        raw=raw,
    )


def parse(data: bytes) -> Quote:
    """Parse a v4 or v5 TDX quote (trailing zero padding is allowed)."""
    refuse_azure_hcl(data, "TDX quote")
    r = _Reader(data)
    version = r.u16("version")
    att_key_type = r.u16("attestation key type")
    tee_type = r.u32("tee type")
    r.take(4, "reserved")
    qe_vendor_id = r.take(16, "qe vendor id")
    r.take(20, "user data")
    if version not in (4, 5):
        raise EvidenceFormatError(f"TDX quote version {version} is not supported (4 or 5)")
    if tee_type != TEE_TDX:
        raise EvidenceFormatError(f"quote tee_type {tee_type:#x} is not TDX (0x81)")
    if att_key_type != 2:
        raise EvidenceFormatError(f"attestation key type {att_key_type} is not ECDSA P-256 (2)")
    extra: dict[str, Any] = {}
    if version == 4:
        body_raw = r.take(TD10_SIZE, "TD report")
        body = _td_report(body_raw, td15=False)
    else:
        body_type = r.u16("body type")
        body_size = r.u32("body size")
        if (body_type, body_size) not in ((2, TD10_SIZE), (3, TD15_SIZE)):
            raise EvidenceFormatError(f"TDX v5 body type {body_type} size {body_size} unknown")
        body = _td_report(r.take(body_size, "TD report"), td15=body_type == 3)
        extra["body_type"] = body_type
    signed = data[: r.pos]
    sig_len = r.u32("signature data length")
    sig = _Reader(r.take(sig_len, "signature data"))
    trailing = sum(1 for b in data[r.pos :] if b)  # zero padding is normal (COS pads to 8000)
    if trailing:
        extra["trailing_bytes"] = trailing
    signature = sig.take(64, "quote signature")
    attestation_key = sig.take(64, "attestation key")
    cert_type = sig.u16("certification data type")
    cert_size = sig.u32("certification data size")
    cert = _Reader(sig.take(cert_size, "certification data"))
    if cert_type != 6:
        raise EvidenceFormatError(f"certification data type {cert_type} is not QE report (6)")
    qe_raw = cert.take(QE_REPORT_SIZE, "QE report")
    qe_sig = cert.take(64, "QE report signature")
    auth = cert.take(cert.u16("QE auth size"), "QE auth data")
    inner_type = cert.u16("PCK certification data type")
    inner = cert.take(cert.u32("PCK certification data size"), "PCK chain")
    if inner_type != 5:
        raise EvidenceFormatError(f"PCK certification data type {inner_type} is not 5 (PEM chain)")
    return Quote(
        version,
        att_key_type,
        tee_type,
        qe_vendor_id,
        body,
        signed,
        signature,
        attestation_key,
        _qe_report(qe_raw),
        qe_sig,
        auth,
        inner.rstrip(b"\0"),
        extra,
    )


def _p256_verify(public_xy: bytes, signature: bytes, message: bytes) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    try:
        key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b"\x04" + public_xy)
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        key.verify(der, message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, ValueError):
        return False
    return True


def _cert_verify(cert: Certificate, signature: bytes, message: bytes) -> bool:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = cert.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        return False
    point = key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return len(signature) == 64 and _p256_verify(point[1:], signature, message)


@dataclass(frozen=True)
class PckInfo:
    fmspc: str
    pceid: str
    cpusvn: list[int]
    pcesvn: int


def pck_info(cert: Certificate) -> PckInfo:
    """FMSPC, PCEID and the TCB components from the PCK leaf's SGX extension."""
    raw = pki.extension_bytes(cert, OID_SGX)
    if raw is None:
        raise CertificateInputError("PCK certificate has no Intel SGX extension")
    try:
        values = _sgx_sequence(raw)
        tcb = _sgx_sequence(values[OID_TCB])
        comps = [pki.der_int(tcb[f"{OID_TCB}.{i}"]) for i in range(1, 17)]
        return PckInfo(
            fmspc=values[OID_FMSPC].hex(),
            pceid=values[OID_PCEID].hex(),
            cpusvn=comps,
            pcesvn=pki.der_int(tcb[f"{OID_TCB}.17"]),
        )
    except (KeyError, ValueError, IndexError) as exc:
        raise CertificateInputError(f"PCK SGX extension does not parse: {exc}") from None


def _sgx_sequence(raw: bytes) -> dict[str, bytes]:
    (tag, content), *_ = pki.der_items(raw)
    if tag != 0x30:
        raise ValueError("not a SEQUENCE")
    out: dict[str, bytes] = {}
    for tag, item in pki.der_items(content):
        if tag != 0x30:
            continue
        parts = pki.der_items(item)
        if len(parts) >= 2 and parts[0][0] == 0x06:
            inner_tag, inner = parts[1]
            out[pki.der_oid(parts[0][1])] = (
                bytes([inner_tag]) + _der_len(len(inner)) + inner if inner_tag == 0x30 else inner
            )
    return out


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def raw_member(text: bytes, key: str) -> bytes:
    """The exact bytes of the JSON object value of top-level ``key`` (what Intel signed)."""
    marker = f'"{key}"'.encode()
    start = text.find(marker)
    if start < 0:
        raise ValueError(f"no {key}")
    i = text.find(b"{", start + len(marker))
    if i < 0:
        raise ValueError(f"{key} is not an object")
    depth, in_str, esc = 0, False, False
    for j in range(i, len(text)):
        ch = text[j]
        if in_str:
            if esc:
                esc = False
            elif ch == 0x5C:
                esc = True
            elif ch == 0x22:
                in_str = False
        elif ch == 0x22:
            in_str = True
        elif ch == 0x7B:
            depth += 1
        elif ch == 0x7D:
            depth -= 1
            if depth == 0:
                return text[i : j + 1]
    raise ValueError(f"unterminated {key}")


@dataclass
class Collateral:
    """What --collateral DIR holds, recognized by content, not by name."""

    tcb_infos: list[tuple[Path, bytes, dict[str, Any]]] = field(default_factory=list)
    qe_identities: list[tuple[Path, bytes, dict[str, Any]]] = field(default_factory=list)
    certs: list[Certificate] = field(default_factory=list)
    crls: list[CertificateRevocationList] = field(default_factory=list)


def load_collateral(folder: Path | None) -> Collateral | None:
    if folder is None:
        return None
    from cryptography import x509

    if not folder.is_dir():
        raise CertificateInputError(f"{folder}: collateral must be a folder")
    found = Collateral()
    for path in sorted(folder.iterdir()):
        suffix = path.suffix.lower()
        if not path.is_file() or suffix not in {".json", ".pem", ".der", ".crl"}:
            continue  # other files (quotes, notes) may share the folder
        if path.stat().st_size > 4 << 20:
            raise CertificateInputError(f"{path}: collateral file larger than 4 MiB")
        data = path.read_bytes()
        if suffix == ".json":
            try:
                doc = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                raise CertificateInputError(f"{path}: collateral JSON does not parse") from None
            if isinstance(doc, dict) and isinstance(doc.get("tcbInfo"), dict):
                found.tcb_infos.append((path, data, doc))
            elif isinstance(doc, dict) and isinstance(doc.get("enclaveIdentity"), dict):
                found.qe_identities.append((path, data, doc))
            else:
                raise CertificateInputError(
                    f"{path}: JSON collateral is neither TCB Info nor QE Identity"
                )
        elif b"-----BEGIN CERTIFICATE-----" in data:
            found.certs.extend(pki.load_certificates(data, str(path)))
        else:
            try:
                if b"-----BEGIN X509 CRL-----" in data:
                    found.crls.append(x509.load_pem_x509_crl(data))
                else:
                    found.crls.append(x509.load_der_x509_crl(data))
            except ValueError:
                raise CertificateInputError(f"{path}: not a certificate or CRL") from None
    return found


def _platform_of(doc: dict[str, Any]) -> tuple[str, str]:
    """(FMSPC, PCE id) a TCB Info document applies to, lower-case hex."""
    inner = doc["tcbInfo"]
    return str(inner.get("fmspc", "")).lower(), str(inner.get("pceId", "")).lower()


def signed_by_tcb_signing_cert(
    raw: bytes,
    key: str,
    certs: list[Certificate],
    now: dt.datetime,
    checks: CheckList,
    name: str,
) -> bool:
    """The raw ``key`` member of Intel collateral is signed by a TCB Signing certificate that
    chains to the pinned root and is valid at ``now``.

    Intel renews the TCB Signing certificate with the same key, so a folder may hold the old and
    the renewed one: any that is valid and verifies will do. Records a failure (the last one
    seen) and returns False otherwise.
    """
    signing = [c for c in certs if "TCB Signing" in c.subject.rfc4514_string()]
    if not signing:
        checks.failed(name, "no Intel SGX TCB Signing certificate in the collateral folder")
        return False
    try:
        signature = bytes.fromhex(str(json.loads(raw).get("signature", "")))
        body = raw_member(raw, key)
    except ValueError as exc:
        checks.failed(name, f"collateral does not parse: {exc}")
        return False
    last: list[Check] = []
    for cert in signing:
        trial = CheckList()
        if not pki.check_chain([cert], "intel-sgx-root", now, trial, name):
            last = trial.items
        elif not _cert_verify(cert, signature, body):
            last = [Check(name, "fail", f"{key} signature does not verify")]
        else:
            return True
    checks.items.extend(last)
    return False


def _when(text: Any) -> dt.datetime:
    value = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


class TdxVerifier(EvidenceVerifier):
    """Quote signature, QE report, key binding, PCK chain, collateral and TCB level."""

    type_name = "tdx"

    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        quote = parse(inputs.evidence)
        body = quote.body
        claims = Claims(
            evidence_type="tdx",
            tee_type="tdx",
            evidence_version=str(quote.version),
            debug=bool(body.td_attributes & TD_ATTR_DEBUG),
            measurements={
                "mrtd": body.mrtd.hex(),
                **{f"rtmr{i}": m.hex() for i, m in enumerate(body.rtmrs)},
                "mrconfigid": body.mrconfigid.hex(),
                "mrowner": body.mrowner.hex(),
                "mrownerconfig": body.mrownerconfig.hex(),
                "mrseam": body.mrseam.hex(),
            },
            tcb={"tee_tcb_svn": body.tee_tcb_svn.hex()},
            report_data=body.report_data,
            extra={
                "td_attributes": f"{body.td_attributes:016x}",
                "xfam": body.xfam.hex(),
                "mrsignerseam": body.mrsignerseam.hex(),
                "qe_mrsigner": quote.qe_report.mrsigner.hex(),
                "qe_isvsvn": quote.qe_report.isvsvn,
                **quote.extra,
            },
        )
        if body.mrservicetd is not None:
            claims.measurements["mrservicetd"] = body.mrservicetd.hex()
        checks.add(
            "signature",
            _p256_verify(quote.attestation_key, quote.signature, quote.signed),
            "quote signature by the attestation key",
            "quote signature does not verify with the attestation key",
        )
        pck_chain = pki.load_certificates(quote.pck_chain_pem, "PCK chain in the quote")
        leaf = pck_chain[0]
        checks.add(
            "qe_report.signature",
            _cert_verify(leaf, quote.qe_report_signature, quote.qe_report.raw),
            "QE report signed by the PCK certificate",
            "QE report signature does not verify with the PCK certificate",
        )
        expect = hashlib.sha256(quote.attestation_key + quote.qe_auth_data).digest()
        checks.add(
            "qe_report.binding",
            quote.qe_report.report_data[:32] == expect
            and not any(quote.qe_report.report_data[32:]),
            "QE report data = SHA-256(attestation key || QE auth data)",
            "QE report data does not bind the attestation key (SHA-256(key || auth data))",
        )
        pki.check_chain(pck_chain, "intel-sgx-root", inputs.now, checks)
        info = pck_info(leaf)
        claims.platform_id = info.fmspc
        claims.tcb.update({"fmspc": info.fmspc, "pcesvn": info.pcesvn, "cpusvn": info.cpusvn})
        collateral = load_collateral(inputs.collateral)
        self._revocation(pck_chain, collateral, inputs.now, checks)
        self._tcb_level(quote, info, collateral, inputs.now, checks, claims)
        self._qe_identity(quote, collateral, inputs.now, checks)
        return claims

    def _revocation(
        self,
        chain: list[Certificate],
        collateral: Collateral | None,
        now: dt.datetime,
        checks: CheckList,
    ) -> None:
        if collateral is None or not collateral.crls:
            checks.skipped("revocation", "PCK revocation not checked: no CRL given")
            return
        anchor = pki.pinned_root("intel-sgx-root")
        if chain and pki.fingerprint(chain[-1]) == pki.fingerprint(anchor):
            chain = chain[:-1]  # the root is trusted by pin; its CRL covers the CA below it
        issuers = [*chain[1:], anchor]
        unchecked = []
        for cert, issuer in zip(chain, issuers, strict=True):
            crls = [c for c in collateral.crls if c.issuer == issuer.subject]
            if not crls:
                unchecked.append(pki.common_name(issuer))
            for crl in crls:
                if not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
                    checks.failed("revocation", f"CRL of {crl.issuer.rfc4514_string()} is forged")
                    return
                nxt = crl.next_update_utc
                if nxt is not None and nxt < now:
                    checks.failed("revocation", f"CRL expired {nxt:%Y-%m-%dT%H:%M:%SZ}")
                    return
                if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
                    checks.failed(
                        "revocation", f"certificate serial {cert.serial_number:x} revoked"
                    )
                    return
        if unchecked:  # CRLs were supplied but do not cover this chain: fail, never skip
            given = sorted({pki.name_cn(c.issuer) for c in collateral.crls})
            checks.failed(
                "revocation",
                f"no CRL from {', '.join(unchecked)} for this PCK chain "
                f"(the given CRLs are from {', '.join(given)})",
            )
        else:
            checks.passed("revocation", f"{len(chain)} certificate(s) checked against CRLs")

    def _signed_collateral(
        self,
        raw: bytes,
        key: str,
        collateral: Collateral,
        now: dt.datetime,
        checks: CheckList,
        name: str,
    ) -> bool:
        """Intel signs the raw inner JSON with the TCB Signing key (P-256, hex r||s)."""
        doc = json.loads(raw)
        if not signed_by_tcb_signing_cert(raw, key, collateral.certs, now, checks, name):
            return False
        inner = doc[key]
        try:
            next_update = _when(inner.get("nextUpdate"))
            issued = _when(inner.get("issueDate"))
        except ValueError:
            checks.failed(name, f"{key} has no valid issueDate/nextUpdate")
            return False
        if not issued <= now <= next_update:
            checks.failed(
                name,
                f"{key} not current at {now:%Y-%m-%dT%H:%M:%SZ} "
                f"(nextUpdate {next_update:%Y-%m-%dT%H:%M:%SZ})",
            )
            return False
        checks.passed(name, f"{key} signature valid, current until {next_update:%Y-%m-%d}")
        return True

    def _tcb_level(
        self,
        quote: Quote,
        info: PckInfo,
        collateral: Collateral | None,
        now: dt.datetime,
        checks: CheckList,
        claims: Claims,
    ) -> None:
        if collateral is None:
            checks.skipped("collateral.tcb_info", "no --collateral given")
            checks.skipped("tcb.level", "TCB level not evaluated: no TCB Info given")
            return
        if not collateral.tcb_infos:
            checks.skipped("collateral.tcb_info", "no TCB Info in the collateral folder")
            checks.skipped("tcb.level", "TCB level not evaluated: no TCB Info given")
            return
        matching = [
            t for t in collateral.tcb_infos if _platform_of(t[2]) == (info.fmspc, info.pceid)
        ]
        if not matching:  # the user supplied collateral: a mismatch fails, it is not "skipped"
            given = ", ".join(
                f"FMSPC {fmspc} PCE id {pceid}"
                for fmspc, pceid in (_platform_of(t[2]) for t in collateral.tcb_infos)
            )
            checks.failed(
                "collateral.tcb_info",
                f"TCB Info is for {given}; the PCK certificate is FMSPC {info.fmspc} "
                f"PCE id {info.pceid}",
            )
            checks.failed(
                "tcb.level", "TCB level not evaluated: the TCB Info is for another platform"
            )
            return
        _, raw, doc = matching[0]
        if not self._signed_collateral(
            raw, "tcbInfo", collateral, now, checks, "collateral.tcb_info"
        ):
            checks.failed("tcb.level", "TCB Info is not trustworthy")
            return
        tcb_info = doc["tcbInfo"]
        if tcb_info.get("id") != "TDX":
            checks.failed("tcb.level", f"TCB Info id {tcb_info.get('id')!r} is not TDX")
            return
        svn = quote.body.tee_tcb_svn
        identities = tcb_info.get("tdxModuleIdentities")
        if svn[1] > 0 and isinstance(identities, list):
            self._module_identity(quote, identities, checks)
        module = tcb_info.get("tdxModule")
        if isinstance(module, dict):
            ok = bytes.fromhex(str(module.get("mrsigner", ""))) == quote.body.mrsignerseam
            mask = int(str(module.get("attributesMask", "0")), 16)
            want = int(str(module.get("attributes", "0")), 16)
            seam = int.from_bytes(quote.body.seam_attributes, "big")
            ok = ok and (seam & mask) == want
            checks.add(
                "tdx_module",
                ok,
                "TDX module signer and attributes match TCB Info",
                "TDX module signer or attributes differ from TCB Info",
            )
        start = 2 if svn[1] > 0 else 0
        for level in tcb_info.get("tcbLevels", []):
            tcb = level.get("tcb", {})
            sgx = [int(c.get("svn", 0)) for c in tcb.get("sgxtcbcomponents", [])]
            tdxc = [int(c.get("svn", 0)) for c in tcb.get("tdxtcbcomponents", [])]
            if len(sgx) != 16 or len(tdxc) != 16:
                continue
            if any(a < b for a, b in zip(info.cpusvn, sgx, strict=True)) or info.pcesvn < int(
                tcb.get("pcesvn", 0)
            ):
                continue
            if any(svn[i] < tdxc[i] for i in range(start, 16)):
                continue
            status = str(level.get("tcbStatus", ""))
            claims.tcb_status = status
            claims.tcb["tcb_date"] = level.get("tcbDate")
            claims.tcb["advisories"] = level.get("advisoryIDs", [])
            checks.passed("tcb.level", f"TCB level {level.get('tcbDate')} status {status}")
            return
        claims.tcb_status = "NoMatchingLevel"
        checks.failed("tcb.level", f"no TCB level in TCB Info matches tee_tcb_svn {svn.hex()}")

    def _module_identity(self, quote: Quote, identities: list[Any], checks: CheckList) -> None:
        """TDX module version > 0: its identity and TCB level come from tdxModuleIdentities."""
        svn = quote.body.tee_tcb_svn
        wanted = f"TDX_{svn[1]:02d}"
        ident = next((i for i in identities if isinstance(i, dict) and i.get("id") == wanted), None)
        if ident is None:
            checks.failed("tdx_module.identity", f"no {wanted} in tdxModuleIdentities")
            return
        try:
            ok = bytes.fromhex(str(ident.get("mrsigner", ""))) == quote.body.mrsignerseam
            mask = int(str(ident.get("attributesMask", "0")), 16)
            seam = int.from_bytes(quote.body.seam_attributes, "big")
            ok = ok and (seam & mask) == int(str(ident.get("attributes", "0")), 16)
        except ValueError:
            ok = False
        levels = [
            lvl
            for lvl in ident.get("tcbLevels", [])
            if isinstance(lvl, dict) and svn[0] >= int(lvl.get("tcb", {}).get("isvsvn", 256))
        ]
        status = str(levels[0].get("tcbStatus")) if levels else "NoMatchingLevel"
        detail = f"{wanted} signer/attributes {'match' if ok else 'differ'}; module TCB {status}"
        checks.add(
            "tdx_module.identity",
            ok and status in ("UpToDate", "SWHardeningNeeded"),
            detail,
            detail,
        )

    def _qe_identity(
        self, quote: Quote, collateral: Collateral | None, now: dt.datetime, checks: CheckList
    ) -> None:
        if collateral is None or not collateral.qe_identities:
            checks.skipped("collateral.qe_identity", "QE identity not checked: none given")
            return
        _, raw, doc = collateral.qe_identities[0]
        if not self._signed_collateral(
            raw, "enclaveIdentity", collateral, now, checks, "collateral.qe_identity"
        ):
            return
        ident = doc["enclaveIdentity"]
        qe = quote.qe_report
        problems = [] if ident.get("id") == "TD_QE" else [f"identity id {ident.get('id')!r}"]
        if bytes.fromhex(str(ident.get("mrsigner", ""))) != qe.mrsigner:
            problems.append("mrsigner differs")
        if int(ident.get("isvprodid", -1)) != qe.isvprodid:
            problems.append("isvprodid differs")
        mask = int(str(ident.get("miscselectMask", "0")), 16)
        if qe.miscselect & mask != int(str(ident.get("miscselect", "0")), 16):
            problems.append("miscselect differs")
        amask = bytes.fromhex(str(ident.get("attributesMask", "")))
        want = bytes.fromhex(str(ident.get("attributes", "")))
        if (
            len(amask) != 16
            or bytes(a & m for a, m in zip(qe.attributes, amask, strict=True)) != want
        ):
            problems.append("attributes differ")
        levels = [
            lvl
            for lvl in ident.get("tcbLevels", [])
            if qe.isvsvn >= int(lvl.get("tcb", {}).get("isvsvn", 1 << 30))
        ]
        status = str(levels[0].get("tcbStatus")) if levels else "NoMatchingLevel"
        if status not in ("UpToDate", "SWHardeningNeeded"):
            problems.append(f"QE TCB status {status}")
        checks.add(
            "qe_identity",
            not problems,
            f"QE matches TD_QE identity (isvsvn {qe.isvsvn}, {status})",
            "; ".join(problems),
        )
