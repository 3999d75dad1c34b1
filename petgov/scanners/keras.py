"""Keras ``.keras`` zips and HDF5 models: Lambda layers, modules outside Keras, custom objects.

The config is the loader's program: modules it imports, functions it looks up and Lambda
bytecode it unmarshals. It is read as JSON (HDF5: the ``model_config`` attribute via h5py);
Keras is never imported and the model never loaded.
"""

from __future__ import annotations

from typing import IO, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.formats import seekable
from petgov.formats.keras import (
    KerasConfig,
    KerasHit,
    inspect_config,
    read_h5_config,
    read_keras_zip,
)
from petgov.model import Finding, Severity
from petgov.scanners.format_findings import MalformedRule, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult

ENGINE = "keras"
KINDS = {
    "lambda": "ser.keras_lambda",
    "module": "ser.keras_module",
    "custom_object": "ser.keras_custom_object",
    "external_file": "ser.keras_external_file",
}
MALFORMED_ZIP = MalformedRule(ENGINE, "ser.keras_malformed", "Keras")
MALFORMED_H5 = MalformedRule(ENGINE, "ser.keras_malformed", "Keras HDF5")


class KerasScanner(ItemScanner):
    """Judges the model config a Keras loader would follow, for zips and HDF5 alike."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            "ser.keras_lambda",
            "ser.keras_module",
            "ser.keras_custom_object",
            "ser.keras_malformed",
            "ser.keras_external_file",
        }
    )

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format in (F.KERAS_ZIP, F.HDF5)

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        zipped = entry.item.format == F.KERAS_ZIP
        reader = read_keras_zip if zipped else read_h5_config

        def parse(raw: IO[bytes], _size: int) -> KerasConfig | None:
            with seekable(raw) as fh:  # zip and HDF5 readers seek; archive members may not
                return reader(fh)

        rule = MALFORMED_ZIP if zipped else MALFORMED_H5
        cfg = read_structure(entry, parse, rule, out, what="config")
        if cfg is None:
            if not out.coverage:  # read fine (a failure records coverage): no model config in it
                out.scanned(path, ENGINE, "HDF5 without a Keras model_config (weights/data only)")
            return out
        hits = inspect_config(cfg)
        out.findings.extend(_hit_finding(hit, path) for hit in _dedupe(hits)[:50])
        out.scanned(path, ENGINE, f"{cfg.source} read")
        out.facts[path] = {
            "keras.config_source": cfg.source,
            "keras.version": cfg.keras_version or None,
            "keras.lambda_layers": sum(1 for h in hits if h.code == "lambda"),
        }
        return out


def _dedupe(hits: list[KerasHit]) -> list[KerasHit]:
    seen: set[tuple[str, str]] = set()
    out = []
    for hit in hits:
        key = (hit.code, hit.name)
        if hit.code != "lambda" and key in seen:
            continue
        seen.add(key)
        out.append(hit)
    return out


def _hit_finding(hit: KerasHit, path: str) -> Finding:
    return finding(
        KINDS[hit.code],
        path,
        hit.message,
        engine=ENGINE,
        location={"json_path": hit.where[:300]},
        evidence={"construct": hit.code, "name": hit.name[:200]},
        severity=Severity.parse(hit.severity),
    )
