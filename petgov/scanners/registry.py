"""The one list of scanners. A new scanner is one module plus one line here.

Entries are import paths so that ``petgov --help`` imports none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import ClassVar

from petgov import filetypes as F
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, Scanner, ScanResult

SCANNERS: tuple[str, ...] = (
    "petgov.scanners.pickle_scanner:PickleScanner",
    "petgov.scanners.savedmodel:SavedModelScanner",
    "petgov.scanners.safetensors:SafetensorsScanner",
    "petgov.scanners.gguf:GGUFScanner",
    "petgov.scanners.onnx:OnnxScanner",
    "petgov.scanners.keras:KerasScanner",
    "petgov.scanners.gbdt:GbdtScanner",
    "petgov.scanners.skops:SkopsScanner",
    "petgov.scanners.llamafile:LlamafileScanner",
    "petgov.scanners.tflite:TfliteScanner",
    "petgov.scanners.flax_msgpack:FlaxMsgpackScanner",
    "petgov.scanners.hydra_config:HydraConfigScanner",
    "petgov.scanners.torchscript_code:TorchScriptCodeScanner",
    "petgov.scanners.modelscan_engine:ModelscanScanner",
    "petgov.scanners.pii:PiiScanner",
    "petgov.scanners.remote_code:RemoteCodeScanner",
    "petgov.scanners.licenses:LicenseScanner",
    "petgov.scanners.secrets:SecretsScanner",
    "petgov.scanners.dependencies:DependencyScanner",
    "petgov.scanners.provenance:ProvenanceScanner",
    "petgov.scanners.bom_completeness:BomScanner",
    "petgov.scanners.shadow_ai:ShadowAiScanner",
)


# Pipeline stages that emit findings of their own (before any scanner runs): module:KINDS.
STAGE_KINDS: tuple[str, ...] = (
    "petgov.targets.archive:KINDS",
    "petgov.targets.local:KINDS",
    "petgov.targets.hf:KINDS",
    "petgov.scanners.coverage_gate:KINDS",
)


# Item scanners that examine only items of these formats, and what the pipeline and the report
# read of them before that (name, version, cacheable, judges_code): imported when a target
# holds such an item (~20 ms for all of them). A test keeps this equal to the classes.
FORMAT_GATED: dict[str, tuple[frozenset[str], str, str, bool, bool]] = {
    "petgov.scanners.savedmodel:SavedModelScanner": (
        frozenset({F.SAVEDMODEL}), "savedmodel", "1", True, True,
    ),
    "petgov.scanners.safetensors:SafetensorsScanner": (
        frozenset({F.SAFETENSORS}), "safetensors", "1", True, False,
    ),
    "petgov.scanners.gguf:GGUFScanner": (frozenset({F.GGUF}), "gguf", "1", True, True),
    "petgov.scanners.onnx:OnnxScanner": (frozenset({F.ONNX}), "onnx", "1", False, True),
    "petgov.scanners.keras:KerasScanner": (
        frozenset({F.KERAS_ZIP, F.HDF5}), "keras", "1", True, True,
    ),
    "petgov.scanners.skops:SkopsScanner": (frozenset({F.SKOPS}), "skops", "1", True, True),
    "petgov.scanners.llamafile:LlamafileScanner": (
        frozenset({F.LLAMAFILE}), "llamafile", "1", True, True,
    ),
    "petgov.scanners.tflite:TfliteScanner": (frozenset({F.TFLITE}), "tflite", "1", True, False),
    "petgov.scanners.flax_msgpack:FlaxMsgpackScanner": (
        frozenset({F.FLAX_MSGPACK}), "flax", "1", True, False,
    ),
    "petgov.scanners.gbdt:GbdtScanner": (
        frozenset({F.XGBOOST_JSON, F.XGBOOST_UBJ, F.XGBOOST_BINARY, F.LIGHTGBM_TEXT}),
        "gbdt", "1", True, False,
    ),
    "petgov.scanners.hydra_config:HydraConfigScanner": (
        frozenset({F.YAML}), "hydra", "1", True, True,
    ),
}  # fmt: skip


class _Deferred(ItemScanner):
    """Stands for a format-gated item scanner until an item of its formats comes up."""

    path: ClassVar[str]
    formats: ClassVar[frozenset[str]]

    def __init__(self) -> None:
        self._real: ItemScanner | None = None

    def real(self) -> ItemScanner:
        if self._real is None:
            scanner = load(self.path)
            assert isinstance(scanner, ItemScanner)
            self._real = scanner
        return self._real

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format in self.formats and self.real().applies_to(entry, ctx)

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        return self.real().scan(entry, ctx)


def _deferred(path: str) -> Scanner:
    formats, name, version, cacheable, judges_code = FORMAT_GATED[path]
    attrs: dict[str, object] = {"path": path, "formats": formats, "name": name}
    attrs |= {"version": version, "cacheable": cacheable, "judges_code": judges_code}
    cls = type(f"Deferred_{name}", (_Deferred,), attrs)
    scanner: Scanner = cls()
    return scanner


def load(path: str) -> Scanner:
    """Instantiate the scanner class named by ``module:Class``."""
    module_name, _, class_name = path.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    scanner = cls()
    if not isinstance(scanner, Scanner):
        raise TypeError(f"{path} is not a Scanner")
    return scanner


def all_scanners(names: Sequence[str] | None = None) -> list[Scanner]:
    """Every default scanner, or exactly those named (a name is the report's engine string)."""
    loaded = [_deferred(p) if p in FORMAT_GATED else load(p) for p in SCANNERS]
    if names:
        wanted = set(names)
        unknown = sorted(wanted - {s.name for s in loaded})
        if unknown:
            from petgov.errors import UsageError

            raise UsageError(
                f"unknown scanner {', '.join(unknown)}",
                hint=f"choose from {', '.join(s.name for s in loaded)}",
            )
        return [s for s in loaded if s.name in wanted]
    return [s for s in loaded if s.default_enabled]


def declared_kinds() -> dict[str, list[str]]:
    """{finding kind: the scanners and stages that declare they emit it}."""
    out: dict[str, list[str]] = {}
    for scanner in (load(p) for p in SCANNERS):
        for kind in scanner.kinds:
            out.setdefault(kind, []).append(scanner.name)
    for path in STAGE_KINDS:
        module_name, _, attr = path.partition(":")
        for kind in getattr(importlib.import_module(module_name), attr):
            out.setdefault(kind, []).append(module_name)
    return out
