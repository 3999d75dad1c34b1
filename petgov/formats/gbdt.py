"""XGBoost and LightGBM native model files: recognised by content, judged by structure.

These are data formats (no code runs on load), but both loaders index arrays with values read
from the file. LightGBM's text parser checks array lengths and never the values (advisory
GHSA-wvg4-4w35-4jc9 / issue #7357: an out-of-range child index is an out-of-bounds write under
``pred_contrib``; #7438: a positive child past the node arrays is an out-of-bounds read; #7437:
a categorical threshold past ``num_cat``; #6998: a declared size larger than the values given).
XGBoost trees carry the same child and split-feature arrays. A value a trainer cannot write is a
``index_out_of_range`` problem (high); inconsistent lengths are plain damage (medium).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from petgov.formats import FormatError, Problem, ubjson
from petgov.inventory.model_magic import LEGACY_PARAM_BYTES, legacy_xgboost_names

MAX_BYTES = 512 * 1024 * 1024  # read whole; larger models are reported as not examined
MAX_PROBLEMS = 50


@dataclass
class GbdtModel:
    """What was read: library, encoding, tree count, and the problems found."""

    library: str  # xgboost | lightgbm
    encoding: str  # json | ubj | binary | text
    trees: int = 0
    features: int | None = None
    objective: str | None = None
    version: str | None = None
    problems: list[Problem] = field(default_factory=list)

    def problem(self, code: str, message: str, **location: str | int) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(code, message, dict(location)))


# ---------------------------------------------------------------- readers


def _read_all(fh: IO[bytes], size: int) -> bytes:
    if size > MAX_BYTES:
        raise FormatError("too_large", f"model of {size} bytes is over the {MAX_BYTES} byte cap")
    return fh.read(size)


def read_xgboost_json(fh: IO[bytes], size: int) -> GbdtModel:
    try:
        doc = json.loads(_read_all(fh, size))
    except (ValueError, RecursionError) as exc:
        raise FormatError("bad_json", f"XGBoost JSON does not parse: {exc}") from None
    return _check_xgboost(doc, GbdtModel("xgboost", "json"))


def read_xgboost_ubj(fh: IO[bytes], size: int) -> GbdtModel:
    return _check_xgboost(ubjson.loads(_read_all(fh, size)), GbdtModel("xgboost", "ubj"))


def read_xgboost_binary(fh: IO[bytes], size: int) -> GbdtModel:
    names = legacy_xgboost_names(fh.read(4 + LEGACY_PARAM_BYTES + 200))
    if names is None:
        raise FormatError("bad_magic", "not an XGBoost legacy binary model")
    return GbdtModel("xgboost", "binary", objective=names[0], version=f"legacy {names[1]}")


def read_lightgbm_text(fh: IO[bytes], size: int) -> GbdtModel:
    text = _read_all(fh, size).decode("utf-8", "replace")
    return _check_lightgbm(text, GbdtModel("lightgbm", "text"))


# ---------------------------------------------------------------- XGBoost


def _dig(doc: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(doc, Mapping):
            return None
        doc = doc.get(key)
    return doc


def _int(value: Any) -> int | None:
    """XGBoost writes most scalars as strings ("3"); both forms count."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d{1,19}", value):
        return int(value)
    return None


def _check_xgboost(doc: Any, model: GbdtModel) -> GbdtModel:
    learner = _dig(doc, "learner")
    if not isinstance(learner, Mapping):
        raise FormatError("bad_structure", "XGBoost model has no 'learner' object")
    version = _dig(doc, "version")
    if isinstance(version, list):
        model.version = ".".join(str(v) for v in version[:3])
    model.features = _int(_dig(learner, "learner_model_param", "num_feature"))
    objective = _dig(learner, "objective", "name")
    model.objective = objective if isinstance(objective, str) else None
    booster = _dig(learner, "gradient_booster")
    trees = _dig(booster, "model", "trees")
    if trees is None:  # dart nests its gbtree one level deeper
        trees = _dig(booster, "gbtree", "model", "trees")
    if trees is None:
        return model  # gblinear: weights only
    if not isinstance(trees, list):
        model.problem("bad_structure", "XGBoost 'trees' is not a list")
        return model
    model.trees = len(trees)
    declared = _int(_dig(booster, "model", "gbtree_model_param", "num_trees"))
    if declared is not None and declared != len(trees):
        model.problem(
            "count_mismatch", f"num_trees says {declared} but the model holds {len(trees)} trees"
        )
    for i, tree in enumerate(trees):
        if isinstance(tree, Mapping):
            _check_xgboost_tree(tree, i, model)
        else:
            model.problem("bad_structure", f"tree {i} is not an object", tree=i)
    return model


def _check_xgboost_tree(tree: Mapping[str, Any], i: int, model: GbdtModel) -> None:
    nodes = _int(_dig(tree, "tree_param", "num_nodes"))
    if nodes is None or nodes < 1:
        model.problem("bad_structure", f"tree {i}: num_nodes missing or below 1", tree=i)
        return
    arrays = {}
    for key in ("left_children", "right_children", "split_indices", "parents"):
        arr = tree.get(key)
        if not isinstance(arr, list) or len(arr) != nodes:
            got = len(arr) if isinstance(arr, list) else "none"
            code = "array_short" if isinstance(arr, list) and len(arr) < nodes else "bad_structure"
            model.problem(code, f"tree {i}: {key} has {got} entries for {nodes} nodes", tree=i)
            return
        arrays[key] = arr
    features = model.features
    for node in range(nodes):
        left, right = arrays["left_children"][node], arrays["right_children"][node]
        for side, child in (("left", left), ("right", right)):
            if not isinstance(child, int) or (child != -1 and not 0 < child < nodes):
                model.problem(
                    "index_out_of_range",
                    f"tree {i} node {node}: {side} child {child!r} is outside the tree's "
                    f"{nodes} nodes (the predictor follows it unchecked)",
                    tree=i,
                    node=node,
                )
                return
        split = arrays["split_indices"][node]
        if left != -1 and (
            not isinstance(split, int) or split < 0 or (features is not None and split >= features)
        ):
            model.problem(
                "index_out_of_range",
                f"tree {i} node {node}: split feature {split!r} is outside the model's "
                f"{features} features",
                tree=i,
                node=node,
            )
            return


# ---------------------------------------------------------------- LightGBM


def _lightgbm_blocks(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    """(header key=values, one dict per ``Tree=N`` block), up to ``end of trees``."""
    header: dict[str, str] = {}
    trees: list[dict[str, str]] = []
    current = header
    for line in text.split("\n"):
        line = line.rstrip("\r")
        if line == "end of trees":
            break
        key, eq, value = line.partition("=")
        if not eq:
            continue
        if key == "Tree":
            current = {"Tree": value}
            trees.append(current)
        else:
            current[key] = value
    return header, trees


def _numbers(value: str, cast: Callable[[str], float | int]) -> list[Any] | None:
    try:
        return [cast(v) for v in value.split()] if value.strip() else []
    except ValueError:
        return None


def _check_lightgbm(text: str, model: GbdtModel) -> GbdtModel:
    header, trees = _lightgbm_blocks(text)
    model.version = header.get("version")
    model.objective = header.get("objective")
    max_feature = _int(header.get("max_feature_idx"))
    if max_feature is None:
        model.problem("bad_structure", "LightGBM header has no max_feature_idx")
    else:
        model.features = max_feature + 1
    model.trees = len(trees)
    for tree in trees:
        _check_lightgbm_tree(tree, model)
    return model


def _check_lightgbm_tree(tree: Mapping[str, str], model: GbdtModel) -> None:
    label = f"Tree={tree.get('Tree')}"
    leaves = _int(tree.get("num_leaves"))
    num_cat = _int(tree.get("num_cat")) or 0
    if leaves is None or leaves < 1:
        model.problem("bad_structure", f"{label}: num_leaves missing or below 1")
        return
    internal = leaves - 1
    arrays: dict[str, list[Any]] = {}
    wanted: Sequence[tuple[str, int, Callable[[str], Any]]] = (
        ("split_feature", internal, int),
        ("left_child", internal, int),
        ("right_child", internal, int),
        ("threshold", internal, float),
        ("decision_type", internal, int),
        ("leaf_value", leaves, float),
    )
    for key, n, cast in wanted:
        values = _numbers(tree.get(key, ""), cast)
        if values is None:
            model.problem("bad_structure", f"{label}: {key} holds a non-number")
            return
        if len(values) < n:
            model.problem(
                "array_short",
                f"{label}: {key} declares {n} values and holds {len(values)} (the parser reads "
                "past the values given)",
            )
            return
        arrays[key] = values
    for node in range(internal):
        for side in ("left_child", "right_child"):
            child = arrays[side][node]
            leaf_ok = child < 0 and ~child < leaves
            node_ok = 0 < child < internal
            if not (leaf_ok or node_ok):
                attack = (
                    "out-of-bounds write, GHSA-wvg4-4w35-4jc9"
                    if child < 0
                    else "out-of-bounds read, LightGBM issue 7438"
                )
                model.problem(
                    "index_out_of_range",
                    f"{label} node {node}: {side} {child} is neither a leaf below {leaves} nor "
                    f"a node below {internal} ({attack})",
                )
                return
        feature = arrays["split_feature"][node]
        if feature < 0 or (model.features is not None and feature >= model.features):
            model.problem(
                "index_out_of_range",
                f"{label} node {node}: split_feature {feature} is outside the model's "
                f"{model.features} features (out-of-bounds read)",
            )
            return
        if arrays["decision_type"][node] & 1:  # categorical split
            cat = int(arrays["threshold"][node])
            if not 0 <= cat < num_cat:
                model.problem(
                    "index_out_of_range",
                    f"{label} node {node}: categorical threshold {cat} is outside num_cat "
                    f"{num_cat} (out-of-bounds read, LightGBM issue 7437)",
                )
                return
