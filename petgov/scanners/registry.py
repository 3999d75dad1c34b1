"""The one list of scanners. A new scanner is one module plus one line here.

Entries are import paths so that ``petgov --help`` imports none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence

from petgov.scanners.interface import Scanner

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
    loaded = [load(p) for p in SCANNERS]
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
