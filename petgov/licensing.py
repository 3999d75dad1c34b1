"""License identifiers normalized to SPDX, with the facts policy needs.

Hugging Face cards use lower-case SPDX ids (``apache-2.0``) plus their own keys for model terms
(``llama3``, ``gemma``, ``openrail``); ``LICENSE`` files carry text only. Both become one
:class:`LicenseInfo`: an SPDX expression (``LicenseRef-*`` for custom terms) and flags.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

# Hub license keys that are not SPDX ids: model terms with their own restrictions.
CUSTOM_TERMS: dict[str, str] = {
    "llama2": "LicenseRef-Llama-2-Community",
    "llama3": "LicenseRef-Llama-3-Community",
    "llama3.1": "LicenseRef-Llama-3.1-Community",
    "llama3.2": "LicenseRef-Llama-3.2-Community",
    "llama3.3": "LicenseRef-Llama-3.3-Community",
    "llama4": "LicenseRef-Llama-4-Community",
    "gemma": "LicenseRef-Gemma-Terms",
    "openrail": "LicenseRef-OpenRAIL",
    "openrail++": "LicenseRef-OpenRAIL-PlusPlus",
    "bigscience-openrail-m": "LicenseRef-BigScience-OpenRAIL-M",
    "creativeml-openrail-m": "LicenseRef-CreativeML-OpenRAIL-M",
    "bigscience-bloom-rail-1.0": "LicenseRef-BigScience-BLOOM-RAIL-1.0",
    "bigcode-openrail-m": "LicenseRef-BigCode-OpenRAIL-M",
    "deepfloyd-if-license": "LicenseRef-DeepFloyd-IF",
    "apple-ascl": "LicenseRef-Apple-ASCL",
    "intel-research": "LicenseRef-Intel-Research",
    "lgpl-lr": "LicenseRef-LGPL-LR",
    "qwen": "LicenseRef-Qwen",
    "qwen-research": "LicenseRef-Qwen-Research",
    "mistral-research": "LicenseRef-Mistral-Research",
    "mnpl": "LicenseRef-Mistral-Non-Production",
    "other": "LicenseRef-other",
}
# Hub aliases for ids that SPDX spells differently.
ALIASES: dict[str, str] = {
    "gpl": "GPL-3.0-or-later",
    "lgpl": "LGPL-3.0-or-later",
    "agpl-3.0": "AGPL-3.0-only",
    "gpl-3.0": "GPL-3.0-only",
    "gpl-2.0": "GPL-2.0-only",
    "lgpl-3.0": "LGPL-3.0-only",
    "lgpl-2.1": "LGPL-2.1-only",
    "cc": "LicenseRef-cc-unspecified",
    "pddl": "PDDL-1.0",
    "odc-by": "ODC-By-1.0",
    "odbl": "ODbL-1.0",
    "c-uda": "C-UDA-1.0",
    "wtfpl": "WTFPL",
}
# Terms that forbid commercial use or production deployment.
NON_COMMERCIAL_IDS = frozenset(
    {
        "LicenseRef-Qwen-Research",
        "LicenseRef-Mistral-Research",
        "LicenseRef-Mistral-Non-Production",
        "LicenseRef-Intel-Research",
        "LicenseRef-DeepFloyd-IF",
        "LicenseRef-Apple-ASCL",
        "C-UDA-1.0",
    }
)
COPYLEFT_PREFIXES = ("GPL-", "AGPL-", "LGPL-", "SSPL-", "EUPL-", "OSL-", "CC-BY-SA-", "MPL-")
UNKNOWN = frozenset({"unknown", "none", "noassertion", ""})

# Text fingerprints for LICENSE files, checked in order (most specific first).
TEXT_FINGERPRINTS: tuple[tuple[str, str], ...] = (
    (r"llama 4 community license", "LicenseRef-Llama-4-Community"),
    (r"llama 3\.3 community license", "LicenseRef-Llama-3.3-Community"),
    (r"llama 3\.2 community license", "LicenseRef-Llama-3.2-Community"),
    (r"llama 3\.1 community license", "LicenseRef-Llama-3.1-Community"),
    (r"meta llama 3 community license", "LicenseRef-Llama-3-Community"),
    (r"llama 2 community license", "LicenseRef-Llama-2-Community"),
    (r"gemma terms of use", "LicenseRef-Gemma-Terms"),
    (r"attribution-noncommercial-sharealike 4\.0", "CC-BY-NC-SA-4.0"),
    (r"attribution-noncommercial-noderivatives 4\.0", "CC-BY-NC-ND-4.0"),
    (r"attribution-noncommercial 4\.0", "CC-BY-NC-4.0"),
    (r"attribution-sharealike 4\.0", "CC-BY-SA-4.0"),
    (r"attribution 4\.0 international", "CC-BY-4.0"),
    (r"openrail", "LicenseRef-OpenRAIL"),
    (r"gnu affero general public license\s+version 3", "AGPL-3.0-only"),
    (r"gnu lesser general public license\s+version 3", "LGPL-3.0-only"),
    (r"gnu general public license\s+version 3", "GPL-3.0-only"),
    (r"gnu general public license\s+version 2", "GPL-2.0-only"),
    (r"apache license,?\s+version 2\.0", "Apache-2.0"),
    (r"mozilla public license,?\s+version 2\.0", "MPL-2.0"),
    (r"permission is hereby granted, free of charge", "MIT"),
    (r"redistribution and use in source and binary forms.*neither the name", "BSD-3-Clause"),
    (r"redistribution and use in source and binary forms", "BSD-2-Clause"),
    (r"this is free and unencumbered software released into the public domain", "Unlicense"),
)


@dataclass
class LicenseInfo:
    """A normalized license: SPDX expression, where it came from, and policy flags."""

    expression: str | None
    source: str
    raw: str = ""
    custom: bool = False
    non_commercial: bool = False
    copyleft: bool = False
    unrecognized: list[str] = field(default_factory=list)
    url: str | None = None

    def facts(self) -> dict[str, Any]:
        return {
            "license.id": self.expression,
            "license.non_commercial": self.non_commercial,
            "license.custom": self.custom,
            "license.copyleft": self.copyleft,
            "license.missing": self.expression is None,
            "license.source": self.source,
            "license.url": self.url,
        }


@lru_cache(maxsize=1)
def _spdx() -> Any:
    from license_expression import get_spdx_licensing

    return get_spdx_licensing()


# SPDX license ids (lower case -> as SPDX writes them) as license-expression's index holds them:
# importing it and building its Licensing object cost ~40 ms of a scan for a card's
# ``license: apache-2.0``. Used only when the installed license-expression is the version they
# were read from (a test keeps the file equal to it); any other token goes to the library.
SPDX_IDS_FILE = "licenses/spdx_ids.json"


@lru_cache(maxsize=1)
def _known_ids() -> dict[str, str]:
    import json
    from importlib import resources

    from petgov.util.distversion import version

    try:
        raw = resources.files("petgov.data").joinpath(SPDX_IDS_FILE).read_text("utf-8")
        shipped = json.loads(raw)
        installed = version("license-expression")
    except (OSError, ValueError, ImportError):
        return {}
    if not isinstance(shipped, dict) or shipped.get("license-expression") != installed:
        return {}
    ids = shipped.get("ids")
    return dict(ids) if isinstance(ids, dict) else {}


def spdx_ids() -> dict[str, Any]:
    """The content of ``SPDX_IDS_FILE``, read from the installed license-expression: every
    license (not exception) key and alias, lower-cased, to the key its Licensing normalizes to."""
    from license_expression import get_license_index

    from petgov.util.distversion import version

    ids: dict[str, str] = {}
    for lic in get_license_index():
        key = lic.get("spdx_license_key")
        if not key or lic.get("is_exception"):
            continue
        for name in (key, *lic.get("other_spdx_license_keys", [])):
            ids.setdefault(name.lower(), key)
    return {"license-expression": version("license-expression"), "ids": dict(sorted(ids.items()))}


def normalize(raw: str, source: str = "") -> LicenseInfo:
    """Normalize one license string (an SPDX expression or a Hub key) to a LicenseInfo."""
    text = raw.strip()
    if text.lower() in UNKNOWN:
        return LicenseInfo(None, source, raw=raw)
    parts = re.split(r"(\s+(?:AND|OR|WITH|and|or|with)\s+|[()])", text)
    out: list[str] = []
    unrecognized: list[str] = []
    for part in parts:
        token = part.strip()
        if not token or token.upper() in ("AND", "OR", "WITH") or token in "()":
            out.append(part.upper() if token.upper() in ("AND", "OR", "WITH") else part)
            continue
        key = token.lower()
        if key in CUSTOM_TERMS:
            out.append(CUSTOM_TERMS[key])
        elif key in ALIASES:
            out.append(ALIASES[key])
        elif token.startswith("LicenseRef-"):
            out.append(token)
        elif key in _known_ids():
            out.append(_known_ids()[key])
        else:
            info = _spdx().validate(token)
            if info.normalized_expression and not info.errors:
                out.append(str(info.normalized_expression))
            else:
                safe = re.sub(r"[^A-Za-z0-9.\-]", "-", token)[:64]
                out.append(f"LicenseRef-{safe}")
                unrecognized.append(token)
    expression = "".join(out).strip()
    return describe(expression, source, raw=raw, unrecognized=unrecognized)


def describe(
    expression: str, source: str, *, raw: str = "", unrecognized: list[str] | None = None
) -> LicenseInfo:
    """Flags for an already-normalized SPDX expression."""
    ids = [t for t in re.split(r"[\s()]+", expression) if t and t not in ("AND", "OR", "WITH")]
    return LicenseInfo(
        expression=expression,
        source=source,
        raw=raw or expression,
        custom=any(i.startswith("LicenseRef-") for i in ids),
        non_commercial=any("-NC-" in i or i[-3:] == "-NC" or i in NON_COMMERCIAL_IDS for i in ids),
        copyleft=any(i.startswith(COPYLEFT_PREFIXES) for i in ids),
        unrecognized=list(unrecognized or []),
    )


def from_text(text: str, source: str) -> LicenseInfo | None:
    """Identify a LICENSE file's text by fingerprints; None when nothing matches."""
    head = re.sub(r"\s+", " ", text[:20000].lower())
    for pattern, spdx in TEXT_FINGERPRINTS:
        if re.search(pattern, head):
            return describe(spdx, source)
    return None


def front_matter(text: str) -> dict[str, Any] | None:
    """The YAML front matter of a model or dataset card, or None."""
    if not text.startswith("---"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    import yaml

    try:
        doc = yaml.safe_load(text[3:end])
    except yaml.YAMLError:
        return None
    return doc if isinstance(doc, dict) else None


def from_card(meta: dict[str, Any], source: str) -> LicenseInfo | None:
    """License of a card's metadata (``license``, ``license_name``, ``license_link``)."""
    value = meta.get("license")
    if isinstance(value, list):
        value = " AND ".join(str(v) for v in value if v)
    if not isinstance(value, str) or not value.strip():
        return None
    info = normalize(value, source)
    name = meta.get("license_name")
    if info.expression == "LicenseRef-other" and isinstance(name, str) and name.strip():
        safe = re.sub(r"[^A-Za-z0-9.\-]", "-", name.strip())[:64]
        info = describe(f"LicenseRef-{safe}", source, raw=f"other:{name}")
        lowered = name.lower()
        if "research" in lowered or "non-commercial" in lowered or "noncommercial" in lowered:
            info.non_commercial = True
    link = meta.get("license_link")
    if isinstance(link, str) and link.strip():
        info.url = link.strip()
    return info
