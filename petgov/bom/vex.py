"""A CycloneDX VEX document for the OSV vulnerabilities of an AI-BOM (``petgov bom --vex``).

VEX travels separately from the BOM because vulnerability knowledge changes faster than the
inventory: the BOM is signed and kept, the VEX is re-issued. Each vulnerability points at the
BOM's components through BOM-Links (``urn:cdx:<serial>/<version>#<bom-ref>``) and says how far
petgov analysed it: a match by version range is ``in_triage`` (petgov does not know whether the
vulnerable code is reachable), a known malicious package is ``exploitable`` (installing it runs
the attacker's code). petgov's own findings stay in the BOM; they are not vulnerabilities in
the VEX sense.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

JSONDict = dict[str, Any]
OSV_SOURCE = "OSV"
# RFC 3986 f-component characters kept as they are; anything else ('#', spaces) is escaped.
FRAGMENT_SAFE = "/?:@!$&'()*+,;=-._~"


def bom_link(serial: str, version: int, ref: str) -> str:
    """The BOM-Link of element ``ref`` in the BOM with ``serial`` (``urn:uuid:...``)."""
    return f"urn:cdx:{serial.removeprefix('urn:uuid:')}/{version}#{quote(ref, safe=FRAGMENT_SAFE)}"


def document(bom: Mapping[str, Any], *, reproducible: bool = False) -> JSONDict:
    """The VEX of ``bom`` (a built, validated BOM dict); validate it before writing."""
    serial = str(bom["serialNumber"])
    version = int(bom.get("version", 1))
    vulns = []
    for vuln in bom.get("vulnerabilities", []):
        if vuln.get("source", {}).get("name") != OSV_SOURCE:
            continue
        entry = {
            k: vuln[k]
            for k in (
                "bom-ref",
                "id",
                "source",
                "references",
                "ratings",
                "cwes",
                "description",
                "recommendation",
            )
            if k in vuln
        }
        entry["analysis"] = _analysis(vuln)
        entry["affects"] = [
            {**target, "ref": bom_link(serial, version, str(target["ref"]))}
            for target in vuln.get("affects", [])
        ]
        vulns.append(entry)
    own = (
        uuid.uuid5(uuid.NAMESPACE_URL, f"https://petgov.dev/vex/{serial}")
        if reproducible
        else uuid.uuid4()
    )
    metadata = {k: bom["metadata"][k] for k in ("timestamp", "tools") if k in bom["metadata"]}
    return {
        "bomFormat": "CycloneDX",
        "specVersion": bom["specVersion"],
        "serialNumber": own.urn,
        "version": 1,
        "metadata": metadata,
        "vulnerabilities": vulns,
    }


def write(bom: Mapping[str, Any], path: Path, *, reproducible: bool = False) -> JSONDict:
    """Build, validate (same checks as the BOM) and atomically write the VEX of ``bom``."""
    from petgov.bom import validate
    from petgov.bom.builder import render
    from petgov.errors import OutputError
    from petgov.util.atomic import write_text_atomic

    doc = document(bom, reproducible=reproducible)
    validate.check(doc, str(doc["specVersion"]))
    try:
        write_text_atomic(path, render(doc))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return doc


def _analysis(vuln: Mapping[str, Any]) -> JSONDict:
    malicious = any(
        p.get("name") == "petgov:malicious" and p.get("value") == "true"
        for p in vuln.get("properties", [])
    )
    if malicious:
        return {
            "state": "exploitable",
            "detail": "known malicious package (OSV MAL- entry): installing it runs its code",
        }
    return {
        "state": "in_triage",
        "detail": "matched by version against the offline OSV store; whether the vulnerable "
        "code is reachable was not analysed",
    }
