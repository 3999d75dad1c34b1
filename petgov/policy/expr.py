"""CEL expressions behind a small adapter, compiled once per rule.

The engine (``cel`` from common-expression-language) stays behind ``compile_rule_expr`` so a
faster binding can replace it. A top-level ``finding.kind == "x"`` conjunct is extracted so the
evaluator can index rules by kind and skip CEL entirely for findings of other kinds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from petgov.errors import PolicyError

_KIND_EQ = re.compile(r'^\s*finding\.kind\s*==\s*"([^"\\]+)"\s*(?:&&|$)')
_KIND_ONLY = re.compile(r'^\s*finding\.kind\s*==\s*"([^"\\]+)"\s*$')


class EvalError(Exception):
    """A rule's expression failed on one input (missing key, wrong type)."""


@dataclass
class RuleExpr:
    """A compiled ``when`` expression and the kind it is restricted to, if any."""

    source: str
    kind: str | None
    trivial: bool  # the whole expression is the kind test: no CEL call needed
    program: Any

    def matches(self, activation: Mapping[str, Any]) -> bool:
        """True when the rule applies; EvalError when the expression fails on this input."""
        if self.trivial:
            finding = activation.get("finding") or {}
            return bool(finding.get("kind") == self.kind)
        try:
            result = self.program.execute(dict(activation))
        except Exception as exc:  # the engine raises KeyError/TypeError/ValueError/RuntimeError
            raise EvalError(f"{type(exc).__name__}: {exc}") from exc
        if not isinstance(result, bool):
            raise EvalError(f"expression returned {type(result).__name__}, not bool")
        return result


def compile_rule_expr(rule_id: str, source: str) -> RuleExpr:
    """Compile ``source``; a syntax error becomes one PolicyError naming the rule."""
    import cel

    if not source.strip():
        raise PolicyError(f"rule {rule_id}: `when` is empty")
    try:
        program = cel.compile(source)
    except Exception as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise PolicyError(
            f"rule {rule_id}: CEL expression does not compile: {first}",
            hint="see docs/rule-format.md for the variables a rule can read",
        ) from None
    bad = set(program.variables()) - {"finding", "item", "facts"}
    bound = _comprehension_vars(source)
    if bad - bound:
        raise PolicyError(
            f"rule {rule_id}: unknown variable(s) {', '.join(sorted(bad - bound))} in `when`",
            hint="rules read `finding`, `item` and `facts`",
        )
    m = _KIND_EQ.match(source)
    return RuleExpr(
        source=source,
        kind=m.group(1) if m else None,
        trivial=bool(_KIND_ONLY.match(source)),
        program=program,
    )


def _comprehension_vars(source: str) -> set[str]:
    """Names bound by CEL macros like ``x.exists(e, ...)``; the engine lists them as variables."""
    return set(re.findall(r"\.(?:all|exists|exists_one|map|filter)\(\s*([A-Za-z_]\w*)\s*,", source))
