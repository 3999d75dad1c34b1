"""The SPDX 3 object graph while it is built: elements, deterministic ids, shared datasets and
license expressions. Shared by the AI/dataset renderer (``spdx.py``) and the software renderer
(``spdx_software.py``), so neither imports the other's internals."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spdx_python_model.bindings.v3_0_1 import (
        CreationInfo,
        Element,
        Relationship,
        dataset_DatasetPackage,
    )


class Ids:
    """Deterministic, unique element IRIs under the document namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.used: set[str] = set()

    def new(self, kind: str, name: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-") or "unnamed"
        ref = f"{self.namespace}{kind}/{slug}"
        n = 2
        while ref in self.used:
            ref = f"{self.namespace}{kind}/{slug}-{n}"
            n += 1
        self.used.add(ref)
        return ref


@dataclass
class Graph:
    """The elements built so far, shared datasets and license expressions, and the id source."""

    ids: Ids
    creation: CreationInfo
    elements: list[Element] = field(default_factory=list)
    datasets: dict[str, dataset_DatasetPackage] = field(default_factory=dict)
    expressions: dict[str, Element] = field(default_factory=dict)
    by_path: dict[str, Element] = field(default_factory=dict)

    def add(self, element: Element) -> None:
        self.elements.append(element)

    def relate(
        self, kind: str, source: Element, targets: Sequence[Element | str], **extra: Any
    ) -> None:
        """A ``kind`` relationship from ``source``; ``extra`` sets e.g. its comment."""
        from spdx_python_model.bindings import v3_0_1 as spdx

        rel: Relationship = spdx.Relationship(
            spdxId=self.ids.new("relationship", f"{source.name}-{kind}"),
            creationInfo=self.creation,
            from_=source,
            relationshipType=getattr(spdx.RelationshipType, kind),
            to=list(targets),
            **extra,
        )
        self.add(rel)


def known(**kwargs: Any) -> dict[str, Any]:
    """Only the properties petgov knows: the bindings reject None, and empty lists say nothing."""
    return {k: v for k, v in kwargs.items() if v is not None and v != []}
