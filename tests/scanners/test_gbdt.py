"""XGBoost and LightGBM native files: recognised by content, silent when the library wrote them,
high when a tree index is one the loader would follow out of bounds (LightGBM
GHSA-wvg4-4w35-4jc9 / issues 7357, 7437, 7438, PR 6998; the same arrays in XGBoost trees).

The benign models are trained and saved by the real libraries; the malicious ones are those
files with one value edited, the way the advisories describe.
"""

from __future__ import annotations

import json
import re
import struct
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import pytest

from petgov import filetypes as F
from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan


@lru_cache(maxsize=1)
def _lightgbm_text() -> str:
    import lightgbm as lgb
    import numpy as np
    import pandas as pd

    r = np.random.RandomState(0)
    frame = pd.DataFrame({"a": r.rand(300), "c": pd.Categorical(r.choice(list("pqrstu"), 300))})
    y = (frame.c.isin(["p", "r", "t"]) | (frame.a > 0.8)).astype(int)
    model = lgb.LGBMClassifier(
        n_estimators=3, num_leaves=4, min_child_samples=5, min_data_per_group=5, verbose=-1
    )
    return str(model.fit(frame, y).booster_.model_to_string())


@lru_cache(maxsize=1)
def _xgboost_doc() -> str:
    import xgboost as xgb

    from tests.scanners.ml_artifacts import _data

    x, y = _data()
    booster = xgb.XGBClassifier(n_estimators=2, max_depth=2).fit(x, y).get_booster()
    raw = booster.save_raw(raw_format="json")
    return bytes(raw).decode()


def lightgbm(path: Path, edit: Callable[[str], str] = lambda t: t) -> Path:
    path.write_text(edit(_lightgbm_text()))
    return path


def _first_tree_line(key: str, value: str) -> Callable[[str], str]:
    """Replace the first tree's ``key=`` line."""
    return lambda text: re.sub(rf"(?m)^{key}=.*$", f"{key}={value}", text, count=1)


def xgboost_json(path: Path, edit: Callable[[dict[str, object]], None] | None = None) -> Path:
    doc = json.loads(_xgboost_doc())
    if edit:
        edit(doc["learner"]["gradient_booster"]["model"]["trees"][0])
    path.write_text(json.dumps(doc))
    return path


def _set(key: str, index: int, value: int) -> Callable[[dict[str, object]], None]:
    def edit(tree: dict[str, object]) -> None:
        arr = tree[key]
        assert isinstance(arr, list)
        arr[index] = value

    return edit


def ubj_count_overflow(path: Path) -> Path:
    """A ``.ubj`` whose typed array claims 2^40 float32 values in a 60-byte file."""
    key = b"learner"
    body = b"{L" + struct.pack(">q", len(key)) + key + b"{L" + struct.pack(">q", 5) + b"trees"
    body += b"[$d#L" + struct.pack(">q", 1 << 40) + b"\0" * 8 + b"}}"
    path.write_bytes(body)
    return path


def legacy_xgboost(path: Path) -> Path:
    """XGBoost's pre-1.0 binary layout: ``binf``, the 136-byte parameters, two names."""
    params = struct.pack("<fIi", 0.5, 3, 0) + b"\0" * (136 - 12)
    names = b"".join(struct.pack("<Q", len(n)) + n for n in (b"binary:logistic", b"gbtree"))
    path.write_bytes(b"binf" + params + names + b"\0" * 64)
    return path


MALICIOUS: dict[str, Callable[[Path], Path]] = {
    # GHSA-wvg4-4w35-4jc9: a negative child is ~leaf, used as a write index by pred_contrib
    "lgbm_leaf_child_oob": lambda p: lightgbm(p, _first_tree_line("left_child", "-100000 -1 -3")),
    # issue 7438: a positive child past the node arrays, followed by predict()
    "lgbm_node_child_oob": lambda p: lightgbm(p, _first_tree_line("right_child", "5000 -2 -4")),
    "lgbm_split_feature_oob": lambda p: lightgbm(p, _first_tree_line("split_feature", "4096 0 0")),
    # issue 7437: a categorical threshold past num_cat indexes cat_boundaries_
    "lgbm_categorical_threshold": lambda p: lightgbm(
        p,
        lambda t: re.sub(
            r"(?m)^threshold=\S+",
            "threshold=9",
            _first_tree_line("decision_type", "1 2 2")(t),
            count=1,
        ),
    ),
    # PR 6998: a declared size larger than the values given
    "lgbm_array_short": lambda p: lightgbm(p, _first_tree_line("num_leaves", "400")),
    "xgb_child_oob": lambda p: xgboost_json(p, _set("left_children", 0, 1 << 30)),
    "xgb_split_feature_oob": lambda p: xgboost_json(p, _set("split_indices", 0, 1 << 20)),
    "xgb_ubj_count_overflow": ubj_count_overflow,
}
SUFFIX = {"lgbm": ".txt", "xgb_ubj": ".ubj", "xgb": ".json"}


def malicious_files(out: Path) -> list[Path]:
    """Every case written under ``out`` (shared with benchmarks/serialization_round2.py)."""
    paths = []
    for case, build in MALICIOUS.items():
        suffix = next(s for prefix, s in SUFFIX.items() if case.startswith(prefix))
        paths.append(build(out / f"{case}{suffix}"))
    return paths


def _verdict(path: Path) -> tuple[Severity, list[str], list[str]]:
    report = scan([str(path)], ScanOptions())
    ser = [d.finding for d in report.decisions if d.finding.kind.startswith("ser.")]
    top = max((f.severity for f in ser), default=Severity.INFO)
    return top, [f"{f.rule_id} {f.message}" for f in ser], [i.format for i in report.items]


@pytest.mark.parametrize("case", sorted(MALICIOUS))
def test_out_of_range_index_is_high(tmp_path: Path, case: str) -> None:
    (path,) = [p for p in malicious_files(tmp_path) if p.stem == case]
    top, messages, _ = _verdict(path)
    assert top >= Severity.HIGH, messages
    assert all(m.startswith("PG-SER-361") for m in messages), messages


@pytest.mark.parametrize(
    ("build", "fmt"),
    [
        (lambda p: lightgbm(p / "model.txt"), F.LIGHTGBM_TEXT),
        (lambda p: xgboost_json(p / "model.json"), F.XGBOOST_JSON),
        (legacy_xgboost, F.XGBOOST_BINARY),
    ],
)
def test_library_output_is_recognised_and_silent(
    tmp_path: Path, build: Callable[[Path], Path], fmt: str
) -> None:
    path = build(tmp_path / "model.bin") if build is legacy_xgboost else build(tmp_path)
    top, messages, formats = _verdict(path)
    assert formats == [fmt]
    assert top < Severity.MEDIUM, messages


def test_gbdt_models_are_weights_in_the_bom(tmp_path: Path) -> None:
    from petgov.bom.info import WEIGHT_FORMATS

    assert {F.XGBOOST_JSON, F.XGBOOST_UBJ, F.XGBOOST_BINARY, F.LIGHTGBM_TEXT} <= WEIGHT_FORMATS
    report = scan([str(lightgbm(tmp_path / "model.txt"))], ScanOptions())
    facts = report.facts[str(tmp_path / "model.txt")]
    assert facts["gbdt.library"] == "lightgbm" and facts["gbdt.trees"] == 3


def test_lightgbm_text_renamed_csv_is_still_a_model(tmp_path: Path) -> None:
    """Content decides: a LightGBM model named data.csv is judged as a model."""
    path = lightgbm(tmp_path / "data.csv", _first_tree_line("left_child", "-100000 -1 -3"))
    top, _, formats = _verdict(path)
    assert formats == [F.LIGHTGBM_TEXT] and top >= Severity.HIGH
