"""``petgov attest fetch-collateral``: the one attestation command that uses the network.

It runs only with ``--online`` (petgov is offline unless a flag says otherwise) and fetches, for
the platform the evidence names, what ``--collateral`` and ``--certs`` later read offline: Intel
PCS TDX TCB Info, QE Identity, their signing chain and the CRLs; AMD KDS VCEK, chain and CRL.
Nothing fetched is trusted for being fetched: ``attest verify`` checks every signature against
the pinned roots. Files are written to a temp name and renamed, so a refresh never leaves a
half-written collateral folder.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from petgov.attestation.interface import AttestationInputError
from petgov.errors import UsageError

PCS = "https://api.trustedservices.intel.com"
INTEL_ROOT_CRL = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"
KDS = "https://kdsintf.amd.com"
TIMEOUT = 30
MAX_BODY = 4 << 20


@dataclass(frozen=True)
class Fetched:
    name: str
    url: str
    size: int
    data: bytes = field(repr=False, default=b"")


def _get(url: str) -> tuple[bytes, dict[str, str]]:
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "petgov"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            body = response.read(MAX_BODY + 1)
            headers = {k.lower(): v for k, v in response.headers.items()}
    except urllib.error.HTTPError as exc:
        raise AttestationInputError(
            f"{url}: HTTP {exc.code}", hint="check the platform id; the service may rate-limit"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AttestationInputError(f"{url}: cannot fetch: {reason}") from None
    if len(body) > MAX_BODY:
        raise AttestationInputError(f"{url}: response larger than 4 MiB")
    return body, headers


def _write(folder: Path, name: str, data: bytes, url: str, out: list[Fetched]) -> None:
    out.append(Fetched(name, url, len(data), data))


def _commit(folder: Path, fetched: list[Fetched]) -> list[Fetched]:
    """Write only once everything arrived: a failed refresh leaves the old folder as it was."""
    from petgov.util.atomic import atomic_open

    for item in fetched:
        with atomic_open(folder / item.name) as handle:
            handle.write(item.data)
    return fetched


def fetch_tdx(
    quote_bytes: bytes, folder: Path, pcs: str = PCS, root_crl: str = INTEL_ROOT_CRL
) -> list[Fetched]:
    """TCB Info and QE Identity (with their issuer chain), PCK CRL and root CRL for a quote."""
    from petgov.attestation import pki
    from petgov.attestation.tdx import parse, pck_info

    quote = parse(quote_bytes)
    chain = pki.load_certificates(quote.pck_chain_pem, "PCK chain in the quote")
    fmspc = pck_info(chain[0]).fmspc
    ca = "processor" if "Processor" in pki.name_cn(chain[0].issuer) else "platform"
    out: list[Fetched] = []
    url = f"{pcs}/tdx/certification/v4/tcb?fmspc={fmspc}"
    body, headers = _get(url)
    issuer_chain = urllib.parse.unquote(headers.get("tcb-info-issuer-chain", ""))
    if "BEGIN CERTIFICATE" not in issuer_chain:
        raise AttestationInputError(f"{url}: no TCB-Info-Issuer-Chain header in the response")
    _write(folder, f"tcbinfo_{fmspc}.json", body, url, out)
    _write(folder, "tcb_signing_chain.pem", issuer_chain.encode(), url, out)
    url = f"{pcs}/tdx/certification/v4/qe/identity"
    body, _ = _get(url)
    _write(folder, "qe_identity.json", body, url, out)
    url = f"{pcs}/sgx/certification/v4/pckcrl?ca={ca}&encoding=der"
    body, _ = _get(url)
    _write(folder, f"pckcrl_{ca}.der", body, url, out)
    body, _ = _get(root_crl)
    _write(folder, "rootcrl.der", body, root_crl, out)
    return _commit(folder, out)


def fetch_snp(
    report_bytes: bytes, folder: Path, kds: str = KDS, product: str | None = None
) -> list[Fetched]:
    """The VCEK for the report's chip and reported TCB, the product's chain and its CRL."""
    from petgov.attestation.sevsnp import parse, split_extended, tcb_parts

    raw, _ = split_extended(report_bytes)
    report = parse(raw)
    if report.signing_key != 0:
        raise UsageError(
            "the report is VLEK-signed: VLEKs are provisioned to the cloud, not fetched"
        )
    family = product or {0x19: None, 0x1A: "turin"}.get(report.cpuid_fam_id or 0)
    if family is None:
        raise UsageError(
            "cannot tell Milan from Genoa from a v2 report", hint="pass --product milan|genoa|turin"
        )
    name = family.capitalize()
    tcb = tcb_parts(report.reported_tcb, family)
    chip = report.chip_id.hex() if family != "turin" else report.chip_id[:8].hex()
    query = (
        f"blSPL={tcb['bootloader']}&teeSPL={tcb['tee']}&snpSPL={tcb['snp']}"
        f"&ucodeSPL={tcb['microcode']}" + (f"&fmcSPL={tcb['fmc']}" if "fmc" in tcb else "")
    )
    out: list[Fetched] = []
    url = f"{kds}/vcek/v1/{name}/{chip}?{query}"
    body, _ = _get(url)
    _write(folder, f"vcek_{chip[:16]}.der", body, url, out)
    url = f"{kds}/vcek/v1/{name}/cert_chain"
    body, _ = _get(url)
    _write(folder, f"ask_ark_{family}.pem", body, url, out)
    url = f"{kds}/vcek/v1/{name}/crl"
    body, _ = _get(url)
    _write(folder, f"amd_{family}.crl", body, url, out)
    return _commit(folder, out)
