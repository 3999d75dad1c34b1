"""CycloneDX fields cyclonedx-python-lib 11.x cannot model yet, added to the serialized dict.

Remove this module once the library models them: ``modelCard`` (cyclonedx-python-lib issue
#912, PR #914), component ``data`` (issue #913) and top-level ``formulation`` (the commented-out
stub in ``cyclonedx/model/bom.py``). Everything added here is validated with the rest of the
document by ``petgov.bom.validate``; the schema for these objects is the same in 1.6 and 1.7.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from petgov.bom.info import ModelInfo

JSONDict = dict[str, Any]


def model_card(info: ModelInfo, card_ref: str, dataset_refs: Sequence[str]) -> JSONDict | None:
    """The ``modelCard`` of one model, from card and config facts only (None when empty)."""
    params: JSONDict = {}
    if info.task:
        params["task"] = info.task
    if info.family:
        params["architectureFamily"] = info.family
    if info.architecture:
        params["modelArchitecture"] = info.architecture
    if dataset_refs:
        params["datasets"] = [{"ref": ref} for ref in dataset_refs]
    card: JSONDict = {}
    if params:
        card["modelParameters"] = params
    metrics = _metrics(info.eval_results)
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    co2 = info.facts.get("modelcard.co2_eq_emissions")
    if isinstance(co2, (int, float)) and not isinstance(co2, bool):
        card["considerations"] = {
            "environmentalConsiderations": {
                "properties": [{"name": "petgov:co2_eq_emissions_grams", "value": str(co2)}]
            }
        }
    if not card:
        return None
    return {"bom-ref": card_ref, **card}


def _metrics(results: Sequence[Mapping[str, Any]]) -> list[JSONDict]:
    out: list[JSONDict] = []
    for r in results:
        kind = r.get("metric_type") or r.get("metric_name")
        value = r.get("metric_value")
        if not isinstance(kind, str) or value is None or isinstance(value, (dict, list)):
            continue
        metric: JSONDict = {"type": kind, "value": str(value)}
        where = [str(r[k]) for k in ("dataset_name", "dataset_type", "dataset_split") if r.get(k)]
        if where:
            metric["slice"] = " / ".join(dict.fromkeys(where))
        out.append(metric)
    return out


def dataset_data(name: str) -> list[JSONDict]:
    """The ``data`` array of a dataset component named on the model card."""
    return [{"type": "dataset", "name": name}]


def inject(
    doc: JSONDict, cards: Mapping[str, JSONDict], data: Mapping[str, list[JSONDict]]
) -> JSONDict:
    """Add ``modelCard`` and ``data`` to the components whose bom-ref they are keyed by."""
    for component in _all_components(doc):
        ref = component.get("bom-ref")
        if not isinstance(ref, str):
            continue
        if ref in cards:
            component["modelCard"] = cards[ref]
        if ref in data:
            component["data"] = data[ref]
    return doc


def _all_components(doc: JSONDict) -> list[JSONDict]:
    out: list[JSONDict] = []
    stack: list[JSONDict] = []
    meta = doc.get("metadata", {}).get("component")
    if isinstance(meta, dict):
        stack.append(meta)
    stack.extend(c for c in doc.get("components", []) if isinstance(c, dict))
    while stack:
        comp = stack.pop()
        out.append(comp)
        stack.extend(c for c in comp.get("components", []) if isinstance(c, dict))
        ancestors = comp.get("pedigree", {}).get("ancestors", [])
        stack.extend(c for c in ancestors if isinstance(c, dict))
    return out
