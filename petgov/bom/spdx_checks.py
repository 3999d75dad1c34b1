"""The profile rules petgov checks on an SPDX 3 document before writing it: every AI and dataset
package has exactly one declared and one concluded license relationship."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from petgov.bom.validate import Problem
from petgov.errors import OutputError

JSONDict = dict[str, Any]
SPEC_VERSION = "3.0.1"
PACKAGE_TYPES = ("ai_AIPackage", "dataset_DatasetPackage")
LICENSE_RELATIONSHIPS = ("hasDeclaredLicense", "hasConcludedLicense")


def license_problems(doc: JSONDict) -> list[Problem]:
    """The AI and Dataset profiles' rule: exactly one declared and one concluded license each."""
    graph = doc.get("@graph")
    if not isinstance(graph, list):
        return [Problem("$", "no @graph array")]
    counts: dict[tuple[str, str], int] = {}
    for _, node in _nodes(graph):
        if node.get("type") == "Relationship" and node.get("relationshipType") in (
            LICENSE_RELATIONSHIPS
        ):
            key = (str(node.get("from")), str(node.get("relationshipType")))
            counts[key] = counts.get(key, 0) + 1
    problems = []
    for index, node in _nodes(graph):
        if node.get("type") not in PACKAGE_TYPES:
            continue
        element_id = str(node.get("spdxId"))
        for kind in LICENSE_RELATIONSHIPS:
            n = counts.get((element_id, kind), 0)
            if n != 1:
                problems.append(
                    Problem(
                        f"$['@graph'][{index}]",
                        f"{node.get('type')} {element_id} has {n} {kind} relationships "
                        "(the profile needs exactly one; use NoAssertionLicense when unknown)",
                    )
                )
    return problems


def check(doc: JSONDict) -> None:
    """Raise OutputError naming the first license-rule problem's JSON path."""
    found = license_problems(doc)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise OutputError(
            f"invalid SPDX {SPEC_VERSION} AI-BOM, not written: {found[0]}{more}",
            hint="this is a petgov bug if the document was built by petgov; please report it",
        )


def _nodes(graph: list[Any]) -> Iterator[tuple[int, JSONDict]]:
    for index, node in enumerate(graph):
        if isinstance(node, dict):
            yield index, node
