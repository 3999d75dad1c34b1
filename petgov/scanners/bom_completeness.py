"""The ``bom`` target scanner: model-card facts, BOM completeness and what a BOM would lack.

It reads only the small metadata files at the top of a model folder (README.md, config.json,
...) and the first bytes of small files (to spot Git-LFS pointers standing in for weights). The
facts it records (``modelcard.*``, ``config.*``, ``bom.completeness``) let policy rules gate on
BOM completeness; ``petgov.bom.api`` builds the BOM itself from the same Report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov import modelcard
from petgov.bom.completeness import score
from petgov.bom.info import gather, relative
from petgov.catalog import finding
from petgov.model import Finding
from petgov.scanners.interface import Entry, PostScanner, ScanContext, ScanResult

ENGINE = "bom"
DEFAULT_MIN_COMPLETENESS = 50
LFS_POINTER_MAX = 1024  # real pointers are ~130 bytes


class BomScanner(PostScanner):
    """Model-card facts and the completeness score of the target's AI-BOM.

    A post scanner: the score counts the ``license.*`` facts the licenses scanner recorded, so it
    runs after it (and sees no license when that scanner is not enabled).
    """

    name = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset(
        {"bom.completeness_low", "bom.lfs_pointer", "bom.card_invalid"}
    )
    version = "1"

    def scan_post(self, ctx: ScanContext, result: ScanResult) -> ScanResult:
        out = ScanResult()
        if ctx.target is None:
            return out
        target = ctx.target.target
        files: dict[str, bytes] = {}
        lfs: dict[str, str] = {}  # name in the target -> the item's path
        names = modelcard.folder_names(target, [e.item for e in ctx.entries])
        for entry in ctx.entries:
            rel = relative(entry.item.path, target)
            name = names.get(entry.item.path)
            if name is not None and modelcard.metadata_name(name):
                files[name] = _read(entry, modelcard.MAX_CARD_BYTES)
                out.scanned(entry.item.path, ENGINE, "model metadata")
            elif entry.item.size <= LFS_POINTER_MAX and modelcard.is_lfs_pointer(_read(entry, 64)):
                lfs[rel] = entry.item.path
        facts: dict[str, Any] = modelcard.card_facts(files)
        if lfs:
            facts["bom.lfs_pointers"] = sorted(lfs)
        licenses = {k: v for k, v in result.facts.get("", {}).items() if k.startswith("license.")}
        info = gather(target, [e.item for e in ctx.entries], {"": {**facts, **licenses}})
        # Digests still being computed in the background count, as `petgov bom` will see them.
        pending = {e.item.path for e in ctx.entries if e.digest_pending}
        info.files = [
            dataclasses.replace(f, digest_pending=True) if f.path in pending else f
            for f in info.files
        ]
        scored = score(info)
        facts["bom.completeness"] = scored.value
        facts["bom.missing"] = scored.missing
        facts["bom.model_target"] = is_model_target(facts, ctx.entries)
        out.facts[""] = facts
        out.findings.extend(_findings(target, facts, scored.value, scored.missing, ctx))
        out.findings.extend(_lfs_findings(lfs))
        return out


WEIGHT_FORMATS = F.CODE_BEARING | F.WEIGHT_DATA
MODEL_CARD_KEYS = ("base_model", "library_name", "pipeline_tag", "model_name", "eval_results")


def is_model_target(facts: dict[str, Any], entries: Sequence[Entry]) -> bool:
    """A target that presents itself as a model: a transformers config, an adapter, weights
    behind LFS pointers, a card with model metadata, or a card next to weights. A dataset
    folder with a README, a code repo or a lone pickle is not asked for a model's BOM fields."""
    if any(facts.get(k) for k in ("config.model_type", "config.architectures")):
        return True
    if facts.get("adapter.base_model") or facts.get("bom.lfs_pointers"):
        return True
    if any(facts.get(f"modelcard.{k}") for k in MODEL_CARD_KEYS):
        return True
    return bool(facts.get("modelcard.present")) and any(
        e.item.format in WEIGHT_FORMATS for e in entries
    )


def _read(entry: Entry, limit: int) -> bytes:
    return entry.source.read_head(limit)


def _findings(
    target: str, facts: dict[str, Any], value: int, missing: list[str], ctx: ScanContext
) -> list[Finding]:
    found: list[Finding] = []
    # A missing license is the license scanner's finding; it still lowers the score.
    # Completeness findings only for targets that present themselves as a model
    # (is_model_target): a lone pickle or a dataset is not asked for a card.
    is_model = bool(facts.get("bom.model_target"))
    floor = DEFAULT_MIN_COMPLETENESS  # a room's own floor is its min_bom_completeness gate
    if is_model and value < floor:
        found.append(
            finding(
                "bom.completeness_low",
                target,
                f"AI-BOM completeness {value}/100 is below {floor}; missing: {', '.join(missing)}",
                engine=ENGINE,
                evidence={"completeness": value, "threshold": floor, "missing": missing},
            )
        )
    error = facts.get("modelcard.error")
    if isinstance(error, str):
        found.append(
            finding(
                "bom.card_invalid",
                target,
                f"the README.md YAML front-matter could not be read: {error}",
                engine=ENGINE,
            )
        )
    return found


def _lfs_findings(lfs: dict[str, str]) -> list[Finding]:
    """One finding per Git-LFS pointer, at the pointer's own path (not ``./`` + name, D-m10)."""
    return [
        finding(
            "bom.lfs_pointer",
            path,
            f"{rel} is a Git-LFS pointer, not the file it names; the weights were never "
            "fetched, so neither they nor their hash are in the AI-BOM",
            engine=ENGINE,
        )
        for rel, path in sorted(lfs.items())
    ]
