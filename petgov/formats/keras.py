"""Keras model configs read without Keras: ``.keras`` zips (config.json) and HDF5 ``model_config``.

A Keras loader rebuilds the model from this JSON: it imports every ``module`` it names, looks up
``registered_name`` custom objects, and a ``Lambda`` layer carries a function (marshalled
bytecode, or Python source in old HDF5 files) that runs on load. The readers return the parsed
config; :func:`inspect_config` walks it for those constructs. HDF5 files are opened with h5py and
only root attributes are read; no layer, weight or dataset is touched.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from petgov.formats import FormatError, Problem

MAX_CONFIG = 64 * 1024 * 1024
MAX_NODES = 2_000_000  # JSON values walked before giving up (a config this size is damage)

KERAS_NAMESPACES = ("keras", "keras_hub", "keras_nlp", "keras_cv", "tf_keras", "tensorflow.keras")
# Modules whose import or attributes lead straight to code execution, files or processes.
DANGEROUS_MODULES = frozenset(
    {
        "os",
        "posix",
        "nt",
        "sys",
        "subprocess",
        "builtins",
        "__builtin__",
        "importlib",
        "runpy",
        "shutil",
        "socket",
        "pty",
        "code",
        "codeop",
        "pickle",
        "marshal",
        "ctypes",
        "webbrowser",
        "requests",
        "urllib",
        "http",
    }
)
# Functions inside the Keras namespaces that a config must never call.
DANGEROUS_KERAS_FUNCTIONS = {
    "enable_unsafe_deserialization": "critical",
    "get_file": "high",
    "load_model": "high",
    "load_weights": "high",
}
# Config keys whose string value makes a layer read a file or URL when it is built:
# StringLookup/IntegerLookup/TextVectorization vocabularies given as a path (CVE-2025-12058),
# TFSMLayer's external SavedModel (CVE-2026-1462), get_file's origin (CVE-2025-8747).
EXTERNAL_KEYS = frozenset(
    {"vocabulary", "idf_weights", "filepath", "file_path", "origin", "url", "cache_dir", "fname"}
)
# Layers that load a whole external model from their config.
EXTERNAL_LAYERS = frozenset({"TFSMLayer", "KerasLayer"})
_CODE_WORDS = re.compile(
    r"\b(eval|exec|compile|__import__|import|os|sys|subprocess|system|popen|open|getattr|"
    r"globals|builtins)\b"
)


@dataclass(frozen=True)
class KerasHit:
    """One risky construct: severity name, kind code, what was named, and the JSON path."""

    severity: str  # "critical" | "high" | "medium"
    code: str  # "lambda" | "module" | "custom_object" | "external_file"
    name: str
    where: str
    message: str


@dataclass
class KerasConfig:
    """A model config as the loader would read it, plus where it came from."""

    source: str  # "config.json" | "model_config" | ...
    config: Any
    keras_version: str = ""
    members: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)  # training_config, metadata.json
    problems: list[Problem] = field(default_factory=list)

    def strings(self) -> Iterator[tuple[str, str]]:
        """Every string value in the configs as (JSON path, value), for secret scanning."""
        for label, doc in (("config", self.config), *self.extra.items()):
            for path, value in _walk(doc, label):
                if isinstance(value, str):
                    yield path, value


def _parse_json(raw: bytes | str, what: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise FormatError("bad_json", f"{what} is not valid JSON: {str(exc)[:120]}") from None


def read_keras_zip(fh: IO[bytes]) -> KerasConfig:
    """config.json (and metadata.json) of a Keras v3 ``.keras`` zip; FormatError if unreadable."""
    try:
        with zipfile.ZipFile(fh) as zf:
            names = zf.namelist()
            if "config.json" not in names:
                raise FormatError("no_config", "zip has no config.json")
            raw = _member(zf, "config.json")
            meta = _member(zf, "metadata.json") if "metadata.json" in names else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        if isinstance(exc, FormatError):
            raise
        raise FormatError("bad_zip", f"zip cannot be read: {str(exc)[:120]}") from None
    except RuntimeError as exc:  # encrypted member
        raise FormatError("bad_zip", f"zip member cannot be read: {str(exc)[:120]}") from None
    out = KerasConfig("config.json", _parse_json(raw, "config.json"), members=names)
    if meta is not None:
        try:
            metadata = _parse_json(meta, "metadata.json")
        except FormatError as exc:
            out.problems.append(Problem(exc.code, exc.message))
        else:
            out.extra["metadata"] = metadata
            if isinstance(metadata, dict):
                out.keras_version = str(metadata.get("keras_version", ""))
    return out


def _member(zf: zipfile.ZipFile, name: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_CONFIG:
        raise FormatError("config_too_large", f"{name} is {info.file_size} bytes")
    with zf.open(info) as fh:
        data = fh.read(MAX_CONFIG + 1)
    if len(data) > MAX_CONFIG:
        raise FormatError("config_too_large", f"{name} inflates past {MAX_CONFIG} bytes")
    return data


def read_h5_config(fh: IO[bytes]) -> KerasConfig | None:
    """``model_config`` (and ``training_config``) root attributes of an HDF5 file, or None when
    it holds no Keras model config. Only attributes are read, never datasets."""
    import h5py

    try:
        with h5py.File(fh, "r") as f:
            attrs = {
                k: f.attrs[k]
                for k in ("model_config", "training_config", "keras_version")
                if k in f.attrs
            }
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, OverflowError) as exc:
        # OverflowError: h5py converts a superblock address past ssize_t (a forged file).
        raise FormatError("bad_hdf5", f"HDF5 cannot be read: {str(exc)[:120]}") from None
    if "model_config" not in attrs:
        return None
    out = KerasConfig(
        "model_config", _parse_json(_attr_text(attrs["model_config"]), "model_config")
    )
    if "training_config" in attrs:
        try:
            out.extra["training_config"] = _parse_json(
                _attr_text(attrs["training_config"]), "training_config"
            )
        except FormatError as exc:
            out.problems.append(Problem(exc.code, exc.message))
    if "keras_version" in attrs:
        out.keras_version = _attr_text(attrs["keras_version"])[:40]
    return out


def _attr_text(value: Any) -> str:
    if isinstance(value, bytes):
        if len(value) > MAX_CONFIG:
            raise FormatError("config_too_large", "model_config attribute too large")
        return value.decode("utf-8", "replace")
    if hasattr(value, "tolist"):  # numpy scalar or array of bytes
        return _attr_text(value.tolist()) if not isinstance(value.tolist(), list) else ""
    return str(value)


def _walk(doc: Any, root: str) -> Iterator[tuple[str, Any]]:
    """(JSON path, value) for every value, iteratively and bounded."""
    stack: list[tuple[str, Any]] = [(root, doc)]
    seen = 0
    while stack:
        path, value = stack.pop()
        seen += 1
        if seen > MAX_NODES:
            raise FormatError("too_large", f"config has more than {MAX_NODES} values")
        yield path, value
        if isinstance(value, dict):
            stack.extend((f"{path}.{k}", v) for k, v in reversed(list(value.items())))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", v) for i, v in reversed(list(enumerate(value))))


def _in_keras(module: str) -> bool:
    return any(module == ns or module.startswith(ns + ".") for ns in KERAS_NAMESPACES)


def inspect_config(cfg: KerasConfig) -> list[KerasHit]:
    """Lambda layers, modules outside Keras, dangerous Keras functions and custom objects."""
    hits: list[KerasHit] = []
    for label, doc in (("config", cfg.config), *cfg.extra.items()):
        if label == "metadata":
            continue
        for path, value in _walk(doc, label):
            if isinstance(value, dict):
                hits.extend(_object_hits(path, value))
    order = {"critical": 0, "high": 1, "medium": 2}
    return sorted(hits, key=lambda h: order[h.severity])


def _object_hits(path: str, obj: dict[str, Any]) -> list[KerasHit]:
    hits: list[KerasHit] = []
    class_name = obj.get("class_name")
    module = obj.get("module")
    registered = obj.get("registered_name")
    if class_name == "Lambda":
        hits.append(_lambda_hit(path, obj.get("config")))
    hits.extend(_external_hits(path, class_name, obj.get("config")))
    if isinstance(module, str) and module:
        top = module.split(".")[0]
        name = f"{module}.{class_name}" if isinstance(class_name, str) else module
        if top in DANGEROUS_MODULES:
            hits.append(
                KerasHit(
                    "critical",
                    "module",
                    name,
                    path,
                    f"config makes the loader import {name!r}, which runs code or touches the host",
                )
            )
        elif not _in_keras(module):
            hits.append(
                KerasHit(
                    "high",
                    "module",
                    name,
                    path,
                    f"config makes the loader import {name!r} from outside the Keras namespaces",
                )
            )
        elif (
            isinstance(class_name, str)
            and class_name not in ("function", "__lambda__")
            and class_name[:1].islower()
        ):
            # A Keras function where a class belongs: the loader calls it with the config
            # (keras.utils.get_file deserialised as a layer, CVE-2025-8747).
            hits.append(
                KerasHit(
                    "high",
                    "module",
                    name,
                    path,
                    f"config rebuilds {name!r}, a function not a Keras class, and calls it "
                    "with the config's values",
                )
            )
        elif class_name == "function" and isinstance(obj.get("config"), str):
            fn = obj["config"]
            sev = DANGEROUS_KERAS_FUNCTIONS.get(fn.rsplit(".", 1)[-1])
            if sev:
                hits.append(
                    KerasHit(
                        sev,
                        "module",
                        f"{module}.{fn}",
                        path,
                        f"config calls {module}.{fn}, which a model never needs",
                    )
                )
    if isinstance(registered, str) and ">" in registered:
        package = registered.split(">", 1)[0]
        if not _in_keras(package.lower()):
            hits.append(
                KerasHit(
                    "medium",
                    "custom_object",
                    registered,
                    path,
                    f"custom object {registered!r} is rebuilt from code outside the model "
                    "and outside Keras",
                )
            )
    return hits


def _external_hits(path: str, class_name: Any, config: Any) -> list[KerasHit]:
    """A layer config that names a file, folder or URL the layer reads when it is built."""
    if not isinstance(config, dict):
        return []
    hits = []
    if class_name in EXTERNAL_LAYERS:
        target = next((v for v in config.values() if isinstance(v, str) and v), "")
        hits.append(
            KerasHit(
                "high",
                "external_file",
                f"{class_name}:{target}"[:200],
                path,
                f"{class_name} loads an external model ({target[:80]!r}) when the model is built",
            )
        )
        return hits
    for key in sorted(EXTERNAL_KEYS & config.keys()):
        value = config[key]
        if isinstance(value, str) and value.strip():
            hits.append(
                KerasHit(
                    "high",
                    "external_file",
                    f"{class_name}.{key}={value}"[:200],
                    f"{path}.config.{key}",
                    f"{class_name} reads {key} from {value[:80]!r} (a path or URL) when the "
                    "model is built",
                )
            )
    return hits


def _lambda_hit(path: str, config: Any) -> KerasHit:
    fn = config.get("function") if isinstance(config, dict) else None
    code: Any = None
    if isinstance(fn, dict):  # Keras 3: {"class_name": "__lambda__", "config": {"code": ...}}
        inner = fn.get("config")
        code = inner.get("code") if isinstance(inner, dict) else None
        if code is None and fn.get("class_name") == "function":
            return KerasHit(
                "high",
                "lambda",
                str(inner)[:80],
                path,
                f"Lambda layer calls function {str(inner)[:80]!r}",
            )
    elif isinstance(fn, list) and fn:  # Keras 2: [code, defaults, closure]
        code = fn[0]
    elif isinstance(fn, str):
        code = fn
    if isinstance(code, str) and _looks_marshalled(code):
        return KerasHit(
            "critical",
            "lambda",
            "marshalled",
            path,
            "Lambda layer carries marshalled Python bytecode that runs on load",
        )
    if isinstance(code, str) and _CODE_WORDS.search(code):
        return KerasHit(
            "critical",
            "lambda",
            code[:80],
            path,
            f"Lambda layer source runs host code: {code[:120]!r}",
        )
    return KerasHit(
        "high",
        "lambda",
        str(code)[:80] if code else "",
        path,
        "Lambda layer runs a Python function when the model is loaded",
    )


def _looks_marshalled(text: str) -> bool:
    try:
        raw = base64.b64decode(text.replace("\n", ""), validate=True)
    except (binascii.Error, ValueError):
        return False
    # marshal code objects start with TYPE_CODE ('c'), possibly with the FLAG_REF bit (0xe3)
    return len(raw) > 16 and raw[0] in (0x63, 0xE3)
