"""What a model folder says about itself: README.md front-matter and the transformers configs.

Read offline from bytes (never from the network, never by importing anything the folder ships),
and turned into flat, namespaced facts (``modelcard.*``, ``config.*``, ``chat_template.*``) so
that the AI-BOM, policy rules and the clean-room gate all work from the same Report. Nothing is
invented: a value the files do not hold is absent, and a value petgov derives (the task from
``id2label``) is marked as inferred.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

from petgov import filetypes as F
from petgov.model import Item

# Larger cards exist (long tables, base64 images) but the YAML front-matter is at the top.
MAX_CARD_BYTES = 2 * 1024 * 1024
MAX_CONFIG_BYTES = 4 * 1024 * 1024
MAX_DESCRIPTION = 500

README_NAMES = ("README.md", "readme.md", "README.MD", "Readme.md")
CONFIG_NAME = "config.json"
ADAPTER_CONFIG_NAME = "adapter_config.json"
CHAT_TEMPLATE_NAMES = ("chat_template.jinja", "chat_template.json")
TOKENIZER_CONFIG_NAME = "tokenizer_config.json"
GENERATION_CONFIG_NAME = "generation_config.json"
LFS_POINTER_PREFIX = b"version https://git-lfs.github.com/spec/v1"

_FRONT_MATTER = re.compile(rb"\A\s*---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)

# Heads of `architectures` names and the task they imply (transformers naming convention).
_ARCH_TASKS = (
    ("ForSequenceClassification", "text-classification"),
    ("ForTokenClassification", "token-classification"),
    ("ForQuestionAnswering", "question-answering"),
    ("ForCausalLM", "text-generation"),
    ("ForConditionalGeneration", "text2text-generation"),
    ("ForMaskedLM", "fill-mask"),
    ("ForImageClassification", "image-classification"),
    ("ForObjectDetection", "object-detection"),
    ("ForSpeechSeq2Seq", "automatic-speech-recognition"),
    ("ForCTC", "automatic-speech-recognition"),
    ("ForAudioClassification", "audio-classification"),
)

Facts = dict[str, Any]


def card_facts(files: Mapping[str, bytes]) -> Facts:
    """Facts from the metadata files of one model folder, keyed by their relative path.

    ``files`` holds only the small metadata files (README.md, config.json, ...), already read
    within the size limits by the caller.
    """
    facts: Facts = {}
    readme = _first(files, README_NAMES)
    if readme is not None:
        facts.update(_readme_facts(readme))
    config = files.get(CONFIG_NAME)
    if config is not None:
        facts.update(_config_facts(config))
    adapter = files.get(ADAPTER_CONFIG_NAME)
    if adapter is not None:
        base = _json_object(adapter).get("base_model_name_or_path")
        if isinstance(base, str) and base:
            facts["adapter.base_model"] = base
    facts.update(_chat_template_facts(files))
    generation = files.get(GENERATION_CONFIG_NAME)
    if generation is not None:
        facts["generation_config.sha256"] = hashlib.sha256(generation).hexdigest()
    return facts


def is_lfs_pointer(head: bytes) -> bool:
    """True when a file is a Git-LFS pointer (the weights were never fetched)."""
    return head.startswith(LFS_POINTER_PREFIX)


def metadata_name(rel_path: str) -> bool:
    """Whether a path (relative to the model folder) is one of the files ``card_facts`` reads."""
    names = (
        *README_NAMES,
        CONFIG_NAME,
        ADAPTER_CONFIG_NAME,
        *CHAT_TEMPLATE_NAMES,
        TOKENIZER_CONFIG_NAME,
        GENERATION_CONFIG_NAME,
    )
    return rel_path in names


def folder_names(target: str, items: Iterable[Item]) -> dict[str, str]:
    """Each file of the model folder a target holds: item path -> its path in that folder.

    A folder target: its files on disk, relative to it (a file target: its name). A zip or
    tarball target holds a model folder: its members, relative to the one folder they share
    when it was made with ``zip -r m.zip model/``, so the zip gets the folder's facts (D-m9).
    A model container (.keras, a torch zip, .npz) is one file, not a folder.
    """
    items = list(items)
    roots = [i for i in items if i.depth == 0]
    if not (len(roots) == 1 and roots[0].path == target and roots[0].format in F.ARCHIVES):
        prefix = "" if target == "." else target.rstrip("/") + "/"
        return {
            i.path: i.path[len(prefix) :] if i.path.startswith(prefix) else os.path.basename(i.path)
            for i in roots
        }
    members = [i for i in items if "!/" in i.path and i.format not in F.ARCHIVES]
    if len({i.path.rsplit("!/", 1)[0] for i in members}) != 1:  # an archive of archives
        return {}
    names = {i.path: i.path.rsplit("!/", 1)[1] for i in members}
    if len({n.split("/", 1)[0] for n in names.values()}) == 1 and all(
        "/" in n for n in names.values()
    ):
        names = {path: n.split("/", 1)[1] for path, n in names.items()}
    return names


def _first(files: Mapping[str, bytes], names: tuple[str, ...]) -> bytes | None:
    for name in names:
        if name in files:
            return files[name]
    return None


def _readme_facts(raw: bytes) -> Facts:
    facts: Facts = {"modelcard.present": True}
    text = raw[:MAX_CARD_BYTES].decode("utf-8", errors="replace")
    match = _FRONT_MATTER.match(raw[:MAX_CARD_BYTES])
    body = text[match.end() :] if match else text
    description = _first_paragraph(body)
    if description:
        facts["modelcard.description"] = description
    if match is None:
        facts["modelcard.metadata"] = False
        return facts
    try:
        data = _parse_metadata(text)
    except Exception as exc:  # malformed YAML or model-index: a fact, not a crash
        facts["modelcard.metadata"] = False
        facts["modelcard.error"] = f"{type(exc).__name__}: {exc}"[:300]
        return facts
    facts["modelcard.metadata"] = True
    facts.update(_metadata_facts(data))
    return facts


def _parse_metadata(text: str) -> Mapping[str, Any]:
    """The card metadata as a plain dict, as huggingface_hub's ``ModelCard`` would give it.

    Most cards are plain YAML: read here (importing huggingface_hub costs ~170 ms). Cards with
    evaluation results (``model-index``) or fields its parser rewrites in other ways go to it.
    """
    import yaml

    match = _HF_YAML_BLOCK.search(text)
    data = yaml.safe_load(match.group(2)) if match else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ValueError("repo card metadata block should be a dict")
    tags = data.get("tags")
    plain = (
        all(isinstance(k, str) for k in data)
        and not {"model-index", "eval_results", "ignore_metadata_errors"} & set(data)
        and (tags is None or isinstance(tags, str | list))
    )
    if not plain:
        return _parse_metadata_hf(text)
    if tags is not None:
        unique: list[Any] = []
        for tag in [tags] if isinstance(tags, str) else tags:
            if tag not in unique:
                unique.append(tag)
        data["tags"] = unique
    out = {k: v for k, v in data.items() if v is not None}
    out["_eval_results"] = []
    return out


# huggingface_hub's front-matter pattern (repocard.REGEX_YAML_BLOCK), so both readers agree.
_HF_YAML_BLOCK = re.compile(
    r"^(\s*---(?:\r\n|\r|\n))([\S\s]*?)((?:\r\n|\r|\n)---[ \t]*(\r\n|\n|$))"
)


def _parse_metadata_hf(text: str) -> Mapping[str, Any]:
    """The card metadata through huggingface_hub's parser (offline), as a plain dict.

    ``ModelCard`` parses ``model-index`` into eval results; we keep its normalised dict plus
    the parsed results under ``_eval_results``.
    """
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)
    saved = os.environ.get("HF_HUB_OFFLINE")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # frozen at huggingface_hub's first import
    try:
        from huggingface_hub import ModelCard
    finally:  # not left behind: it would read as the user forbidding the network (--offline)
        if saved is None:
            os.environ.pop("HF_HUB_OFFLINE", None)

    card = ModelCard(text, ignore_metadata_errors=True)
    card_data: Any = card.data
    data: dict[str, Any] = dict(card_data.to_dict())
    results = []
    for r in card_data.eval_results or []:
        entry = {
            "task_type": r.task_type,
            "task_name": r.task_name,
            "dataset_type": r.dataset_type,
            "dataset_name": r.dataset_name,
            "dataset_split": r.dataset_split,
            "metric_type": r.metric_type,
            "metric_name": r.metric_name,
            "metric_value": r.metric_value,
            "verified": r.verified,
        }
        results.append({k: v for k, v in entry.items() if v is not None})
    data["_eval_results"] = results
    return data


def _metadata_facts(data: Mapping[str, Any]) -> Facts:
    facts: Facts = {}
    for key in ("license", "license_name", "license_link", "pipeline_tag", "library_name"):
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            facts[f"modelcard.{key}"] = value.strip()
    model_name = data.get("model_name")
    if isinstance(model_name, str) and model_name.strip():
        facts["modelcard.model_name"] = model_name.strip()
    for key in ("base_model", "datasets", "language", "tags", "metrics"):
        values = _str_list(data.get(key))
        if values:
            facts[f"modelcard.{key}"] = values
    base_relation = data.get("base_model_relation")
    if isinstance(base_relation, str):
        facts["modelcard.base_model_relation"] = base_relation
    results = _json_safe(data.get("_eval_results") or [])
    if results:
        facts["modelcard.eval_results"] = results
    co2 = data.get("co2_eq_emissions")
    if isinstance(co2, (int, float)) and not isinstance(co2, bool):
        facts["modelcard.co2_eq_emissions"] = co2
    elif isinstance(co2, Mapping) and isinstance(co2.get("emissions"), (int, float)):
        facts["modelcard.co2_eq_emissions"] = co2["emissions"]
    return facts


def _config_facts(raw: bytes) -> Facts:
    config = _json_object(raw[:MAX_CONFIG_BYTES])
    facts: Facts = {}
    if not config:
        return facts
    architectures = _str_list(config.get("architectures"))
    if architectures:
        facts["config.architectures"] = architectures
    model_type = config.get("model_type")
    if isinstance(model_type, str) and model_type:
        facts["config.model_type"] = model_type
    name = config.get("_name_or_path")
    if isinstance(name, str) and name:
        facts["config.name_or_path"] = name
    task = config.get("finetuning_task")
    if isinstance(task, str) and task:
        facts["config.finetuning_task"] = task
    labels = config.get("id2label")
    if isinstance(labels, Mapping) and labels:
        facts["config.labels"] = [str(v) for _, v in sorted(labels.items(), key=_label_key)][:50]
    inferred = _task_from_architectures(architectures) or _task_from_labels(config)
    if inferred:
        facts["config.task"] = inferred
        facts["config.task_inferred"] = True
    return facts


def _label_key(pair: tuple[Any, Any]) -> tuple[int, str]:
    key = str(pair[0])
    return (int(key), key) if key.isdigit() else (1 << 30, key)


def _task_from_architectures(architectures: list[str]) -> str | None:
    for arch in architectures:
        for suffix, task in _ARCH_TASKS:
            if arch.endswith(suffix):
                return task
    return None


def _task_from_labels(config: Mapping[str, Any]) -> str | None:
    """A classification head: named labels (not the default LABEL_n) or a fine-tuning task."""
    labels = config.get("id2label")
    named = isinstance(labels, Mapping) and any(
        not re.fullmatch(r"LABEL_\d+", str(v)) for v in labels.values()
    )
    if named or isinstance(config.get("finetuning_task"), str):
        return "text-classification"
    return None


def _chat_template_facts(files: Mapping[str, bytes]) -> Facts:
    """Chat templates are executable Jinja: record where they are and their digest."""
    facts: Facts = {}
    templates: dict[str, str] = {}
    for name in CHAT_TEMPLATE_NAMES:
        if name in files:
            templates[name] = hashlib.sha256(files[name]).hexdigest()
    tokenizer = files.get(TOKENIZER_CONFIG_NAME)
    if tokenizer is not None:
        template = _json_object(tokenizer[:MAX_CONFIG_BYTES]).get("chat_template")
        if isinstance(template, str) and template:
            digest = hashlib.sha256(template.encode("utf-8")).hexdigest()
            templates[f"{TOKENIZER_CONFIG_NAME}#chat_template"] = digest
    if templates:
        facts["chat_template.sources"] = sorted(templates)
        facts["chat_template.sha256"] = [templates[k] for k in sorted(templates)]
    return facts


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        value = json.loads(raw.decode("utf-8", errors="replace"))
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _str_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    if isinstance(value, list):
        return [v.strip() for v in value if isinstance(v, str) and v.strip()]
    return []


def _json_safe(value: Any) -> Any:
    """Round-trip through JSON so facts never hold YAML dates or other odd types."""
    return json.loads(json.dumps(value, default=str))


def _first_paragraph(body: str) -> str:
    """The first prose paragraph of the card (headings, HTML, tables and images skipped)."""
    paragraph: list[str] = []
    for line in body.splitlines():
        stripped = line.strip()
        skip = stripped.startswith(("#", "<", "|", "!", "```", "---", "[!"))
        if not stripped or skip:
            if paragraph:
                break
            continue
        paragraph.append(stripped)
    text = " ".join(paragraph)
    return text[:MAX_DESCRIPTION]
