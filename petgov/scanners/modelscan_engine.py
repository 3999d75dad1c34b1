"""modelscan as a serialization engine, dispatched by petgov's content sniffing.

modelscan picks its scanners by file extension, so each entry is shown to it under a temporary
name whose extension matches the *sniffed* format (a link to the file when it is on disk, a
temp copy for in-memory archive members). Its skips and its errors become 'not scanned'
coverage: modelscan prints "No issues found" when its own parser crashes, petgov does not.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Finding, Severity
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "modelscan"

# Sniffed format -> the file name modelscan must see to pick the right scanner.
EXTENSION_FOR = {
    F.PICKLE: "data.pkl",
    F.JOBLIB: "model.joblib",
    F.PYTORCH_ZIP: "model.pt",
    F.PYTORCH_LEGACY: "model.pt",
    F.NUMPY_NPY: "array.npy",
    F.NUMPY_NPZ: "arrays.npz",
    F.HDF5: "model.h5",
    F.KERAS_ZIP: "model.keras",
    F.SAVEDMODEL: "saved_model.pb",
}

_SEVERITY = {
    "CRITICAL": Severity.CRITICAL,
    "HIGH": Severity.HIGH,
    "MEDIUM": Severity.MEDIUM,
    "LOW": Severity.LOW,
}


class ModelscanScanner(ItemScanner):
    """Runs modelscan on every entry whose sniffed format it can read."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.modelscan"})

    # Formats petgov's own engines cover; modelscan then runs only under --cross-check.
    covered_elsewhere: ClassVar[frozenset[str]] = frozenset(
        {
            F.PICKLE,
            F.JOBLIB,
            F.PYTORCH_ZIP,
            F.PYTORCH_LEGACY,
            F.NUMPY_NPY,
            F.NUMPY_NPZ,
            F.SAVEDMODEL,
            F.HDF5,
            F.KERAS_ZIP,
        }
    )

    def engine_version(self) -> str:
        from petgov.util.distversion import version  # importing modelscan costs ~10 ms

        return version("modelscan")

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        fmt = entry.item.format
        if fmt not in EXTENSION_FOR:
            return False
        return ctx.cross_check or fmt not in self.covered_elsewhere

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        import tempfile

        from modelscan.modelscan import ModelScan
        from modelscan.settings import DEFAULT_SETTINGS

        out = ScanResult()
        path = entry.item.path
        with tempfile.TemporaryDirectory(prefix="petgov-ms-") as tmp:
            shown = Path(tmp) / EXTENSION_FOR[entry.item.format]
            local = entry.source.local_path
            if local is not None:
                os.symlink(local.resolve(), shown)
            else:
                with entry.source.open() as src, open(shown, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            result: dict[str, Any] = ModelScan(settings=DEFAULT_SETTINGS).scan(shown)
        for issue in result.get("issues", []):
            out.findings.append(_issue_finding(issue, path))
        errors = result.get("errors", [])
        skipped = result.get("summary", {}).get("skipped", {}).get("skipped_files", [])
        if errors:
            reason = "; ".join(str(e.get("description", e))[:160] for e in errors[:3])
            out.not_scanned(path, ENGINE, f"modelscan error: {reason}", error=True)
        elif skipped and not result.get("issues"):
            reason = "; ".join(str(s.get("description", ""))[:160] for s in skipped[:3])
            out.not_scanned(path, ENGINE, f"modelscan skipped: {reason}")
        else:
            out.scanned(path, ENGINE)
        return out


def _issue_finding(issue: dict[str, Any], path: str) -> Finding:
    module = str(issue.get("module", ""))
    operator = str(issue.get("operator", ""))
    severity = _SEVERITY.get(str(issue.get("severity", "")).upper(), Severity.HIGH)
    if operator == "Lambda" and severity < Severity.HIGH:
        severity = Severity.HIGH  # a Keras Lambda layer runs (possibly marshalled) code on load
    return finding(
        "ser.modelscan",
        path,
        f"modelscan: use of unsafe operator '{operator}' from module '{module}'",
        engine=ENGINE,
        evidence={"module": module, "operator": operator, "scanner": issue.get("scanner", "")},
        severity=severity,
    )
