"""Python dependency manifests and lock files, parsed without running anything.

Each parser returns :class:`Dependency` rows: the name as written and normalized (PEP 503), the
exact version when the file pins one, and the specifier otherwise.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

REQUIREMENTS = re.compile(r"^(?:.*[-_.])?requirements?(?:[-_.].*)?\.(?:txt|in)$", re.IGNORECASE)
LOCK_NAMES = frozenset({"poetry.lock", "uv.lock", "pylock.toml", "Pipfile.lock", "pdm.lock"})


@dataclass(frozen=True)
class Dependency:
    """One declared or locked package."""

    name: str
    version: str | None  # exact version when pinned or locked
    specifier: str
    source: str  # file path it came from
    line: int = 0
    # CycloneDX scope: "optional" for extras, dev groups and Pipfile's develop section, which a
    # deployment need not install; everything else is "required".
    scope: str = "required"

    @property
    def purl(self) -> str:
        base = f"pkg:pypi/{self.name}"
        return f"{base}@{self.version}" if self.version else base

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "specifier": self.specifier,
            "source": self.source,
            "purl": self.purl,
            "scope": self.scope,
        }


def is_manifest(basename: str) -> bool:
    """Whether a file name is one this module parses."""
    return bool(
        REQUIREMENTS.match(basename) or basename == "pyproject.toml" or basename in LOCK_NAMES
    )


def canonicalize_name(name: str) -> str:
    """The PEP 503 normalised project name (what ``packaging.utils.canonicalize_name`` returns)."""
    return _SEPARATORS.sub("-", name).lower()


_SEPARATORS = re.compile(r"[-_.]+")


def _from_requirement(
    text: str, source: str, line: int, scope: str = "required"
) -> Dependency | None:
    from packaging.requirements import InvalidRequirement, Requirement  # ~20 ms: only when read

    try:
        req = Requirement(text)
    except InvalidRequirement:
        return None
    pinned = [s.version for s in req.specifier if s.operator in ("==", "===")]
    version = pinned[0] if len(pinned) == 1 and "*" not in pinned[0] else None
    return Dependency(canonicalize_name(req.name), version, str(req.specifier), source, line, scope)


def parse_requirements(text: str, source: str) -> list[Dependency]:
    """requirements.txt: one requirement a line; options, URLs and includes are skipped."""
    out: list[Dependency] = []
    for i, raw in enumerate(text.splitlines(), 1):
        line = raw.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not line or line.startswith(("#", "-", "git+", "http:", "https:", "file:", ".")):
            continue
        line = line.split(";", 1)[0].strip() if "@" not in line else line
        dep = _from_requirement(line.split(" \\", 1)[0].strip(), source, i)
        if dep:
            out.append(dep)
    return out


def _toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on 3.10 only
        import tomli as tomllib

    doc: dict[str, Any] = tomllib.loads(text)
    return doc


def parse_pyproject(text: str, source: str) -> list[Dependency]:
    """PEP 621 dependencies and optional dependencies, plus Poetry's tables."""
    doc = _toml(text)
    reqs: list[tuple[str, str]] = []
    project = doc.get("project", {})
    reqs += [(r, "required") for r in project.get("dependencies", []) if isinstance(r, str)]
    for group in project.get("optional-dependencies", {}).values():
        reqs += [(r, "optional") for r in group if isinstance(r, str)]
    out = [d for d in (_from_requirement(r, source, 0, scope) for r, scope in reqs) if d]
    poetry = doc.get("tool", {}).get("poetry", {})
    tables = [(poetry.get("dependencies", {}), "required")] + [
        (g.get("dependencies", {}), "optional") for g in poetry.get("group", {}).values()
    ]
    for table, scope in tables:
        for name, spec in table.items():
            if name.lower() == "python":
                continue
            version = spec if isinstance(spec, str) else spec.get("version", "")
            version = str(version)
            exact = version if re.fullmatch(r"=?=?\d[\w.!+-]*", version) else None
            out.append(
                Dependency(
                    canonicalize_name(name),
                    exact.lstrip("=") if exact else None,
                    version,
                    source,
                    scope=scope,
                )
            )
    return out


def parse_lock(text: str, basename: str, source: str) -> list[Dependency]:
    """poetry.lock / uv.lock / pdm.lock / pylock.toml ([[package(s)]]) and Pipfile.lock."""
    if basename == "Pipfile.lock":
        doc = json.loads(text)
        out: list[Dependency] = []
        for section in ("default", "develop"):
            for name, spec in (doc.get(section) or {}).items():
                version = str(spec.get("version", "")) if isinstance(spec, dict) else ""
                exact = version.lstrip("=") or None
                scope = "optional" if section == "develop" else "required"
                out.append(Dependency(canonicalize_name(name), exact, version, source, scope=scope))
        return out
    doc = _toml(text)
    packages: Iterable[Any] = doc.get("package", []) or doc.get("packages", [])
    return [
        Dependency(canonicalize_name(p["name"]), str(p["version"]), f"=={p['version']}", source)
        for p in packages
        if isinstance(p, dict) and isinstance(p.get("name"), str) and p.get("version")
    ]


def parse(basename: str, text: str, source: str) -> list[Dependency]:
    """Dispatch on the file name; raises ValueError for a file that does not parse."""
    if basename == "pyproject.toml":
        return parse_pyproject(text, source)
    if basename in LOCK_NAMES:
        return parse_lock(text, basename, source)
    return parse_requirements(text, source)


def environment() -> list[Dependency]:
    """Every distribution installed in the running interpreter's environment."""
    from importlib.metadata import distributions

    out = {}
    for dist in distributions():
        name = dist.metadata["Name"]
        if name:
            dep = Dependency(canonicalize_name(name), dist.version, f"=={dist.version}", "<env>")
            out[dep.name] = dep
    return sorted(out.values(), key=lambda d: d.name)
