"""Benign artifacts written by the real ML libraries, generated at test time (never loaded back).

Each writer saves one or more files the way a user of that library would; the serialization
scanners must stay quiet on all of them. Only writers whose library is installed run, and
``REQUIRED`` names the libraries the test extras install, so a missing one fails rather than
skips.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Keras 3 on the torch backend: torch is already a test extra, TensorFlow is not.
os.environ.setdefault("KERAS_BACKEND", "torch")

REQUIRED = (
    "numpy",
    "pandas",
    "sklearn",
    "joblib",
    "torch",
    "xgboost",
    "lightgbm",
    "onnx",
    "gguf",
    "safetensors",
    "keras",
    "transformers",
    "skops",
    "tflite",
    "msgpack",
)


def _data() -> tuple[Any, Any]:
    import numpy as np

    x = np.random.RandomState(0).rand(40, 3)
    return x, (x[:, 0] > 0.5).astype(int)


def _categorical_frame() -> tuple[Any, Any]:
    """A numeric and a categorical column: trees with numeric and categorical splits."""
    import numpy as np
    import pandas as pd

    r = np.random.RandomState(0)
    frame = pd.DataFrame({"a": r.rand(300), "c": pd.Categorical(r.choice(list("pqrstu"), 300))})
    return frame, (frame.c.isin(["p", "r", "t"]) | (frame.a > 0.8)).astype(int)


def _dump(obj: object, path: Path) -> None:
    with open(path, "wb") as fh:
        pickle.dump(obj, fh)


def write_numpy(out: Path) -> list[str]:
    import numpy as np

    x, y = _data()
    np.save(out / "array.npy", x)
    np.savez(out / "arrays.npz", x=x, y=y)
    return ["array.npy", "arrays.npz"]


def write_pandas(out: Path) -> list[str]:
    import pandas as pd

    frame = pd.DataFrame(
        {
            "n": [1, 2, 3],
            "s": ["x", "y", "z"],
            "t": pd.date_range("2024-01-01", periods=3),
            "c": pd.Categorical(["u", "v", "u"]),
        }
    )
    frame.to_pickle(out / "frame.pkl")
    pd.Series([1.0, 2.0], index=pd.Index(["a", "b"])).to_pickle(out / "series.pkl")
    return ["frame.pkl", "series.pkl"]


def write_sklearn(out: Path) -> list[str]:
    import joblib
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    x, y = _data()
    pipe = make_pipeline(FunctionTransformer(np.log1p), StandardScaler(), LogisticRegression())
    pipe.fit(x, y)
    joblib.dump(pipe, out / "pipeline.joblib")
    _dump(pipe, out / "pipeline.pkl")
    return ["pipeline.joblib", "pipeline.pkl"]


def write_torch(out: Path) -> list[str]:
    import torch

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 1))
    torch.save(model.state_dict(), out / "state_dict.pt")
    torch.save(model, out / "whole_module.pt")
    torch.save(model.state_dict(), out / "legacy.pt", _use_new_zipfile_serialization=False)
    opt = torch.optim.Adam(model.parameters())
    torch.save(
        {"epoch": 3, "model": model.state_dict(), "optim": opt.state_dict()}, out / "ckpt.pt"
    )
    torch.jit.script(model).save(str(out / "scripted.pt"))
    torch.jit.trace(model, torch.rand(1, 3)).save(str(out / "traced.pt"))
    return ["state_dict.pt", "whole_module.pt", "legacy.pt", "ckpt.pt", "scripted.pt", "traced.pt"]


def write_xgboost(out: Path) -> list[str]:
    import xgboost as xgb

    x, y = _data()
    model = xgb.XGBClassifier(n_estimators=3, max_depth=2).fit(x, y)
    _dump(model, out / "xgb.pkl")
    _dump(model.get_booster(), out / "xgb_booster.pkl")
    model.save_model(out / "xgb.json")
    model.get_booster().save_model(out / "xgb.ubj")
    xgb.XGBRegressor(n_estimators=2, booster="dart").fit(x, y).save_model(out / "xgb_dart.ubj")
    frame, labels = _categorical_frame()
    xgb.XGBClassifier(n_estimators=2, max_depth=3, enable_categorical=True).fit(
        frame, labels
    ).save_model(out / "xgb_categorical.json")
    return [
        "xgb.pkl",
        "xgb_booster.pkl",
        "xgb.json",
        "xgb.ubj",
        "xgb_dart.ubj",
        "xgb_categorical.json",
    ]


def write_lightgbm(out: Path) -> list[str]:
    import joblib
    import lightgbm as lgb

    x, y = _data()
    model = lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(x, y)
    _dump(model, out / "lgbm.pkl")
    _dump(model.booster_, out / "lgbm_booster.pkl")
    joblib.dump(model, out / "lgbm.joblib")
    model.booster_.save_model(str(out / "lgbm.txt"))
    frame, labels = _categorical_frame()
    lgb.LGBMClassifier(
        n_estimators=3, num_leaves=4, min_child_samples=5, min_data_per_group=5, verbose=-1
    ).fit(frame, labels).booster_.save_model(str(out / "lgbm_categorical.txt"))
    return ["lgbm.pkl", "lgbm_booster.pkl", "lgbm.joblib", "lgbm.txt", "lgbm_categorical.txt"]


def write_onnx(out: Path) -> list[str]:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 3])],
    )
    onnx.save(helper.make_model(graph), str(out / "relu.onnx"))
    return ["relu.onnx"]


def write_gguf(out: Path) -> list[str]:
    import gguf
    import numpy as np

    writer = gguf.GGUFWriter(str(out / "tiny.gguf"), "llama")
    writer.add_block_count(1)
    writer.add_tensor("t", np.ones((4, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return ["tiny.gguf"]


def write_safetensors(out: Path) -> list[str]:
    import numpy as np
    from safetensors.numpy import save_file

    save_file({"w": np.ones((2, 3), dtype=np.float32)}, str(out / "model.safetensors"))
    return ["model.safetensors"]


def write_keras(out: Path) -> list[str]:
    import keras

    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(4, activation="relu"), keras.layers.Dense(1)]
    )
    model.save(out / "model.keras")
    model.save_weights(out / "model.weights.h5")
    return ["model.keras", "model.weights.h5"]


def write_transformers(out: Path) -> list[str]:
    import torch
    from transformers import TrainingArguments

    args = TrainingArguments(
        output_dir=str(out / "trainer"),
        report_to=[],
        eval_strategy="steps",
        save_strategy="epoch",
        lr_scheduler_type="cosine",
        optim="adamw_torch",
    )
    torch.save(args, out / "training_args.bin")  # what Trainer.save_model writes
    return ["training_args.bin"]


def write_skops(out: Path) -> list[str]:
    """skops.io.dump of common estimators (trees, boosting, text, search, sparse input)."""
    import numpy as np
    import skops.io as sio
    from scipy import sparse
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.model_selection import GridSearchCV
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

    x, y = _data()
    models = {
        "pipeline.skops": make_pipeline(
            FunctionTransformer(np.log1p), StandardScaler(), LogisticRegression()
        ),
        "forest.skops": RandomForestClassifier(n_estimators=2, max_depth=3, random_state=0),
        "hgb.skops": HistGradientBoostingClassifier(max_iter=3),
        "sgd.skops": SGDClassifier(max_iter=5, tol=None),
        "mlp.skops": MLPClassifier(hidden_layer_sizes=(4,), max_iter=5),
        "grid.skops": GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=2),
        "columns.skops": ColumnTransformer(
            [("num", StandardScaler(), [0, 1]), ("cat", OneHotEncoder(), [2])]
        ),
    }
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, model in models.items():
            model.fit(np.round(x, 1), y)
            sio.dump(model, out / name)
        docs = ["a cat sat", "a dog ran", "the cat ran", "a dog sat"] * 5
        text = make_pipeline(TfidfVectorizer(), LogisticRegression()).fit(docs, [0, 1, 0, 1] * 5)
        sio.dump(text, out / "text.skops")
        sio.dump(sparse.random(4, 4, density=0.5, format="csr", random_state=0), out / "csr.skops")
    return [*models, "text.skops", "csr.skops"]


def write_tflite(out: Path) -> list[str]:
    """Builtin-operator models (and TFLite's own detection post-processing op), built with the
    FlatBuffers builders generated from TFLite's schema: what the converter writes."""
    from tests.scanners.test_tflite import ADD, CONV_2D, CUSTOM, tflite_model

    (out / "conv.tflite").write_bytes(tflite_model([(CONV_2D, None), (ADD, None)]))
    (out / "ssd.tflite").write_bytes(
        tflite_model([(CONV_2D, None), (CUSTOM, "TFLite_Detection_PostProcess")])
    )
    return ["conv.tflite", "ssd.tflite"]


def write_flax(out: Path) -> list[str]:
    """A flax state packed exactly as flax.serialization.to_bytes packs it (flax needs JAX)."""
    from tests.scanners.test_flax_msgpack import flax_state

    (out / "flax_model.msgpack").write_bytes(flax_state())
    return ["flax_model.msgpack"]


WRITERS: dict[str, Callable[[Path], list[str]]] = {
    "numpy": write_numpy,
    "pandas": write_pandas,
    "sklearn": write_sklearn,
    "torch": write_torch,
    "xgboost": write_xgboost,
    "lightgbm": write_lightgbm,
    "onnx": write_onnx,
    "gguf": write_gguf,
    "safetensors": write_safetensors,
    "keras": write_keras,
    "transformers": write_transformers,
    "skops": write_skops,
    "tflite": write_tflite,
    "msgpack": write_flax,
}
