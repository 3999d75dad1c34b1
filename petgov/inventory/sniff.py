"""Format detection by content: magic bytes and structure, never the extension alone.

The extension is consulted only to break ties between text formats that share a shape
(CSV vs plain text), and a lying extension on a binary format changes nothing.
"""

from __future__ import annotations

import json
import posixpath
import re
import struct
import zlib
from pathlib import PurePosixPath

from petgov import filetypes as F
from petgov.inventory import model_magic as magic
from petgov.targets.interface import Source

HEAD = 64 * 1024
_PICKLE_PROTO = {bytes([0x80, p]) for p in range(2, 6)}
# Opcodes a protocol 0/1 pickle commonly starts with, then a plausible next byte.
# A protocol-0 string constant memoized by PUT ("Vos\np2\n"): no text file starts like that.
_P0_MEMO = re.compile(rb"[VS][^\n]{0,200}\np\d{1,9}\n")
_P0_START = (
    b"(dp",
    b"(lp",
    b"(tp",
    b"cos\n",
    b"c__builtin__",
    b"cbuiltins",
    b"(i",
    b"}q",
    b"]q",
    b"(cc",
    b"ccopy_reg",
    b"}(",
    b"](",
    b"(I",
    b"(S",
    b"(V",
    b"(F",
)
_LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C


TOML_TABLE = re.compile(r"\[\[?[A-Za-z_][\w.\- \"']*\]\]?[ \t]*(#.*)?\r?\n")


def sniff(source: Source, name: str) -> str:
    """Return the format name (see ``formats``) of ``source``, whose display name is ``name``."""
    if source.size == 0:
        return F.EMPTY
    head = source.read_head(HEAD)
    if magic.executable_kind(head) and _carries_gguf(source, head):
        return F.LLAMAFILE
    fmt = sniff_bytes(head, name, source.size)
    if fmt == F.ZIP:
        return _zip_kind(source)
    if fmt == F.TAR:
        return _tar_kind(source)
    return fmt


def _file_name(name: str) -> str:
    """The file name of a display path (an archive member's own name)."""
    tail = name.split("!/")[-1]
    base = posixpath.basename(tail)
    return base if base not in ("", ".") else PurePosixPath(tail).name


def sniff_bytes(head: bytes, name: str, size: int) -> str:
    """Classify from the first bytes alone (zip/tar refined by ``sniff``)."""
    lower = _file_name(name).lower()
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"):
        return F.ZIP
    if head[:6] == b"7z\xbc\xaf\x27\x1c":
        return F.SEVENZIP
    if head[:2] == b"\x1f\x8b":
        return F.GZIP
    if head[:3] == b"BZh":
        return F.BZIP2
    if head[:6] == b"\xfd7zXZ\x00":
        return F.XZ
    if head[:4] == b"\x28\xb5\x2f\xfd":
        return F.ZSTD
    if head[:8] == b"\x89HDF\r\n\x1a\n":
        return F.HDF5
    if head[:6] == b"\x93NUMPY":
        return F.NUMPY_NPY
    if head[:4] == b"GGUF":
        return F.GGUF
    if head[:4] == b"PAR1":
        return F.PARQUET
    if head[:6] == b"ARROW1" or _looks_arrow_stream(head):
        return F.ARROW
    if len(head) >= 8 and head[4:8] == b"TFL3":
        return F.TFLITE
    if (
        lower.endswith(".msgpack")
        and head[:1]
        and (0x81 <= head[0] <= 0x8F or head[0] in (0xDE, 0xDF))
    ):
        return F.FLAX_MSGPACK  # a MessagePack map: flax's state dict (by name and shape)
    if _is_tar(head):
        return F.TAR
    if _is_legacy_torch(head):
        return F.PYTORCH_LEGACY
    if head[:2] in _PICKLE_PROTO:
        return F.PICKLE
    if _is_safetensors(head, size):
        return F.SAFETENSORS
    gbdt = _gbdt_kind(head)
    if gbdt:
        return gbdt
    if lower.endswith("saved_model.pb"):
        return F.SAVEDMODEL
    if _is_zlib(head):
        return F.ZLIB
    if _looks_onnx(head):
        return F.ONNX
    if head.startswith(_P0_START) or _ends_like_p0_pickle(head, size) or _P0_MEMO.match(head):
        return F.PICKLE
    return _text_kind(head, lower)


def _gbdt_kind(head: bytes) -> str | None:
    """XGBoost JSON/UBJSON/legacy binary and LightGBM text models, by their first bytes."""
    if head[:1] == b"{":
        if magic.looks_xgboost_json(head):
            return F.XGBOOST_JSON
        if magic.looks_xgboost_ubj(head):
            return F.XGBOOST_UBJ
    elif head[:4] == b"tree":
        return F.LIGHTGBM_TEXT if magic.looks_lightgbm_text(head) else None
    elif magic.legacy_xgboost_names(head):
        return F.XGBOOST_BINARY
    return None


def _is_zlib(head: bytes) -> bool:
    """A zlib header (1 in ~8,000 random blobs has one) whose deflate data also decodes.

    Tensor bytes in a torch zip match the two header bytes by chance; decoding the head tells a
    joblib stream from noise, which would otherwise be walked and reported as a damaged archive.
    """
    if len(head) < 2 or head[0] != 0x78 or (head[0] * 256 + head[1]) % 31:
        return False
    try:
        zlib.decompressobj().decompress(head, 1 << 16)
    except zlib.error:
        return False
    return True


def _is_tar(head: bytes) -> bool:
    return len(head) >= 262 and head[257:262] == b"ustar"


def _is_legacy_torch(head: bytes) -> bool:
    # torch.save legacy: pickled magic number 0x1950a86a20f9469cfc6c as a LONG1 at the start.
    if head[:2] not in _PICKLE_PROTO or len(head) < 16:
        return False
    if head[2:4] == b"\x8a\x0a":
        return int.from_bytes(head[4:14], "little") == _LEGACY_TORCH_MAGIC
    return False


def _is_safetensors(head: bytes, size: int) -> bool:
    """A plausible length then ``{``; or, whatever the length says, a safetensors-shaped header.

    Structure wins over the length prefix: a header whose length is impossible (2^31, 2^63) is
    still a safetensors file, one the scanner reports as damaged instead of opaque bytes.
    """
    if len(head) < 10 or head[8:9] != b"{":
        return False
    (n,) = struct.unpack("<Q", head[:8])
    if n >= 2 and 8 + n <= size:
        return True
    return _SAFETENSORS_KEYS.match(head[8:512]) is not None


# The first key of a safetensors header: its metadata block or a tensor entry's fields.
_SAFETENSORS_KEYS = re.compile(
    rb'\{\s*"(?:__metadata__"\s*:\s*\{|[^"\\]{1,256}"\s*:\s*\{\s*"(?:dtype|shape|data_offsets)")'
)


def _looks_onnx(head: bytes) -> bool:
    # ModelProto: field 1 (ir_version, varint) usually first, and the producer/graph strings.
    return len(head) > 4 and head[0] == 0x08 and (b"onnx" in head[:4096] or b"\x3a" in head[:64])


def _looks_arrow_stream(head: bytes) -> bool:
    # Arrow IPC stream (what HF datasets writes): continuation marker, then a metadata length.
    return len(head) >= 8 and head[:4] == b"\xff\xff\xff\xff" and head[4:8] != b"\xff\xff\xff\xff"


def _ends_like_p0_pickle(head: bytes, size: int) -> bool:
    return size == len(head) and head.rstrip(b"\n").endswith(b".") and head[:1] in b"(cdl]}SVIFL"


def _text_kind(head: bytes, lower: str) -> str:
    sample = head[:8192]
    if b"\x00" in sample:
        return F.BINARY
    try:
        text = sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not just a cut multi-byte character at the end
            return F.BINARY
        text = sample[: exc.start].decode("utf-8")
    stripped = text.lstrip()
    if lower.endswith(".ipynb") and stripped.startswith("{"):
        return F.NOTEBOOK
    if lower.endswith(".py"):
        return F.PYTHON
    if stripped.startswith("{") or stripped.startswith("["):
        kind = _json_kind(text)
        if kind:
            return kind
    if lower.endswith((".md", ".markdown")):
        return F.MARKDOWN
    if lower.endswith((".yaml", ".yml")):
        return F.YAML
    if lower.endswith(".toml"):
        return F.TOML
    if lower.endswith(".tsv") or _delimited(text, "\t"):
        return F.TSV
    if lower.endswith(".csv") or _delimited(text, ","):
        return F.CSV
    return F.TEXT


def _json_kind(text: str) -> str | None:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) >= 2 and all(ln.lstrip().startswith("{") for ln in lines[:5]):
        try:
            json.loads(lines[0])
            return F.JSONL
        except ValueError:
            pass
    try:
        doc = json.loads(text)
    except ValueError:
        if TOML_TABLE.match(text.lstrip()):  # `[project]` opens a TOML/INI file, not a JSON list
            return None
        return F.JSON if text.rstrip() != text or len(text) >= 8000 else None
    if isinstance(doc, dict) and "cells" in doc and "nbformat" in doc:
        return F.NOTEBOOK
    return F.JSON


def _delimited(text: str, sep: str) -> bool:
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if len(lines) < 2:
        return False
    counts = {ln.count(sep) for ln in lines[:-1]}
    return len(counts) == 1 and counts.pop() >= 1


def _carries_gguf(source: Source, head: bytes) -> bool:
    """An executable with GGUF weights: a ``.gguf`` zip member (llamafile's zipalign layout)
    or, for an Actually Portable Executable, a GGUF header appended after the program."""
    import zipfile  # only for zip-shaped files (~1 ms to import)

    try:
        with source.open() as fh, zipfile.ZipFile(fh) as zf:
            if any(n.lower().endswith(".gguf") for n in zf.namelist()):
                return True
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        pass
    if not head.startswith(magic.APE_MAGIC):
        return False
    try:
        with source.open() as fh:
            return magic.find_appended_gguf(fh) is not None
    except OSError:
        return False


def _zip_kind(source: Source) -> str:
    import zipfile

    try:
        with source.open() as fh, zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return F.ZIP  # the archive walker reports the damage
    if any(n.endswith("data.pkl") for n in names) or (
        any(n.endswith("/version") or n == "version" for n in names)
        and any(n.endswith(".pkl") for n in names)
    ):
        return F.PYTORCH_ZIP
    if "config.json" in names and ("metadata.json" in names or "model.weights.h5" in names):
        return F.KERAS_ZIP
    if "schema.json" in names and all(
        n.endswith((".npy", ".npz")) for n in names if n != "schema.json"
    ):
        return F.SKOPS
    if names and all(n.endswith(".npy") for n in names):
        return F.NUMPY_NPZ
    return F.ZIP


def _tar_kind(source: Source) -> str:
    import tarfile  # only for tar-shaped files (~2.5 ms to import with shutil, bz2, lzma)

    try:
        with source.open() as fh, tarfile.open(fileobj=fh, mode="r:") as tf:
            names = {m.name for m in tf.getmembers()[:64]}
    except (tarfile.TarError, OSError, EOFError):
        return F.TAR
    if {"storages", "tensors", "pickle"} <= {n.lstrip("./") for n in names}:
        return F.PYTORCH_LEGACY
    return F.TAR
