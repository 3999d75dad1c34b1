"""Validation before writing: the CycloneDX strict JSON schema, then petgov's bom-ref checks.

The schema does not check referential integrity (a ``ref`` to nothing validates, duplicate
``bom-ref``s pass unless the whole objects are equal), so petgov checks that every bom-ref is
unique and every reference resolves. Errors name the JSON path, never the whole document.
"""

from __future__ import annotations

import functools
import json
import sys
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
    _use_fast_iri_check()
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    return JsonStrictValidator(SchemaVersion.from_version(spec))


# RFC 3987 ucschar ranges (iprivate only in a query); everything else non-ASCII is invalid.
_UCSCHAR = (
    (0xA0, 0xD7FF), (0xF900, 0xFDCF), (0xFDF0, 0xFFEF), (0x10000, 0x1FFFD), (0x20000, 0x2FFFD),
    (0x30000, 0x3FFFD), (0x40000, 0x4FFFD), (0x50000, 0x5FFFD), (0x60000, 0x6FFFD),
    (0x70000, 0x7FFFD), (0x80000, 0x8FFFD), (0x90000, 0x9FFFD), (0xA0000, 0xAFFFD),
    (0xB0000, 0xBFFFD), (0xC0000, 0xCFFFD), (0xD0000, 0xDFFFD), (0xE1000, 0xEFFFD),
)  # fmt: skip
_IPRIVATE = ((0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD))


def _in(ranges: tuple[tuple[int, int], ...], code: int) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def iri_to_uri(iri: str) -> str | None:
    """RFC 3987 section 3.1: percent-encode allowed non-ASCII characters; None when one is not."""
    out: list[str] = []
    in_query = False
    for ch in iri:
        code = ord(ch)
        if ch == "?":
            in_query = True
        elif ch == "#":
            in_query = False
        if code < 0x80:
            out.append(ch)
        elif _in(_UCSCHAR, code) or (in_query and _in(_IPRIVATE, code)):
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8")))
        else:
            return None
    return "".join(out)


def is_iri_reference(instance: object) -> bool:
    """An IRI reference is valid when its URI mapping is an RFC 3986 URI reference."""
    from rfc3986_validator import validate_rfc3986  # type: ignore[import-untyped]

    if not isinstance(instance, str):
        return True
    uri = iri_to_uri(instance)
    return uri is not None and validate_rfc3986(uri, rule="URI_reference") is not None


def _use_fast_iri_check() -> None:
    """Keep jsonschema from importing rfc3987-syntax and check IRIs without it.

    That package compiles a lark grammar on import (about 1.3 s of CPU, more than the whole BOM
    build); CycloneDX uses ``iri-reference`` for its URL fields, so the check stays, done by the
    RFC 3987 mapping above instead. When jsonschema was imported earlier, its own check stands.
    """
    if "jsonschema" in sys.modules:
        return
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    from jsonschema.validators import Draft7Validator

    checker = Draft7Validator.FORMAT_CHECKER
    if "iri-reference" not in checker.checkers:
        checker.checks("iri-reference", raises=ValueError)(is_iri_reference)


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
