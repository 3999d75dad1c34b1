"""Static checks of Jinja chat templates for constructs that reach Python internals.

Chat templates ship inside GGUF metadata and ``tokenizer_config.json`` and are rendered by the
runtime, some runtimes outside Jinja's sandbox (llama-cpp-python before 0.2.72 did, CVE-2024-34359),
so ``{{ ''.__class__.__mro__[1].__subclasses__() }}`` is code execution. The template is *parsed*
with Jinja2 (parsing compiles nothing and renders nothing) and its syntax tree is searched for
attribute and item access to dunder names and interpreter internals, attribute names computed at
render time, and template loading. Legitimate chat templates need none of these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# Attributes that lead from any object to code, globals or the interpreter.
INTERNALS = frozenset(
    {
        "mro",
        "func_globals",
        "func_code",
        "f_globals",
        "f_locals",
        "f_back",
        "f_builtins",
        "gi_frame",
        "gi_code",
        "cr_frame",
        "cr_code",
        "ag_frame",
        "tb_frame",
        "tb_next",
        "co_code",
        "im_func",
        "im_self",
        "environment",  # jinja's Context.environment: to the loader, globals, filters
    }
)
MAX_PARSE = 1 << 20  # templates are a few KB; larger ones get the regex pass only
_DUNDER = re.compile(r"__[A-Za-z_][A-Za-z0-9_]*__|\bmro\b")


@dataclass(frozen=True)
class TemplateHit:
    """One risky construct: severity name, a short code, the name reached and the line."""

    severity: str  # "critical" | "high" | "medium"
    code: str
    name: str
    line: int
    message: str


def _name_hit(name: str, line: int, how: str) -> TemplateHit | None:
    if name.startswith("__") or name in INTERNALS:
        return TemplateHit(
            "critical", "python_internals", name, line, f"{how} {name!r} reaches Python internals"
        )
    if name.startswith("_"):
        return TemplateHit(
            "high", "private_attribute", name, line, f"{how} private attribute {name!r}"
        )
    return None


def inspect_template(text: str) -> list[TemplateHit]:
    """Risky constructs in one template, most severe first; [] for an ordinary template."""
    if len(text) > MAX_PARSE:
        return _regex_pass(text, "template larger than 1 MB; only searched as text")
    try:
        import jinja2
        from jinja2 import nodes
    except ImportError:  # pragma: no cover - jinja2 is a dependency
        return _regex_pass(text, "jinja2 unavailable; only searched as text")
    try:
        tree = jinja2.Environment().parse(text)
    except jinja2.TemplateSyntaxError as exc:
        broken = _regex_pass(text, "")
        broken.append(
            TemplateHit(
                "medium",
                "unparsable",
                "",
                exc.lineno or 0,
                f"template does not parse ({exc.message}); runtimes may still render part of it",
            )
        )
        return broken
    except (RecursionError, MemoryError):
        return _regex_pass(text, "template nests too deep to parse; only searched as text")
    hits: list[TemplateHit] = []
    for node in tree.find_all(
        (
            nodes.Getattr,
            nodes.Getitem,
            nodes.Filter,
            nodes.Const,
            nodes.Import,
            nodes.FromImport,
            nodes.Include,
            nodes.Extends,
        )
    ):
        hits.extend(_node_hits(node, nodes))
    order = {"critical": 0, "high": 1, "medium": 2}
    unique = {(h.code, h.name, h.line): h for h in hits}
    return sorted(unique.values(), key=lambda h: (order[h.severity], h.line))


def _node_hits(node: Any, nodes: Any) -> list[TemplateHit]:
    line = int(getattr(node, "lineno", 0) or 0)
    if isinstance(node, nodes.Getattr):
        hit = _name_hit(str(node.attr), line, "attribute access to")
        return [hit] if hit else []
    if isinstance(node, nodes.Getitem):
        if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
            hit = _name_hit(node.arg.value, line, "item access to")
            return [hit] if hit else []
        return []
    if isinstance(node, nodes.Filter):
        if node.name != "attr" or not node.args:
            return []
        arg = node.args[0]
        if isinstance(arg, nodes.Const) and isinstance(arg.value, str):
            hit = _name_hit(arg.value, line, "attr filter to")
            return [hit] if hit else []
        return [
            TemplateHit(
                "high",
                "computed_attribute",
                "attr",
                line,
                "attr filter with a name computed at render time (hides the attribute reached)",
            )
        ]
    if isinstance(node, nodes.Const):
        if isinstance(node.value, str) and _DUNDER.search(node.value):
            found = _DUNDER.search(node.value)
            name = found.group(0) if found else ""
            return [
                TemplateHit(
                    "medium",
                    "dunder_string",
                    name,
                    line,
                    f"string literal contains {name!r} (can be joined into an attribute name)",
                )
            ]
        if isinstance(node.value, str) and "__" in node.value:
            return [
                TemplateHit(
                    "medium",
                    "dunder_string",
                    node.value[:40],
                    line,
                    "string literal contains '__' (can be joined into a dunder attribute name)",
                )
            ]
        return []
    return [
        TemplateHit(
            "medium",
            "template_loading",
            type(node).__name__.lower(),
            line,
            "template loads other templates (import/include/extends); the runtime's loader decides "
            "what is read",
        )
    ]


def _regex_pass(text: str, why: str) -> list[TemplateHit]:
    hits: list[TemplateHit] = []
    for m in _DUNDER.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        hits.append(
            TemplateHit(
                "critical",
                "python_internals",
                m.group(0),
                line,
                f"template names {m.group(0)!r}" + (f" ({why})" if why else ""),
            )
        )
        if len(hits) >= 20:
            break
    if why and not hits:
        hits.append(TemplateHit("medium", "not_parsed", "", 0, why))
    return hits
