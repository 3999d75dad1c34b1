"""Which files are datasets for the PII scanner, and which only sit next to models.

Signatures, Sigstore bundles, model configs, tokenizer files, chat templates, label maps,
Git-LFS pointers and a Hugging Face ``datasets`` folder's metadata (``state.json``,
``dataset_info.json``, ``dataset_dict.json``) carry URLs and column-like keys but no personal
data; reading them as datasets gave findings on every signed model (a clean room with no PII
allowed then denied all of them).
Tabular files, JSONL/Parquet/Arrow, text data files and JSON *records* are datasets.
"""

from __future__ import annotations

import posixpath
import re
from typing import Any

from petgov import filetypes as F
from petgov.modelcard import is_lfs_pointer

# Files that ship beside a model (or with petgov) and are never datasets, whatever their shape.
NOT_DATA = re.compile(
    r"^(readme|license|licence|notice|copying|authors|changelog|requirements[^/]*|"
    r"vocab[^/]*|merges|added_tokens|[^/]*tokenizer[^/]*|[^/]*config[^/]*|special_tokens_map|"
    r"model_index|modules|labels?|id2label|label2id|trainer_state|training_args|scheduler|"
    r"chat_template|[^/]*\.index|state|dataset_infos?|dataset_dict)\.(txt|json|text|jinja|sig)$"
    r"|\.(sig|sigstore|sigstore\.json|jinja|jinja2)$",
    re.IGNORECASE,
)
TEXT_DATA_SUFFIXES = (".txt", ".text", ".log")
COMPRESSION_SUFFIXES = (".gz", ".bz2", ".xz", ".zst")
LFS_POINTER_MAX = 1024


def is_dataset(entry: Any) -> bool:
    """A data file by format and name (``entry``: a scanner Entry): tabular formats, or text
    data files (``.txt``)."""
    fmt = entry.item.format
    if fmt != F.TEXT and fmt not in F.TABULAR:
        return False  # before the name: most entries of a model folder stop here
    name = posixpath.basename(entry.item.path.replace("!/", "/"))
    if NOT_DATA.search(name):
        return False
    if fmt == F.TEXT:
        bare = name.lower()
        for suffix in COMPRESSION_SUFFIXES:
            bare = bare.removesuffix(suffix)
        if not bare.endswith(TEXT_DATA_SUFFIXES):
            return False
    return not (entry.item.size <= LFS_POINTER_MAX and _lfs_pointer(entry))


def records_shape(doc: Any) -> Any | None:
    """The rows of a JSON document that holds records or strings, else None (a config, a map).

    A list of objects or strings is a dataset; so is an object with one list of them
    (``{"data": [...]}``); an object with several such lists becomes one row (as before).
    """
    if isinstance(doc, list):
        return doc if _rows(doc) else None
    if isinstance(doc, dict):
        lists = [v for v in doc.values() if isinstance(v, list) and _rows(v)]
        if not lists:
            return None
        return lists[0] if len(lists) == 1 else [doc]
    return None


def _rows(values: list[Any]) -> bool:
    return bool(values) and (
        all(isinstance(v, dict) for v in values) or all(isinstance(v, str) for v in values)
    )


def _lfs_pointer(entry: Any) -> bool:
    try:
        return is_lfs_pointer(entry.source.read_head(64))  # kept after release: no reopen
    except OSError:
        return False
