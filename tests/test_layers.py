"""The layer contract of docs/architecture.md, checked over every import in petgov/.

A module may import its own package and any package in a *lower* layer, never one in its own
layer or above. Imports inside functions and under ``TYPE_CHECKING`` count too: a lazy edge is
still an edge. A scanner module (one line of ``scanners/registry.SCANNERS``) is imported only
by the registry, so scanners never call each other. Known debt is listed with the refactor that
removes it; an entry that no longer occurs fails too, so the list only shrinks.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from petgov.scanners.registry import SCANNERS
from tests.conftest import REPO

PACKAGE = REPO / "petgov"
ARCHITECTURE_DOC = REPO / "docs" / "architecture.md"

# Bottom first. A "unit" is a top-level module or package of petgov ("__init__" is the root).
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("foundation", ("__init__", "errors", "exitcodes", "data")),
    ("utilities", ("util",)),
    ("configuration", ("config",)),
    ("data model", ("model", "filetypes")),
    ("rule catalog", ("catalog", "compliance")),
    ("targets", ("targets",)),
    ("inventory", ("inventory",)),
    ("parsers", ("formats", "licensing", "modelcard")),
    ("engines", ("pii", "deps", "shadow", "provenance", "attestation", "bom", "privacy")),
    ("scanners and policy", ("scanners", "policy")),
    ("pipeline and reporters", ("pipeline", "reporters", "diff")),
    ("spark", ("spark",)),
    ("clean room", ("cleanroom",)),
    ("entry points", ("cli", "demo")),
    ("launcher", ("__main__",)),
)

# (importer, imported) -> why it is still here and what removes it. Shrink only.
DEBT: Mapping[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Edge:
    importer: str  # dotted module name
    imported: str  # dotted module name (as precise as the import statement says)
    where: str  # file:line

    def __str__(self) -> str:
        return f"{self.where}: {self.importer} imports {self.imported}"


def unit_of(module: str) -> str:
    """'petgov.targets.archive' -> 'targets'; 'petgov' -> '__init__'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def rank_of() -> dict[str, int]:
    return {unit: i for i, (_, units) in enumerate(LAYERS) for unit in units}


def module_name(path: Path, root: Path = PACKAGE) -> str:
    rel = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(rel[:-1] if rel[-1] == "__init__" else rel)


def imports_of(source: str, module: str, is_package: bool, where: str) -> Iterable[Edge]:
    """Every petgov import in ``source``, wherever it sits (top level, function, TYPE_CHECKING)."""
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(source)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            # `from petgov import licensing` names a module; `from petgov import __version__` not.
            names = [
                f"{base}.{a.name}" if _is_module(f"{base}.{a.name}") else base for a in node.names
            ]
        for name in dict.fromkeys(names):
            if name == "petgov" or name.startswith("petgov."):
                yield Edge(module, name, f"{where}:{node.lineno}")


def _is_module(dotted: str) -> bool:
    path = REPO.joinpath(*dotted.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def package_edges(root: Path = PACKAGE) -> list[Edge]:
    edges: list[Edge] = []
    for path in sorted(root.rglob("*.py")):
        where = str(path.relative_to(root.parent))
        edges.extend(
            imports_of(path.read_text(), module_name(path, root), path.name == "__init__.py", where)
        )
    return edges


def scanner_modules() -> frozenset[str]:
    return frozenset(p.partition(":")[0] for p in SCANNERS)


def wrong_edges(edges: Iterable[Edge], scanners: frozenset[str]) -> list[tuple[Edge, str]]:
    """Each edge that breaks the contract, with the reason, in the order given."""
    rank = rank_of()
    wrong: list[tuple[Edge, str]] = []
    for e in edges:
        src, dst = unit_of(e.importer), unit_of(e.imported)
        if src not in rank or dst not in rank:
            missing = src if src not in rank else dst
            wrong.append((e, f"petgov.{missing} is in no layer (add it to LAYERS and the doc)"))
        elif src != dst and rank[dst] >= rank[src]:
            how = "sideways" if rank[dst] == rank[src] else "upwards"
            wrong.append((e, f"{how}: {src} ({_layer(src)}) -> {dst} ({_layer(dst)})"))
        elif e.imported in scanners and e.importer != "petgov.scanners.registry":
            wrong.append((e, "a scanner module is imported only by scanners/registry.py"))
    return wrong


def _layer(unit: str) -> str:
    return next(name for name, units in LAYERS if unit in units)


def render_layers() -> str:
    """The layer table as docs/architecture.md shows it (top first, as one reads a call)."""
    lines = [f"{i:>2}  {name:<24}{', '.join(units)}" for i, (name, units) in enumerate(LAYERS)]
    return "\n".join(reversed(lines))


# --- the contract over the real package ---------------------------------------------------


def test_every_import_follows_the_layers() -> None:
    wrong = [
        (e, why)
        for e, why in wrong_edges(package_edges(), scanner_modules())
        if (e.importer, e.imported) not in DEBT
    ]
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(
        f"  {e}  [{why}]" for e, why in wrong
    )


def test_debt_entries_still_exist() -> None:
    """A fixed edge must leave DEBT, so the list only shrinks."""
    present = {(e.importer, e.imported) for e, _ in wrong_edges(package_edges(), scanner_modules())}
    stale = sorted(set(DEBT) - present)
    assert not stale, f"no longer wrong, remove from DEBT: {stale}"


def test_every_unit_has_a_layer() -> None:
    units = {unit_of(module_name(p)) for p in PACKAGE.rglob("*.py")}
    assert units <= set(rank_of()), f"units in no layer: {sorted(units - set(rank_of()))}"
    assert len(rank_of()) == sum(len(u) for _, u in LAYERS), "a unit is in two layers"


def test_architecture_doc_shows_these_layers() -> None:
    assert render_layers() in ARCHITECTURE_DOC.read_text(), (
        "docs/architecture.md is stale: paste render_layers() into its layer block"
    )


# --- the checker itself, on synthetic edges (proves it can fail) ---------------------------


def _edge(importer: str, imported: str) -> Edge:
    return Edge(importer, imported, "synthetic.py:1")


def test_checker_refuses_an_upward_edge() -> None:
    [(edge, why)] = wrong_edges([_edge("petgov.targets.archive", "petgov.inventory.sniff")], SC)
    assert why == "upwards: targets (targets) -> inventory (inventory)"
    assert str(edge) == "synthetic.py:1: petgov.targets.archive imports petgov.inventory.sniff"


def test_checker_refuses_a_sideways_edge() -> None:
    [(_, why)] = wrong_edges([_edge("petgov.attestation.api", "petgov.bom.api")], SC)
    assert why.startswith("sideways: attestation (engines) -> bom")


def test_checker_refuses_a_scanner_calling_a_scanner() -> None:
    edges = [
        _edge("petgov.scanners.gguf", "petgov.scanners.secrets"),
        _edge("petgov.scanners.registry", "petgov.scanners.secrets"),
        _edge("petgov.scanners.gguf", "petgov.scanners.interface"),
    ]
    assert [e.importer for e, _ in wrong_edges(edges, SC)] == ["petgov.scanners.gguf"]


def test_checker_refuses_an_unknown_package() -> None:
    [(_, why)] = wrong_edges([_edge("petgov.newstage.x", "petgov.model")], SC)
    assert "petgov.newstage is in no layer" in why


def test_checker_allows_downward_and_own_package_edges() -> None:
    edges = [
        _edge("petgov.cli.scan", "petgov.pipeline"),
        _edge("petgov.cleanroom.engines", "petgov.attestation.api"),
        _edge("petgov.targets.archive", "petgov.targets.interface"),
        _edge("petgov.targets.archive", "petgov.filetypes"),
        _edge("petgov.model", "petgov.errors"),
    ]
    assert wrong_edges(edges, SC) == []


def test_parser_sees_lazy_relative_and_type_checking_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from petgov.cleanroom.config import CleanRoom\n"
        "def f():\n    import petgov.cli.main\n"
        "from . import sniff\n"
        "from petgov import __version__, licensing\n"
    )
    got = {e.imported for e in imports_of(source, "petgov.inventory.x", False, "x.py")}
    assert got == {
        "petgov.cleanroom.config",
        "petgov.cli.main",
        "petgov.inventory.sniff",
        "petgov",
        "petgov.licensing",
    }


SC = frozenset({"petgov.scanners.secrets", "petgov.scanners.gguf"})
