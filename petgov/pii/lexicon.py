"""Given names and surnames of 80+ locales, frozen from faker's person providers.

Names without an NLP model need a list of names. faker (already a dependency, for redaction)
keeps given-name and surname lists for 86 locales; importing its 86 provider modules costs
about a second, so the lists are frozen into ``petgov/data/pii/names.json.gz`` (one read at
first use, nothing fetched at run time) by ``build()``, which a test compares with the
installed faker.
"""

from __future__ import annotations

import functools
import gzip
import importlib
import json
import pkgutil
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

DATA = "pii/names.json.gz"
# Joining words inside names ("de la Cruz", "van der Berg", "bin Ahmad"): never evidence.
PARTICLES = frozenset(
    [
        "de",
        "la",
        "le",
        "du",
        "des",
        "del",
        "della",
        "di",
        "da",
        "das",
        "do",
        "dos",
        "van",
        "der",
        "den",
        "von",
        "vom",
        "zu",
        "ten",
        "ter",
        "bin",
        "binti",
        "bint",
        "ibn",
        "al",
        "el",
        "abu",
        "ben",
        "mac",
        "st",
        "y",
        "e",
        "i",
    ]
)
# Provider attributes holding lists: first_names_female, middle_names (patronymics: given
# names too), last_names, male_last_names, unisex_last_names...
_GIVEN = re.compile(r"^(?:first|middle)_names(?:_\w+)?$")
_SURNAME = re.compile(r"^(?:\w+_)?last_names(?:_\w+)?$")
_SPLIT = re.compile(r"[\s\-\u2010]+")


@dataclass(frozen=True)
class Lexicon:
    """Casefolded name tokens: given names and surnames (a token may be both)."""

    given: frozenset[str]
    surname: frozenset[str]
    source: str

    def is_name(self, token: str) -> bool:
        t = token.casefold()
        return t in self.given or t in self.surname


def tokens(name: str) -> list[str]:
    """The casefolded words of a listed name, particles left out ("van der Berg" -> berg)."""
    out = []
    for word in _SPLIT.split(name.strip()):
        word = word.strip(".,'\u2019").casefold()
        if word and word not in PARTICLES and not word.isdigit():
            out.append(word)
    return out


def _names(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value]
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v) for v in value]
    return []  # a property or anything else that is not a list


def build() -> dict[str, Any]:
    """The lexicon from the installed faker's person providers (what the data file holds)."""
    import faker
    import faker.providers.person as person

    given: set[str] = set()
    surname: set[str] = set()
    locales = []
    for info in pkgutil.iter_modules(person.__path__):
        provider = importlib.import_module(f"{person.__name__}.{info.name}").Provider
        locales.append(info.name)
        for attr in dir(provider):
            into = given if _GIVEN.match(attr) else surname if _SURNAME.match(attr) else None
            if into is None:
                continue
            for name in _names(getattr(provider, attr, None)):
                into.update(t for t in tokens(name) if len(t) > 1 or not t.isascii())
    return {
        "source": f"faker {faker.VERSION} person providers ({len(locales)} locales)",
        "given": sorted(given),
        "surname": sorted(surname),
    }


@functools.lru_cache(maxsize=1)
def load() -> Lexicon:
    """The shipped lexicon (read once per process)."""
    raw = resources.files("petgov.data").joinpath(DATA).read_bytes()
    doc = json.loads(gzip.decompress(raw))
    return Lexicon(frozenset(doc["given"]), frozenset(doc["surname"]), str(doc["source"]))


def write(path: str) -> None:
    """Freeze ``build()`` into ``path`` (gzip, reproducible bytes)."""
    data = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
    with open(path, "wb") as fh:
        fh.write(gzip.compress(data, mtime=0))


if __name__ == "__main__":  # python -m petgov.pii.lexicon: refresh the data file
    import sys

    write(sys.argv[1] if len(sys.argv) > 1 else f"petgov/data/{DATA}")
