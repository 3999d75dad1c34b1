"""Hydra configs that name callables: NeMo's ``model_config.yaml`` and any ``_target_`` config.

NeMo restores a ``.nemo`` model (a tar) by calling ``hydra.utils.instantiate`` on its config:
every ``_target_`` is imported and called with the node's other keys (``_args_`` positionally,
``_partial_`` wraps it in functools.partial). The config is therefore a program
(CVE-2025-23304): ``_target_: builtins.exec`` runs code on restore. Each target is judged with
the pickle scanner's lists (the same question: may a loader import and call this name?) plus the
callables Hydra model configs are expected to name; the YAML is parsed with a safe loader only.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.model import Severity
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult
from petgov.scanners.pickle_globals import judge

ENGINE = "hydra"
KIND = "ser.config_target"
MAX_YAML = 8 * 1024 * 1024
_TARGET_KEYS = ("_target_", "target", "cls")  # Hydra >= 1.0, and the Hydra 0.11 spellings

# What model configs are expected to instantiate (framework classes; a deny-list match wins).
_EXPECTED = (
    "nemo.",
    "torch.nn.",
    "torch.optim.",
    "torch.utils.data.DataLoader",
    "megatron.core.",
    "pytorch_lightning.",
    "lightning.",
    "transformers.",
    "omegaconf.",
    "hydra.",
)


class HydraConfigScanner(ItemScanner):
    """Judges every ``_target_`` of a YAML config a Hydra-based loader would instantiate."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({KIND})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.YAML

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        if entry.item.size > MAX_YAML:
            out.not_scanned(path, ENGINE, "YAML larger than 8 MiB")
            return out
        with entry.source.open() as fh:
            text = fh.read(MAX_YAML + 1)
        if not any(k.encode() in text for k in _TARGET_KEYS):
            out.scanned(path, ENGINE, "no instantiation targets")
            return out
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            docs = list(yaml.load_all(text, Loader=loader))
        except yaml.YAMLError as exc:
            out.not_scanned(path, ENGINE, f"not valid YAML ({type(exc).__name__})")
            return out
        in_model = ".nemo!/" in path or posixpath.basename(path) == "model_config.yaml"
        for doc in docs:
            for where, target, node in _targets(doc, "", in_model):
                hit = _judge_target(target, node, in_model=in_model)
                if hit is not None:
                    severity, why = hit
                    out.findings.append(
                        finding(
                            KIND,
                            path,
                            f"{where} names {target}: {why}; instantiating the config calls it",
                            engine=ENGINE,
                            location={"key": where},
                            evidence={"target": target, "reason": why},
                            severity=severity,
                        )
                    )
        out.scanned(path, ENGINE)
        return out


def _targets(
    node: Any, where: str, in_model: bool, depth: int = 0, seen: set[int] | None = None
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(key path, target, node) for every mapping that names a callable to instantiate.

    ``target``/``cls`` (Hydra 0.11) are read only in model configs, where they mean the same.
    Each container is walked once: YAML aliases share nodes, and a "billion laughs" file of
    nested aliases would otherwise make the walk exponential (a hang on a few hundred bytes).
    """
    seen = set() if seen is None else seen
    if depth > 64 or id(node) in seen:
        return
    if isinstance(node, (dict, list)):
        seen.add(id(node))
    keys = _TARGET_KEYS if in_model else _TARGET_KEYS[:1]
    if isinstance(node, dict):
        for key in keys:
            value = node.get(key)
            if isinstance(value, str) and (key == "_target_" or "." in value):
                yield f"{where}.{key}".lstrip("."), value, node
                break
        for k, v in node.items():
            yield from _targets(v, f"{where}.{k}", in_model, depth + 1, seen)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _targets(v, f"{where}[{i}]", in_model, depth + 1, seen)


def _judge_target(
    target: str, node: dict[str, Any], *, in_model: bool
) -> tuple[Severity, str] | None:
    """Critical for a denied callable, high for a risky one, medium/low for an unknown one."""
    module, _, name = target.strip().rpartition(".")
    if not module or not name:
        return (Severity.HIGH, "not a dotted name a loader can resolve statically")
    verdict = judge(module, name)
    if verdict.verdict == "deny":
        return (Severity.CRITICAL, verdict.reason)
    if verdict.verdict in ("risky", "importer"):
        return (Severity.HIGH, verdict.reason)
    if verdict.verdict == "allow" or target.startswith(_EXPECTED):
        return None
    last = name[:1]
    if last and not last.isupper() and _has_string_args(node):
        return (Severity.HIGH, "an unknown function called with string arguments")
    if in_model:
        return (Severity.MEDIUM, "code from outside the model's framework runs on restore")
    return None  # a training config naming the user's own classes: not a model-load risk


def _has_string_args(node: dict[str, Any]) -> bool:
    args = node.get("_args_")
    if isinstance(args, list) and any(isinstance(a, str) for a in args):
        return True
    return any(isinstance(v, str) for k, v in node.items() if not str(k).startswith("_"))
