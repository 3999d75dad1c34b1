"""The format names inventory assigns by content. Scanners register for these, never for file
extensions; a leaf module (imports nothing) so every stage, targets included, can name them.
"""

from __future__ import annotations

PICKLE = "pickle"
JOBLIB = "joblib"  # a pickle stream wrapped the way joblib writes it (zlib/gzip/... or plain)
PYTORCH_ZIP = "pytorch-zip"
PYTORCH_LEGACY = "pytorch-legacy"  # sequential pickles after the legacy magic number, or tar
NUMPY_NPY = "numpy-npy"
NUMPY_NPZ = "numpy-npz"
HDF5 = "hdf5"
SAFETENSORS = "safetensors"
GGUF = "gguf"
ONNX = "onnx"
KERAS_ZIP = "keras-zip"
SAVEDMODEL = "tf-savedmodel"  # saved_model.pb
TFLITE = "tflite"
XGBOOST_JSON = "xgboost-json"  # Booster.save_model(".json")
XGBOOST_UBJ = "xgboost-ubj"  # Booster.save_model(".ubj"), XGBoost's default since 2.1
XGBOOST_BINARY = "xgboost-binary"  # the pre-1.0 binary model format
LIGHTGBM_TEXT = "lightgbm-text"  # Booster.save_model(): LightGBM's text model
SKOPS = "skops"  # skops.io.dump: schema.json + .npy members
FLAX_MSGPACK = "flax-msgpack"  # flax.serialization.to_bytes: flax_model.msgpack
LLAMAFILE = "llamafile"  # an executable (APE/ELF/PE) carrying GGUF weights (zip member or appended)
ZIP = "zip"
TAR = "tar"
SEVENZIP = "7z"
GZIP = "gzip"
BZIP2 = "bzip2"
XZ = "xz"
ZSTD = "zstd"
ZLIB = "zlib"
PARQUET = "parquet"
ARROW = "arrow"
CSV = "csv"
TSV = "tsv"
JSONL = "jsonl"
JSON = "json"
NOTEBOOK = "notebook"
PYTHON = "python"
YAML = "yaml"
TOML = "toml"
MARKDOWN = "markdown"
TEXT = "text"
BINARY = "binary"  # raw bytes with no structure we know (tensor data, blobs)
EMPTY = "empty"

# Generic containers the target stage opens and walks as members.
ARCHIVES = frozenset({ZIP, TAR, GZIP, BZIP2, XZ, ZLIB, SEVENZIP})
# Model containers that are also archives: walked as members too, so every pickle inside is seen.
MODEL_ARCHIVES = frozenset({PYTORCH_ZIP, NUMPY_NPZ, KERAS_ZIP, SKOPS, LLAMAFILE})
# Formats that can run code when loaded: never 'clean' unless an engine examined them.
CODE_BEARING = frozenset(
    {
        PICKLE,
        JOBLIB,
        PYTORCH_ZIP,
        PYTORCH_LEGACY,
        NUMPY_NPY,
        NUMPY_NPZ,
        HDF5,
        KERAS_ZIP,
        SAVEDMODEL,
        ONNX,
        GGUF,
        SKOPS,
        LLAMAFILE,
    }
)
# Model formats that hold weights but no code: loaders index what they read, nothing is called.
WEIGHT_DATA = frozenset(
    {SAFETENSORS, TFLITE, XGBOOST_JSON, XGBOOST_UBJ, XGBOOST_BINARY, LIGHTGBM_TEXT, FLAX_MSGPACK}
)
TABULAR = frozenset({CSV, TSV, JSONL, JSON, PARQUET, ARROW})
