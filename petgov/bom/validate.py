"""Validation before writing: the CycloneDX strict JSON schema, then petgov's bom-ref checks.

The schema does not check referential integrity (a ``ref`` to nothing validates, duplicate
``bom-ref``s pass unless the whole objects are equal), so petgov checks that every bom-ref is
unique and every reference resolves. Errors name the JSON path, never the whole document.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from petgov.errors import OutputError

SPECS = ("1.6", "1.7")
BOM_LINK = "urn:cdx:"


@dataclass(frozen=True)
class Problem:
    """One validation error: where (JSON path) and what."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def schema_problems(doc: Any, spec: str) -> list[Problem]:
    """Errors of the library's strict JSON-schema validator for ``spec`` (first error only)."""
    error = _validator(spec).validate_str(json.dumps(doc))
    if error is None:
        return []
    data = error.data
    path = getattr(data, "json_path", None) or "$"
    message = getattr(data, "message", None) or str(data)
    return [Problem(str(path), _short(str(message)))]


@functools.lru_cache(maxsize=4)
def _validator(spec: str) -> Any:
    """One strict validator per spec: building it (schema registry) costs about a second."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.from_version(spec))


def reference_problems(doc: Any) -> list[Problem]:
    """Duplicate bom-refs and references (``ref``, ``dependsOn``, ``provides``) to nothing."""
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    refs: list[tuple[str, str]] = []
    for path, key, value in _walk(doc, "$"):
        if key == "bom-ref" and isinstance(value, str):
            if value in seen:
                problems.append(
                    Problem(path, f"duplicate bom-ref {value!r} (first at {seen[value]})")
                )
            else:
                seen[value] = path
        elif key == "ref" and isinstance(value, str):
            refs.append((path, value))
        elif key in ("dependsOn", "provides") and isinstance(value, list):
            refs.extend((f"{path}[{i}]", v) for i, v in enumerate(value) if isinstance(v, str))
    for path, ref in refs:
        if ref not in seen and not ref.startswith(BOM_LINK):
            problems.append(Problem(path, f"reference {ref!r} names no bom-ref in this BOM"))
    return problems


def problems(doc: Any, spec: str) -> list[Problem]:
    """Schema errors first (they make reference checks meaningless), else reference errors."""
    if spec not in SPECS:
        raise OutputError(f"unsupported CycloneDX spec {spec!r}", hint="use 1.6 or 1.7")
    found = schema_problems(doc, spec)
    return found or reference_problems(doc)


def check(doc: Any, spec: str) -> None:
    """Raise OutputError naming the first problem's JSON path when ``doc`` is not valid."""
    found = problems(doc, spec)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise OutputError(
            f"invalid CycloneDX {spec} BOM, not written: {found[0]}{more}",
            hint="this is a petgov bug if the BOM was built by petgov; please report it",
        )


def _walk(node: Any, path: str) -> Iterator[tuple[str, str, Any]]:
    """Every (json path, key, value) below ``node``, depth first, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}" if key.replace("_", "").isalnum() else f"{path}[{key!r}]"
            yield sub, key, value
            yield from _walk(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}[{i}]")


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."
