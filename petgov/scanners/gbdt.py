"""XGBoost and LightGBM native model files: data formats whose loaders trust the indices.

Nothing in these files is called on load, so a well-formed model is silent; what is judged is
the structure a C++ loader indexes with (child and split-feature arrays, categorical thresholds,
UBJSON counts). Out-of-range values are memory-safety attacks on the loader (high); other damage
is medium, as for every header format.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, ClassVar

from petgov import filetypes as F
from petgov.formats.gbdt import (
    GbdtModel,
    read_lightgbm_text,
    read_xgboost_binary,
    read_xgboost_json,
    read_xgboost_ubj,
)
from petgov.scanners.format_findings import MalformedRule, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "gbdt"
READERS: dict[str, tuple[Callable[[IO[bytes], int], GbdtModel], str]] = {
    F.XGBOOST_JSON: (read_xgboost_json, "XGBoost JSON"),
    F.XGBOOST_UBJ: (read_xgboost_ubj, "XGBoost UBJSON"),
    F.XGBOOST_BINARY: (read_xgboost_binary, "XGBoost legacy binary"),
    F.LIGHTGBM_TEXT: (read_lightgbm_text, "LightGBM text model"),
}


class GbdtScanner(ItemScanner):
    """Checks a gradient-boosted tree model's index arrays the way its loader uses them."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.gbdt_malformed"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format in READERS

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        reader, label = READERS[entry.item.format]
        rule = MalformedRule(ENGINE, "ser.gbdt_malformed", label)
        model = read_structure(entry, reader, rule, out, what="model")
        if model is None:
            return out
        detail = f"{label}: {model.trees} trees"
        if model.encoding == "binary":
            detail = f"{label}: header read, trees of the legacy layout not judged"
        out.scanned(path, ENGINE, detail)
        out.facts[path] = {
            "gbdt.library": model.library,
            "gbdt.encoding": model.encoding,
            "gbdt.trees": model.trees,
            "gbdt.features": model.features,
            "gbdt.objective": model.objective,
            "gbdt.version": model.version,
        }
        return out
