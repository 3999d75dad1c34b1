"""Azure confidential VMs (SEV-SNP and TDX) attested through the paravisor's vTPM.

The evidence is an HCL report (``HCLA`` header) that carries the hardware report (an SEV-SNP
report, or a TDX TD report whose signed counterpart is a separate TD quote) and a runtime-data
JSON whose hash the hardware report data holds. The JSON carries the vTPM attestation key
(``HCLAkPub``); that key signs a TPM2 quote over the PCRs and the verifier's nonce. Every byte is
either signed, hashed into something signed, a fixed header value, or zero padding; the one
exception is the TD report's MAC, which only the TDX module itself can check.

Accepted containers: the raw HCL report, and the JSON evidence of the Trustee attesters
(v0: byte lists; v1/v2: base64url HCL report and VCEK, hex TPM quote; ``td_quote`` for TDX).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from petgov.attestation.claims import Claims
from petgov.attestation.interface import (
    CheckList,
    EvidenceFormatError,
    EvidenceVerifier,
    VerifyInputs,
)

SIGNATURE = b"HCLA"
HEADER = 32
HW_REPORT_SIZE = 1184  # room for the larger of the SNP report (1184) and TD report (1024)
HCL_DATA = HEADER + HW_REPORT_SIZE
RUNTIME_DATA = HCL_DATA + 20
REQUEST_TYPE = 2
REPORT_TYPES = {2: "snp", 4: "tdx"}
HASH_TYPES = {1: "sha256", 2: "sha384", 3: "sha512"}
TD_REPORT_SIZE = 1024
SNP_UNSIGNED = (0x330, 0x4A0)

TPM_MAGIC = 0xFF544347
TPM_ST_ATTEST_QUOTE = 0x8018
TPM_ALG_SHA256 = 0x000B
MAX_RUNTIME = 64 << 10


@dataclass(frozen=True)
class HclReport:
    """The parsed HCL report; ``runtime_data`` is the exact JSON bytes that were hashed."""

    version: int
    report_type: str
    hw_report: bytes
    runtime_data: bytes
    hash_name: str

    @property
    def runtime_digest(self) -> bytes:
        return hashlib.new(self.hash_name, self.runtime_data).digest()


@dataclass(frozen=True)
class TpmQuote:
    """A TPM2 quote: the TPMS_ATTEST message, its signature and the PCR values it covers."""

    message: bytes
    signature: bytes
    pcrs: tuple[bytes, ...]
    extra_data: bytes = b""
    selected: tuple[int, ...] = ()
    pcr_digest: bytes = b""


@dataclass
class AzureEvidence:
    hcl: bytes
    quote: TpmQuote | None = None
    vcek: bytes | None = None
    td_quote: bytes | None = None
    container: str = "hcl"
    extra: dict[str, Any] = field(default_factory=dict)


def parse_hcl(data: bytes) -> HclReport:
    """Validate every header field and padding byte; raise EvidenceFormatError otherwise."""
    if data[:4] != SIGNATURE:
        raise EvidenceFormatError("not an Azure HCL report (no 'HCLA' header)")
    if len(data) < RUNTIME_DATA:
        raise EvidenceFormatError(f"HCL report is {len(data)} bytes: truncated")
    _, version, report_size, request_type, status, *reserved = struct.unpack_from("<8I", data, 0)
    data_size, data_version, report_type, hash_type, var_size = struct.unpack_from(
        "<5I", data, HCL_DATA
    )
    problems = []
    if version not in (1, 2):
        problems.append(f"header version {version}")
    if request_type != REQUEST_TYPE or status != 0 or any(reserved):
        problems.append(f"request type {request_type}, status {status}")
    if report_type not in REPORT_TYPES:
        problems.append(f"hardware report type {report_type}")
    if hash_type not in HASH_TYPES:
        problems.append(f"runtime data hash type {hash_type}")
    if data_version != 1 or data_size != 20 + var_size:
        problems.append(f"runtime data header (version {data_version}, size {data_size})")
    if report_size != RUNTIME_DATA + var_size or var_size > MAX_RUNTIME:
        problems.append(f"report size {report_size} for {var_size} bytes of runtime data")
    end = RUNTIME_DATA + var_size
    if end > len(data):
        problems.append("runtime data runs past the end")
    elif any(data[end:]):
        problems.append(
            f"{sum(1 for b in data[end:] if b)} non-zero byte(s) after the runtime data"
        )
    if problems:
        raise EvidenceFormatError(f"HCL report does not parse: {'; '.join(problems)}")
    hw = data[HEADER:HCL_DATA]
    kind = REPORT_TYPES[report_type]
    if kind == "tdx" and any(hw[TD_REPORT_SIZE:]):
        raise EvidenceFormatError("HCL report: non-zero bytes after the TD report")
    return HclReport(version, kind, hw, data[RUNTIME_DATA:end], HASH_TYPES[hash_type])


def parse_tpm_quote(message: bytes, signature: bytes, pcrs: tuple[bytes, ...]) -> TpmQuote:
    """Read TPMS_ATTEST (big-endian): magic, type, signer, extraData, clock, firmware, quote."""
    pos = 0

    def take(n: int, what: str) -> bytes:
        nonlocal pos
        if pos + n > len(message):
            raise EvidenceFormatError(f"TPM quote truncated reading {what}")
        out = message[pos : pos + n]
        pos += n
        return out

    def sized(what: str) -> bytes:
        return take(struct.unpack(">H", take(2, what))[0], what)

    magic, kind = struct.unpack(">IH", take(6, "header"))
    if magic != TPM_MAGIC or kind != TPM_ST_ATTEST_QUOTE:
        raise EvidenceFormatError(f"TPM message is not a quote (magic {magic:#x}, type {kind:#x})")
    sized("qualified signer")
    extra = sized("extra data")
    take(17 + 8, "clock and firmware version")
    (count,) = struct.unpack(">I", take(4, "PCR selection count"))
    if count != 1:
        raise EvidenceFormatError(f"TPM quote selects {count} PCR banks; one SHA-256 bank expected")
    alg, size = struct.unpack(">HB", take(3, "PCR selection"))
    bitmap = take(size, "PCR selection")
    if alg != TPM_ALG_SHA256:
        raise EvidenceFormatError(f"TPM quote PCR bank {alg:#x} is not SHA-256")
    digest = sized("PCR digest")
    if pos != len(message):
        raise EvidenceFormatError(f"{len(message) - pos} byte(s) after the TPM quote structure")
    selected = tuple(i for i in range(size * 8) if bitmap[i // 8] >> (i % 8) & 1)
    return TpmQuote(message, signature, pcrs, extra, selected, digest)


def _bytes(value: Any, what: str, text: str = "base64url") -> bytes:
    """A byte field as the attesters write it: a list of ints, hex, base64url or PEM text."""
    if isinstance(value, list):
        if not all(isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in value):
            raise EvidenceFormatError(f"{what} is not a list of bytes")
        return bytes(value)
    if not isinstance(value, str):
        raise EvidenceFormatError(f"{what} is missing or not text")
    if value.lstrip().startswith("-----BEGIN"):
        return value.encode()
    try:
        if text == "hex":
            return bytes.fromhex(value)
        compact = value.strip().rstrip("=").replace("+", "-").replace("/", "_")
        return base64.urlsafe_b64decode(compact + "=" * (-len(compact) % 4))
    except (ValueError, binascii.Error):
        raise EvidenceFormatError(f"{what} is not {text}") from None


def load_evidence(data: bytes) -> AzureEvidence:
    """The raw HCL report, or a Trustee evidence JSON (v0, v1, v2) around it."""
    if data[:4] == SIGNATURE:
        return AzureEvidence(hcl=data)
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise EvidenceFormatError(
            "Azure CVM evidence is neither an HCL report ('HCLA') nor evidence JSON",
            hint="pass the HCL report, or the attester's JSON with hcl_report and tpm_quote",
        ) from None
    if not isinstance(doc, dict):
        raise EvidenceFormatError("Azure CVM evidence JSON is not an object")
    version = doc.get("version", 0)
    hcl_raw = doc.get("hcl_report", doc.get("report"))
    quote_raw = doc.get("tpm_quote", doc.get("quote"))
    if hcl_raw is None:
        raise EvidenceFormatError("Azure CVM evidence JSON has no hcl_report")
    evidence = AzureEvidence(hcl=_bytes(hcl_raw, "hcl_report"), container=f"trustee-v{version}")
    if isinstance(quote_raw, dict):
        pcrs_raw = quote_raw.get("pcrs")
        if not isinstance(pcrs_raw, list):
            raise EvidenceFormatError("TPM quote has no pcrs list")
        pcrs = tuple(_bytes(p, "PCR value", "hex") for p in pcrs_raw)
        if any(len(p) != 32 for p in pcrs):
            raise EvidenceFormatError("a PCR value is not 32 bytes (SHA-256)")
        evidence.quote = parse_tpm_quote(
            _bytes(quote_raw.get("message"), "TPM quote message", "hex"),
            _bytes(quote_raw.get("signature"), "TPM quote signature", "hex"),
            pcrs,
        )
    elif quote_raw is not None:
        raise EvidenceFormatError("tpm_quote is not an object")
    if doc.get("vcek") is not None:
        evidence.vcek = _bytes(doc["vcek"], "vcek")
    if doc.get("td_quote") is not None:
        evidence.td_quote = _bytes(doc["td_quote"], "td_quote")
    return evidence


def runtime_json(hcl: HclReport) -> dict[str, Any]:
    try:
        doc = json.loads(hcl.runtime_data)
    except (ValueError, UnicodeDecodeError):
        raise EvidenceFormatError("HCL runtime data is not JSON") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
        raise EvidenceFormatError("HCL runtime data has no keys list")
    return doc


def attestation_key(runtime: dict[str, Any]) -> Any:
    """The vTPM attestation key (``HCLAkPub``, RSA) the runtime data publishes."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    for jwk in runtime["keys"]:
        if isinstance(jwk, dict) and jwk.get("kid") == "HCLAkPub" and jwk.get("kty") == "RSA":
            try:
                n = int.from_bytes(_bytes(jwk.get("n"), "HCLAkPub n"), "big")
                e = int.from_bytes(_bytes(jwk.get("e"), "HCLAkPub e"), "big")
                return rsa.RSAPublicNumbers(e, n).public_key()
            except ValueError:
                raise EvidenceFormatError("HCLAkPub is not a valid RSA key") from None
    raise EvidenceFormatError("HCL runtime data has no RSA HCLAkPub key")


class _AzureVtpmVerifier(EvidenceVerifier):
    """HCL report, runtime-data binding and TPM quote; the hardware part is per subclass."""

    hw_type = ""

    def verify(self, inputs: VerifyInputs, checks: CheckList) -> Claims:
        evidence = load_evidence(inputs.evidence)
        hcl = parse_hcl(evidence.hcl)
        if hcl.report_type != self.hw_type:
            raise EvidenceFormatError(
                f"this HCL report carries a {hcl.report_type.upper()} report",
                hint=f"use --type az-{hcl.report_type}-vtpm",
            )
        runtime = runtime_json(hcl)
        claims = self.hardware(hcl, evidence, inputs, checks)
        self._runtime(hcl, runtime, claims, checks)
        self._tpm(evidence.quote, runtime, claims, checks)
        claims.extra["container"] = evidence.container
        return claims

    def hardware(
        self, hcl: HclReport, evidence: AzureEvidence, inputs: VerifyInputs, checks: CheckList
    ) -> Claims:
        raise NotImplementedError

    def _runtime(
        self, hcl: HclReport, runtime: dict[str, Any], claims: Claims, checks: CheckList
    ) -> None:
        """The signed hardware report data must be the hash of the runtime JSON, zero-padded."""
        signed = claims.extra.get("hw_report_data")
        digest = hcl.runtime_digest
        expect = digest.ljust(64, b"\0")
        checks.add(
            "runtime_data",
            isinstance(signed, str) and bytes.fromhex(signed) == expect,
            f"hardware report data = {hcl.hash_name.upper()}(runtime data JSON)",
            f"hardware report data is not {hcl.hash_name.upper()}(runtime data JSON): "
            "the runtime data (vTPM key, user data) is not the one the TEE reported",
        )
        config = runtime.get("vm-configuration")
        if isinstance(config, dict):
            claims.secure_boot = (
                config.get("secure-boot") if isinstance(config.get("secure-boot"), bool) else None
            )
            claims.extra["vm_configuration"] = config
            claims.platform_id = str(config.get("vmUniqueId", "")) or claims.platform_id
        user = runtime.get("user-data")
        claims.report_data = None
        if isinstance(user, str):
            try:
                claims.report_data = bytes.fromhex(user)
            except ValueError:
                raise EvidenceFormatError("HCL runtime user-data is not hex") from None

    def _tpm(
        self, quote: TpmQuote | None, runtime: dict[str, Any], claims: Claims, checks: CheckList
    ) -> None:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import padding

        key = attestation_key(runtime)
        spki = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        claims.extra["attestation_key_spki_sha256"] = hashlib.sha256(spki).hexdigest()
        if quote is None:
            checks.skipped("tpm.quote", "no TPM quote in the evidence: PCRs and nonce unattested")
            return
        try:
            key.verify(quote.signature, quote.message, padding.PKCS1v15(), hashes.SHA256())
            ok = True
        except (InvalidSignature, ValueError):
            ok = False
        checks.add(
            "tpm.quote",
            ok,
            "TPM quote signed by the vTPM attestation key (HCLAkPub) of the runtime data",
            "TPM quote signature does not verify with the HCLAkPub of the runtime data",
        )
        if not ok:
            return
        missing = [i for i in quote.selected if i >= len(quote.pcrs)]
        values = b"".join(quote.pcrs[i] for i in quote.selected if i < len(quote.pcrs))
        good = not missing and hashlib.sha256(values).digest() == quote.pcr_digest
        checks.add(
            "tpm.pcrs",
            good,
            f"PCR values match the quoted digest ({len(quote.selected)} PCRs)",
            "PCR values in the evidence do not hash to the quoted PCR digest"
            + (f" (PCRs {missing} missing)" if missing else ""),
        )
        claims.nonce = quote.extra_data
        if good:
            for i in quote.selected:
                claims.measurements[f"pcr{i}"] = quote.pcrs[i].hex()


class AzureSnpVtpmVerifier(_AzureVtpmVerifier):
    """Azure SEV-SNP CVM: the SNP report inside the HCL report, VCEK chain to the pinned ARK."""

    type_name = "az-snp-vtpm"
    hw_type = "snp"

    def hardware(
        self, hcl: HclReport, evidence: AzureEvidence, inputs: VerifyInputs, checks: CheckList
    ) -> Claims:
        from dataclasses import replace

        from petgov.attestation.sevsnp import REPORT_SIZE, SevSnpVerifier

        report = hcl.hw_report[:REPORT_SIZE]
        certs = (*inputs.certs, *((evidence.vcek,) if evidence.vcek else ()))
        inner = replace(inputs, evidence=report, certs=certs)
        claims = SevSnpVerifier().verify(inner, checks)
        claims.evidence_type = self.type_name
        claims.tee_type = "azure-cvm/sev-snp"
        claims.extra["hw_report_data"] = (claims.report_data or b"").hex()
        vmpl = claims.extra.get("vmpl")
        checks.add(
            "hcl.vmpl",
            vmpl == 0,
            "SNP report from VMPL 0 (the paravisor)",
            f"SNP report from VMPL {vmpl}: not the paravisor's",
        )
        return claims


class AzureTdxVtpmVerifier(_AzureVtpmVerifier):
    """Azure TDX CVM: the TD quote (Intel chain) must match the TD report in the HCL report."""

    type_name = "az-tdx-vtpm"
    hw_type = "tdx"

    def hardware(
        self, hcl: HclReport, evidence: AzureEvidence, inputs: VerifyInputs, checks: CheckList
    ) -> Claims:
        from dataclasses import replace

        from petgov.attestation.tdx import TdxVerifier
        from petgov.attestation.tdx import parse as parse_quote

        if evidence.td_quote is None:
            raise EvidenceFormatError(
                "Azure TDX evidence has no td_quote: the TD report alone is not signed",
                hint="pass the attester's JSON with hcl_report, tpm_quote and td_quote",
            )
        claims = TdxVerifier().verify(replace(inputs, evidence=evidence.td_quote), checks)
        quote = parse_quote(evidence.td_quote)
        claims.evidence_type = self.type_name
        claims.tee_type = "azure-cvm/tdx"
        claims.extra["hw_report_data"] = (claims.report_data or b"").hex()
        problems = td_report_mismatches(hcl.hw_report[:TD_REPORT_SIZE], quote)
        checks.add(
            "hcl.td_report",
            not problems,
            "TD report in the HCL report matches the signed TD quote",
            "TD report in the HCL report differs from the TD quote: " + ", ".join(problems),
        )
        return claims


def td_report_mismatches(report: bytes, quote: Any) -> list[str]:
    """Compare the HCL's TDREPORT with the quote's signed body, field by field.

    TDREPORT = REPORTMACSTRUCT (256) | TEE_TCB_INFO (239 + 17 reserved) | TDINFO (512). The two
    hashes in the MAC struct must match the structures they cover; the MAC itself can only be
    checked by the TDX module.
    """
    mac, tcb, info = report[:256], report[256:512], report[512:1024]
    body = quote.body
    fields = {
        "report type": mac[0:4] == b"\x81\x00\x00\x00" or mac[0:4] == b"\x81\x00\x01\x00",
        "reserved": not any(mac[4:16]) and not any(mac[192:224]) and not any(tcb[239:]),
        "cpusvn": mac[16:32] == quote.qe_report.cpusvn,
        "tee_tcb_info_hash": hashlib.sha384(tcb[:239]).digest() == mac[32:80],
        "tee_info_hash": hashlib.sha384(info).digest() == mac[80:128],
        "report_data": mac[128:192] == body.report_data,
        "tee_tcb_svn": tcb[8:24] == body.tee_tcb_svn,
        "mrseam": tcb[24:72] == body.mrseam,
        "mrsignerseam": tcb[72:120] == body.mrsignerseam,
        "seam_attributes": tcb[120:128] == body.seam_attributes,
        "td_attributes": int.from_bytes(info[0:8], "little") == body.td_attributes,
        "xfam": info[8:16] == body.xfam,
        "mrtd": info[16:64] == body.mrtd,
        "mrconfigid": info[64:112] == body.mrconfigid,
        "mrowner": info[112:160] == body.mrowner,
        "mrownerconfig": info[160:208] == body.mrownerconfig,
        "rtmrs": info[208:400] == b"".join(body.rtmrs),
    }
    return [name for name, ok in fields.items() if not ok]
