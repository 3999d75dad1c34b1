"""skops files: the types ``schema.json`` makes ``skops.io.load`` import, judged by name.

skops refuses a type outside its default trusted list until the caller trusts it, and callers
routinely pass ``get_untrusted_types()`` back unread. So a type is judged as if trusted: one on
petgov's pickle deny-list (``builtins.eval``, ``os.system``, ``operator.attrgetter``) is
critical; any other type skops would refuse is high, and a method, partial or operator node is
a callable the loader binds or calls. What skops trusts by default (containers, primitives, NumPy
arrays, dtypes and ufuncs, SciPy sparse matrices, scikit-learn's own types) is silent, as are
scikit-learn internals skops asks users to trust (``sklearn.tree._tree.Tree``): listed in facts.
"""

from __future__ import annotations

from typing import ClassVar

from petgov import filetypes as F
from petgov.catalog import finding
from petgov.formats.skops import SkopsNode, read_skops
from petgov.model import Severity
from petgov.scanners.format_findings import MalformedRule, read_structure
from petgov.scanners.interface import Entry, ItemScanner, ScanContext, ScanResult
from petgov.scanners.pickle_globals import judge

ENGINE = "skops"
MALFORMED = MalformedRule(ENGINE, "ser.skops_malformed", "skops")
MAX_FINDINGS = 20

_BUILTINS = {"int", "float", "str", "bool", "NoneType", "bytes", "bytearray", "complex"}
# loader -> the type names skops trusts for it by default (skops/io/_general.py and peers)
_CONTAINERS = {
    "DictNode": {"builtins.dict", "collections.OrderedDict"},
    "DefaultDictNode": {"collections.defaultdict"},
    "ListNode": {"builtins.list"},
    "SetNode": {"builtins.set"},
    "TupleNode": {"builtins.tuple"},
    "SliceNode": {"builtins.slice"},
    "BytesNode": {"builtins.bytes"},
    "BytearrayNode": {"builtins.bytearray"},
}
_SKLEARN_LOADERS = {
    "ObjectNode",
    "ReduceNode",
    "TreeNode",
    "LossNode",
    "SGDNode",
    "_DictWithDeprecatedKeysNode",
}
# Nodes whose type is a callable skops binds or calls while loading (MethodNode binds a method
# of the rebuilt object, PartialNode builds functools.partial, OperatorFuncNode calls
# operator.attrgetter/itemgetter/methodcaller): skops trusts none of them by default.
_CALLABLE_LOADERS = {"FunctionNode", "MethodNode", "PartialNode", "OperatorFuncNode"}


def _trusted(node: SkopsNode) -> bool:
    """What ``skops.io.load`` accepts without ``trusted=``, or scikit-learn's own internals."""
    module, name, loader = node.module, node.name, node.loader
    if loader in _CONTAINERS:
        return node.type_name in _CONTAINERS[loader]
    if loader in ("JsonNode", "TypeNode"):
        if module == "builtins" and (name in _BUILTINS or f"builtins.{name}" in _ALL_CONTAINERS):
            return True
        if loader == "JsonNode":
            return False
    if loader in ("NdArrayNode", "MaskedArrayNode", "TypeNode", "DTypeNode"):
        return module == "numpy" or module.startswith(("numpy.", "numpy._core", "numpy.ma"))
    if loader in ("RandomStateNode", "RandomGeneratorNode"):
        return module.startswith("numpy.random")
    if loader == "SparseMatrixNode":
        return module.startswith("scipy.sparse")
    if loader == "FunctionNode":  # NumPy and SciPy ufuncs, by petgov's allow-list
        return judge(module, name).verdict == "allow" and module.split(".")[0] in (
            "numpy",
            "scipy",
        )
    if loader in _SKLEARN_LOADERS:
        return module.startswith("sklearn.")
    return False


_ALL_CONTAINERS = {t for types in _CONTAINERS.values() for t in types}


def _verdict(node: SkopsNode) -> tuple[Severity, str] | None:
    """None when trusted, else the severity and why."""
    names = [node.type_name] + ([node.extra] if node.loader == "MethodNode" and node.extra else [])
    for dotted in names:
        module, _, name = dotted.rpartition(".")
        verdict = judge(module, name)
        if verdict.verdict == "deny":
            return Severity.CRITICAL, verdict.reason
    if node.loader == "OperatorFuncNode":
        return Severity.CRITICAL, "operator getters reach any attribute of a rebuilt object"
    if node.loader == "MethodNode" and node.extra:
        owner = node.extra.rsplit(".", 1)[0]
        if owner != node.type_name:
            return (
                Severity.HIGH,
                f"the method's declared type differs from its object's ({owner}): the audit "
                "checks one type and the loader binds another (skops PR 482)",
            )
    if _trusted(node):
        return None
    if node.loader in _CALLABLE_LOADERS:
        return Severity.HIGH, "a callable skops does not trust by default, bound or called on load"
    if node.loader in _CONTAINERS or node.loader == "JsonNode":
        return Severity.HIGH, f"a {node.loader} naming a type that is not its container"
    return Severity.HIGH, "a type skops does not trust by default, imported and rebuilt on load"


class SkopsScanner(ItemScanner):
    """Lists the types a skops file makes the loader import and judges each by name."""

    name: ClassVar[str] = ENGINE
    cacheable: ClassVar[bool] = True
    judges_code: ClassVar[bool] = True
    kinds: ClassVar[frozenset[str]] = frozenset({"ser.skops_untrusted", "ser.skops_malformed"})

    def applies_to(self, entry: Entry, ctx: ScanContext) -> bool:
        return entry.item.format == F.SKOPS

    def scan(self, entry: Entry, ctx: ScanContext) -> ScanResult:
        out = ScanResult()
        path = entry.item.path
        schema = read_structure(entry, read_skops, MALFORMED, out, what="schema.json")
        if schema is None:
            return out
        seen: dict[str, tuple[Severity, str, SkopsNode]] = {}
        sklearn_internal: set[str] = set()
        for node in schema.nodes:
            key = node.extra if node.loader == "MethodNode" and node.extra else node.type_name
            judged = _verdict(node)
            if judged is None:
                if node.loader in _SKLEARN_LOADERS and node.module.startswith("sklearn."):
                    sklearn_internal.add(node.type_name)
                continue
            if key not in seen or judged[0] > seen[key][0]:
                seen[key] = (judged[0], judged[1], node)
        ranked = sorted(seen.items(), key=lambda kv: (-kv[1][0].rank, kv[0]))
        for key, (severity, why, node) in ranked[:MAX_FINDINGS]:
            out.findings.append(
                finding(
                    "ser.skops_untrusted",
                    path,
                    f"{key} ({node.loader} at {node.where}): {why}",
                    engine=ENGINE,
                    severity=severity,
                    location={"node": node.where},
                    evidence={"type": key, "loader": node.loader},
                )
            )
        out.scanned(path, ENGINE, f"schema.json: {len(schema.nodes)} nodes")
        out.facts[path] = {
            "skops.protocol": schema.protocol,
            "skops.version": schema.version,
            "skops.untrusted": [k for k, _ in ranked][:50],
            "skops.sklearn_types": sorted(sklearn_internal)[:100],
        }
        return out
