"""Build a benign corpus at test time with the libraries a user has (never loaded by petgov).

Each builder writes one real artifact or folder the way a user's own code would (scikit-learn
and joblib dumps, NumPy, safetensors, GGUF, ONNX, transformers-style folders, torch when
installed) and returns its path. Nothing here is malicious: a default scan must stay quiet.
"""

from __future__ import annotations

import csv
import json
import pickle
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

Builder = Callable[[Path], Path]
BUILDERS: dict[str, Builder] = {}


def builder(name: str) -> Callable[[Builder], Builder]:
    """Register a builder under a short name (the test id)."""

    def register(fn: Builder) -> Builder:
        BUILDERS[name] = fn
        return fn

    return register


def _xy() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 4))
    return x, (x[:, 0] > 0).astype(int)


@builder("sklearn-pickle")
def sklearn_pickle(root: Path) -> Path:
    from sklearn.linear_model import LogisticRegression

    x, y = _xy()
    path = root / "logreg.pkl"
    path.write_bytes(pickle.dumps(LogisticRegression().fit(x, y)))
    return path


@builder("sklearn-joblib")
def sklearn_joblib(root: Path) -> Path:
    import joblib
    from sklearn.ensemble import RandomForestClassifier

    x, y = _xy()
    path = root / "forest.joblib"
    joblib.dump(RandomForestClassifier(n_estimators=3, random_state=0).fit(x, y), path)
    return path


@builder("sklearn-pipeline-folder")
def sklearn_pipeline_folder(root: Path) -> Path:
    import joblib
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.tree import DecisionTreeClassifier

    x, y = _xy()
    folder = root / "pipeline-model"
    folder.mkdir()
    model = make_pipeline(StandardScaler(), DecisionTreeClassifier()).fit(x, y)
    joblib.dump(model, folder / "m.pkl")
    (folder / "README.md").write_text("# A small pipeline\n\nTrained on random numbers.\n")
    return folder


@builder("numpy-npy")
def numpy_npy(root: Path) -> Path:
    path = root / "weights.npy"
    np.save(path, np.arange(12, dtype=np.float32).reshape(3, 4))
    return path


@builder("numpy-npz")
def numpy_npz(root: Path) -> Path:
    path = root / "arrays.npz"
    np.savez_compressed(path, a=np.ones((2, 2)), b=np.arange(5))
    return path


@builder("safetensors")
def safetensors_file(root: Path) -> Path:
    from safetensors.numpy import save_file

    path = root / "model.safetensors"
    save_file({"w": np.eye(3, dtype=np.float32), "b": np.zeros(3, dtype=np.float32)}, str(path))
    return path


@builder("gguf")
def gguf_file(root: Path) -> Path:
    import gguf

    path = root / "tiny.gguf"
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(1)
    writer.add_context_length(32)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _onnx_model() -> object:
    import onnx
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
    w = helper.make_tensor("w", TensorProto.FLOAT, [2, 2], [1.0, 0.0, 0.0, 1.0])
    node = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph([node], "tiny", [x], [y], initializer=[w])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(model)
    return model


@builder("onnx")
def onnx_file(root: Path) -> Path:
    import onnx

    path = root / "tiny.onnx"
    onnx.save(_onnx_model(), str(path))  # type: ignore[arg-type]
    return path


def _hf_folder(folder: Path, *, card: bool) -> Path:
    """A transformers-style folder: config, tokenizer files, chat template, safetensors weights."""
    from safetensors.numpy import save_file

    folder.mkdir()
    (folder / "config.json").write_text(
        json.dumps(
            {
                "architectures": ["BertModel"],
                "model_type": "bert",
                "hidden_size": 8,
                "num_attention_heads": 2,
                "num_hidden_layers": 1,
                "vocab_size": 16,
                "_name_or_path": "https://huggingface.co/example/tiny-bert",
                "torch_dtype": "float32",
                "transformers_version": "4.44.0",
            },
            indent=2,
        )
    )
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello", "world", "the", "a"]
    (folder / "vocab.txt").write_text("\n".join(vocab) + "\n")
    (folder / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "do_lower_case": True,
                "model_max_length": 512,
                "tokenizer_class": "BertTokenizer",
                "chat_template": "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n"
                "{% endfor %}",
            }
        )
    )
    (folder / "special_tokens_map.json").write_text(
        json.dumps({"cls_token": "[CLS]", "sep_token": "[SEP]", "unk_token": "[UNK]"})
    )
    (folder / "tokenizer.json").write_text(
        json.dumps(
            {
                "version": "1.0",
                "model": {"type": "WordPiece", "vocab": {t: i for i, t in enumerate(vocab)}},
                "added_tokens": [{"id": 0, "content": "[PAD]", "special": True}],
            }
        )
    )
    (folder / "generation_config.json").write_text(json.dumps({"max_new_tokens": 20}))
    (folder / "chat_template.jinja").write_text(
        "{% for message in messages %}<|{{ message['role'] }}|>{{ message['content'] }}"
        "{% endfor %}{% if add_generation_prompt %}<|assistant|>{% endif %}\n"
    )
    (folder / "modules.json").write_text(
        json.dumps([{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models"}])
    )
    weights = {"embeddings.weight": np.zeros((16, 8), dtype=np.float32)}
    save_file(weights, str(folder / "model.safetensors"))
    if card:
        (folder / "README.md").write_text(
            "---\nlicense: apache-2.0\nlanguage: en\npipeline_tag: feature-extraction\n"
            "library_name: transformers\n---\n\n# tiny-bert\n\nA tiny test model. "
            "See https://example.com/paper for details.\n"
        )
        (folder / "LICENSE").write_text("Apache License\nVersion 2.0, January 2004\n")
    return folder


@builder("hf-folder-with-card")
def hf_folder_card(root: Path) -> Path:
    return _hf_folder(root / "tiny-bert", card=True)


@builder("hf-folder-no-card")
def hf_folder_bare(root: Path) -> Path:
    return _hf_folder(root / "tiny-bert-bare", card=False)


def hf_folder_lfs(root: Path) -> Path:
    """Not in the corpus: weights behind an LFS pointer are missing (PG-BOM-003 is right)."""
    folder = _hf_folder(root / "tiny-bert-lfs", card=True)
    (folder / "pytorch_model.bin").write_text(
        "version https://git-lfs.github.com/spec/v1\n"
        "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\n"
        "size 12345\n"
    )
    return folder


@builder("onnx-model-folder")
def onnx_folder(root: Path) -> Path:
    import onnx

    folder = root / "onnx-model"
    folder.mkdir()
    onnx.save(_onnx_model(), str(folder / "model.onnx"))  # type: ignore[arg-type]
    (folder / "config.json").write_text(json.dumps({"model_type": "linear", "opset": 17}))
    return folder


@builder("csv-dataset")
def csv_dataset(root: Path) -> Path:
    path = root / "measurements.csv"
    rng = np.random.default_rng(1)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["sample", "temperature", "pressure", "label"])
        for i in range(200):
            w.writerow([i, f"{rng.normal(20, 3):.2f}", f"{rng.normal(1013, 5):.1f}", i % 3])
    return path


@builder("jsonl-dataset")
def jsonl_dataset(root: Path) -> Path:
    path = root / "prompts.jsonl"
    words = ["translate", "summarise", "classify", "explain", "list"]
    lines = [
        json.dumps({"instruction": f"{w} the sentence number {i}", "output": f"result {i}"})
        for i, w in enumerate(words * 20)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@builder("parquet-dataset")
def parquet_dataset(root: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = root / "features.parquet"
    table = pa.table({"x": list(range(100)), "y": [float(i) / 3 for i in range(100)]})
    pq.write_table(table, path)
    return path


@builder("dataset-folder")
def dataset_folder(root: Path) -> Path:
    folder = root / "dataset"
    folder.mkdir()
    csv_dataset(folder)
    jsonl_dataset(folder)
    (folder / "README.md").write_text("# A dataset of sensor readings\n")
    return folder


@builder("zip-of-model-folder")
def zip_model(root: Path) -> Path:
    src = _hf_folder(root / "zipsrc", card=True)
    path = root / "tiny-bert.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for f in sorted(src.iterdir()):
            zf.write(f, f.name)
    shutil.rmtree(src)
    return path


@builder("keras-h5-weights")
def h5_weights(root: Path) -> Path:
    import h5py

    path = root / "weights.h5"
    with h5py.File(path, "w") as f:
        g = f.create_group("dense")
        g.create_dataset("kernel:0", data=np.ones((3, 2), dtype=np.float32))
        g.create_dataset("bias:0", data=np.zeros(2, dtype=np.float32))
    return path


@builder("raw-pickle-of-dict")
def plain_pickle(root: Path) -> Path:
    path = root / "vocab.pkl"
    path.write_bytes(pickle.dumps({"hello": 1, "world": 2, "ids": [1, 2, 3], "scale": 0.5}))
    return path


@builder("empty-weights-header-only-safetensors")
def metadata_safetensors(root: Path) -> Path:
    from safetensors.numpy import save_file

    path = root / "with-meta.safetensors"
    save_file({"x": np.ones(4, dtype=np.float16)}, str(path), metadata={"format": "np"})
    return path


@builder("code-repo")
def code_repo(root: Path) -> Path:
    folder = root / "project"
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "train.py").write_text(
        "import numpy as np\n\n\ndef train(x: np.ndarray) -> float:\n    return float(x.mean())\n"
    )
    (folder / "requirements.txt").write_text("numpy>=1.26\nscikit-learn>=1.3\n")
    (folder / "pyproject.toml").write_text('[project]\nname = "demo"\nversion = "0.1"\n')
    return folder


def _torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


if _torch_available():

    @builder("torch-state-dict")
    def torch_state_dict(root: Path) -> Path:
        import torch

        path = root / "model.pt"
        torch.save(torch.nn.Linear(4, 2).state_dict(), path)
        return path

    @builder("torch-full-module-folder")
    def torch_folder(root: Path) -> Path:
        import torch

        folder = root / "torch-model"
        folder.mkdir()
        state = torch.nn.Sequential(torch.nn.Linear(4, 2)).state_dict()
        torch.save(state, folder / "pytorch_model.bin")
        (folder / "config.json").write_text(json.dumps({"model_type": "mlp", "in": 4, "out": 2}))
        return folder


def build_all(root: Path) -> dict[str, Path]:
    """Build every registered artifact under ``root`` (one subfolder each)."""
    out: dict[str, Path] = {}
    for name, fn in BUILDERS.items():
        sub = root / name
        sub.mkdir(parents=True)
        out[name] = fn(sub)
    return out
