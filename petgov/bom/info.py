"""What the Report says about one target, gathered once for the BOM and the completeness score.

Everything here comes from items (paths, sizes, sha256), findings and facts other stages
recorded; nothing is read from disk. Values petgov derives rather than reads are listed in
``inferred`` so the BOM can mark them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from petgov import filetypes as F
from petgov.model import Item

WEIGHT_FORMATS = frozenset(
    {
        F.SAFETENSORS,
        F.GGUF,
        F.ONNX,
        F.PYTORCH_ZIP,
        F.PYTORCH_LEGACY,
        F.PICKLE,
        F.JOBLIB,
        F.HDF5,
        F.KERAS_ZIP,
        F.SAVEDMODEL,
        F.TFLITE,
        F.NUMPY_NPY,
        F.NUMPY_NPZ,
    }
    | F.WEIGHT_DATA
)
WEIGHT_SUFFIXES = (".safetensors", ".gguf", ".onnx", ".bin", ".pt", ".pth", ".h5", ".keras")


@dataclass(frozen=True)
class FileInfo:
    """One file of the target, named relative to the target."""

    rel: str
    path: str
    sha256: str | None
    size: int
    format: str
    lfs_pointer: bool = False
    digest_pending: bool = False  # hashed in the background while a scan runs

    @property
    def is_weights(self) -> bool:
        return self.format in WEIGHT_FORMATS or (
            self.lfs_pointer and self.rel.endswith((*WEIGHT_SUFFIXES, ".lfs-pointer"))
        )


@dataclass(frozen=True)
class LicenseInfo:
    """A declared license: an SPDX id or expression when known, else the name as written."""

    value: str
    source: str  # license-scanner | modelcard
    url: str | None = None
    non_commercial: bool | None = None


@dataclass
class ModelInfo:
    """Everything the BOM says about one model target."""

    target: str
    name: str
    group: str | None = None
    version: str | None = None
    purl: str | None = None
    files: list[FileInfo] = field(default_factory=list)
    license: LicenseInfo | None = None
    supplier: str | None = None
    description: str | None = None
    task: str | None = None
    architecture: str | None = None
    family: str | None = None
    library: str | None = None
    datasets: list[str] = field(default_factory=list)
    base_models: list[str] = field(default_factory=list)
    fine_tuned: bool = False
    eval_results: list[Mapping[str, Any]] = field(default_factory=list)
    chat_templates: list[tuple[str, str]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    inferred: list[str] = field(default_factory=list)

    @property
    def weights(self) -> list[FileInfo]:
        return [f for f in self.files if f.is_weights]

    @property
    def manifest_sha256(self) -> str | None:
        """SHA-256 over the sorted ``sha256  path`` lines of all files (None if one is unhashed)."""
        if not self.files or any(f.sha256 is None for f in self.files):
            return None
        lines = sorted(f"{f.sha256}  {f.rel}\n" for f in self.files)
        return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def relative(path: str, target: str) -> str:
    """An item path as seen from its target (``sub/x.bin``, ``a.zip!/m.pkl``)."""
    if path == target:
        return os.path.basename(target.rstrip("/")) or target
    if target == ".":  # the working directory: its files are named without "./"
        return path
    prefix = target.rstrip("/") + "/"
    return path[len(prefix) :] if path.startswith(prefix) else path


def target_items(target: str, items: Iterable[Item]) -> list[Item]:
    """The items that belong to ``target`` (by origin, else by path prefix)."""
    prefix = target.rstrip("/") + "/"
    return [
        item
        for item in items
        if item.origin.source == target or item.path == target or item.path.startswith(prefix)
    ]


def target_facts(
    target: str, items: Sequence[Item], facts: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Target-level facts, then facts recorded on the target's items for keys still missing."""
    merged: dict[str, Any] = dict(facts.get(target, {}))
    merged.update({k: v for k, v in facts.get("", {}).items() if k not in merged})
    for item in sorted(items, key=lambda i: i.path):
        for key, value in facts.get(item.path, {}).items():
            merged.setdefault(key, value)
    return merged


def gather(target: str, items: Sequence[Item], facts: Mapping[str, Mapping[str, Any]]) -> ModelInfo:
    """Build the ModelInfo of one target from its items and the report facts."""
    mine = target_items(target, items)
    merged = target_facts(target, mine, facts)
    lfs = set(_strs(merged.get("bom.lfs_pointers")))
    files = sorted(
        (
            FileInfo(
                rel=rel,
                path=i.path,
                sha256=i.sha256,
                size=i.size,
                format=i.format,
                lfs_pointer=rel in lfs,
            )
            for i in mine
            for rel in (relative(i.path, target),)
        ),
        key=lambda f: f.rel,
    )
    info = ModelInfo(target=target, name=_name(target, mine), files=files, facts=merged)
    _identity(info, mine, merged)
    info.license = _license(merged)
    info.description = _str(merged.get("modelcard.description"))
    _task(info, merged)
    archs = _strs(merged.get("config.architectures"))
    info.architecture = archs[0] if archs else None
    info.family = _str(merged.get("config.model_type"))
    info.library = _str(merged.get("modelcard.library_name"))
    info.datasets = _strs(merged.get("modelcard.datasets"))
    info.base_models = _strs(merged.get("modelcard.base_model"))
    adapter_base = _str(merged.get("adapter.base_model"))
    if adapter_base and adapter_base not in info.base_models:
        info.base_models.append(adapter_base)
    info.fine_tuned = bool(
        info.base_models
        or adapter_base
        or merged.get("config.finetuning_task")
        or info.library == "peft"
    )
    results = merged.get("modelcard.eval_results")
    if isinstance(results, list):
        info.eval_results = [r for r in results if isinstance(r, Mapping)]
    sources = _strs(merged.get("chat_template.sources"))
    digests = _strs(merged.get("chat_template.sha256"))
    info.chat_templates = list(zip(sources, digests, strict=False))
    info.provenance = {k: v for k, v in merged.items() if k.startswith("provenance.")}
    return info


def _name(target: str, items: Sequence[Item]) -> str:
    for item in items:
        if item.origin.kind == "hf" and item.origin.repo:
            return item.origin.repo.rsplit("/", 1)[-1]
    base = os.path.basename(target.rstrip("/"))
    return base or target


def _identity(info: ModelInfo, items: Sequence[Item], facts: Mapping[str, Any]) -> None:
    """Group, version, purl and supplier: from a hub origin when petgov fetched it."""
    for item in items:
        origin = item.origin
        if origin.kind == "hf" and origin.repo:
            namespace, _, name = origin.repo.rpartition("/")
            info.group = namespace or None
            info.supplier = namespace or None
            version = origin.commit or origin.revision  # the commit: a branch name moves
            info.version = version
            purl = f"pkg:huggingface/{origin.repo}".lower() if namespace else None
            if purl and version:
                purl += f"@{version.lower()}"
            info.purl = purl
            return
    revision = _str(facts.get("provenance.revision")) or _str(facts.get("hf.revision"))
    if revision:
        info.version = revision
    name_or_path = _str(facts.get("config.name_or_path"))
    if name_or_path and name_or_path.count("/") == 1 and not name_or_path.startswith((".", "/")):
        namespace, name = name_or_path.split("/")
        if name == info.name:
            info.group = namespace
            info.supplier = namespace
            info.inferred.append("supplier")


def _license(facts: Mapping[str, Any]) -> LicenseInfo | None:
    non_commercial = facts.get("license.non_commercial")
    nc = non_commercial if isinstance(non_commercial, bool) else None
    scanned = _str(facts.get("license.id"))
    if scanned:
        return LicenseInfo(scanned, "license-scanner", _str(facts.get("license.url")), nc)
    card = _str(facts.get("modelcard.license"))
    if not card:
        return None
    if card.lower() == "other" and _str(facts.get("modelcard.license_name")):
        card = str(facts["modelcard.license_name"])
    return LicenseInfo(card, "modelcard", _str(facts.get("modelcard.license_link")), nc)


def _task(info: ModelInfo, facts: Mapping[str, Any]) -> None:
    card = _str(facts.get("modelcard.pipeline_tag"))
    if card:
        info.task = card
        return
    config = _str(facts.get("config.task"))
    if config:
        info.task = config
        info.inferred.append("task")


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _strs(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value] if value else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v]
    return []
