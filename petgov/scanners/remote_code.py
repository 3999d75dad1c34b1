"""Remote code shipped with a model: ``auto_map``, custom pipelines and the Python they name.

Hugging Face ``trust_remote_code=True`` makes a user run the repo's own ``*.py``. This scanner
names the modules a load would execute and reads each Python file with :mod:`ast` only (it is
never imported) to report what it can reach: processes, eval/exec, network, file writes,
dynamic imports and downloads of more code.
"""

from __future__ import annotations

import ast
import json
import posixpath
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

from petgov import filetypes as F
from petgov.catalog import finding, rule_for
from petgov.model import Severity
from petgov.scanners.interface import Entry, ScanContext, ScanResult, TargetScanner

ENGINE = "remote-code"
MAX_JSON = 8 * 1024 * 1024
MAX_PY = 4 * 1024 * 1024
CONFIG_NAMES = frozenset(
    {
        "config.json",
        "tokenizer_config.json",
        "preprocessor_config.json",
        "processor_config.json",
        "feature_extractor_config.json",
        "image_processor_config.json",
        "modules.json",
    }
)
# Files whose presence in a folder marks it as a model repo, so its *.py is remote code.
MODEL_MARKERS = CONFIG_NAMES | {"model_index.json", "adapter_config.json"}
MODEL_FORMATS = F.CODE_BEARING | F.WEIGHT_DATA


@dataclass(frozen=True)
class Capability:
    """One class of behaviour a code file can reach: its finding kind and how a message says it."""

    kind: str
    label: str


EXEC = Capability("remote_code.exec", "runs code or processes")
NETWORK = Capability("remote_code.network", "talks to the network")
DYNAMIC_IMPORT = Capability("remote_code.dynamic_import", "imports code by name")
FILE_WRITE = Capability("remote_code.file_write", "writes or deletes files")

# Fully qualified callables -> (capability, what it does).
CALLS: dict[str, tuple[Capability, str]] = {}
for _name in (
    "os.system",
    "os.popen",
    "os.execv",
    "os.execve",
    "os.execl",
    "os.execlp",
    "os.execvp",
    "os.spawnv",
    "os.spawnl",
    "os.spawnlp",
    "os.posix_spawn",
    "os.fork",
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.Popen",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "pty.spawn",
    "asyncio.create_subprocess_exec",
    "asyncio.create_subprocess_shell",
):
    CALLS[_name] = (EXEC, "process spawning")
for _name in ("eval", "exec", "compile", "builtins.eval", "builtins.exec", "builtins.compile"):
    CALLS[_name] = (EXEC, "eval/exec")
for _name in ("pickle.loads", "pickle.load", "marshal.loads", "dill.loads", "torch.load"):
    CALLS[_name] = (EXEC, "deserialization")
for _name in (
    "socket.socket",
    "socket.create_connection",
    "urllib.request.urlopen",
    "urllib.request.Request",
    "http.client.HTTPConnection",
    "http.client.HTTPSConnection",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.request",
    "requests.Session",
    "httpx.get",
    "httpx.post",
    "httpx.Client",
    "httpx.AsyncClient",
    "aiohttp.ClientSession",
    "ftplib.FTP",
    "smtplib.SMTP",
):
    CALLS[_name] = (NETWORK, "network")
for _name in (
    "urllib.request.urlretrieve",
    "huggingface_hub.hf_hub_download",
    "huggingface_hub.snapshot_download",
    "torch.hub.load",
    "torch.hub.download_url_to_file",
    "torch.hub.load_state_dict_from_url",
    "wget.download",
    "pip.main",
):
    CALLS[_name] = (NETWORK, "download")
for _name in (
    "__import__",
    "importlib.import_module",
    "importlib.__import__",
    "importlib.util.spec_from_file_location",
    "importlib.util.module_from_spec",
    "imp.load_source",
    "runpy.run_path",
    "runpy.run_module",
):
    CALLS[_name] = (DYNAMIC_IMPORT, "dynamic import")
for _name in (
    "os.remove",
    "os.unlink",
    "os.rmdir",
    "os.removedirs",
    "os.rename",
    "os.replace",
    "os.chmod",
    "os.chown",
    "os.symlink",
    "shutil.rmtree",
    "shutil.move",
    "shutil.copy",
    "shutil.copyfile",
    "shutil.copytree",
):
    CALLS[_name] = (FILE_WRITE, "file write")
WRITE_METHODS = frozenset({"write_text", "write_bytes", "unlink", "rmdir", "chmod", "symlink_to"})
NETWORK_MODULES = frozenset(
    {"socket", "requests", "httpx", "aiohttp", "urllib.request", "http.client", "paramiko"}
)


@dataclass(frozen=True)
class Hit:
    """One reachable behaviour at one line."""

    capability: Capability
    what: str
    call: str
    line: int


class _Visitor(ast.NodeVisitor):
    """Resolves names through the file's imports and records dangerous calls."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.hits: list[Hit] = []
        self.imports: set[str] = set()

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.imports.add(alias.name)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                top = alias.name.split(".")[0]
                self.aliases[top] = top
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self.imports.add(node.module)
            for alias in node.names:
                self.aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.generic_visit(node)

    def _qualname(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._qualname(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Call(self, node: ast.Call) -> None:
        name = self._qualname(node.func)
        if name is not None and name in CALLS:
            cap, what = CALLS[name]
            self.hits.append(Hit(cap, what, name, node.lineno))
        elif name in ("open", "builtins.open", "io.open") and _opens_for_write(node):
            self.hits.append(Hit(FILE_WRITE, "file write", "open", node.lineno))
        elif isinstance(node.func, ast.Attribute) and node.func.attr in WRITE_METHODS:
            self.hits.append(Hit(FILE_WRITE, "file write", f".{node.func.attr}", node.lineno))
        self.generic_visit(node)


def _opens_for_write(node: ast.Call) -> bool:
    mode: ast.expr | None = node.args[1] if len(node.args) > 1 else None
    for kw in node.keywords:
        if kw.arg == "mode":
            mode = kw.value
    if isinstance(mode, ast.Constant) and isinstance(mode.value, str):
        return any(c in mode.value for c in "wax+")
    return False


def analyze_python(source: bytes) -> tuple[list[Hit], set[str]]:
    """Reachable behaviours and imported modules of one Python file, by ``ast`` only.

    Raises SyntaxError/ValueError for text that is not Python.
    """
    tree = ast.parse(source)
    visitor = _Visitor()
    visitor.visit(tree)
    hits = list(visitor.hits)
    for module in sorted(visitor.imports):
        if module in NETWORK_MODULES and not any(h.capability is NETWORK for h in hits):
            hits.append(Hit(NETWORK, "network", f"import {module}", 0))
    return hits, visitor.imports


def auto_map_refs(doc: Any) -> list[str]:
    """Every ``module.Class`` reference a config's auto_map / custom_pipelines / modules names."""
    refs: list[str] = []
    if not isinstance(doc, dict):
        return refs
    auto_map = doc.get("auto_map")
    if isinstance(auto_map, dict):
        for value in auto_map.values():
            refs.extend(v for v in _flatten(value) if isinstance(v, str) and "." in v)
    pipelines = doc.get("custom_pipelines")
    if isinstance(pipelines, dict):
        for spec in pipelines.values():
            if isinstance(spec, dict):
                impl = spec.get("impl")  # pt/tf name library Auto classes, not repo code
                if isinstance(impl, str) and "." in impl:
                    refs.append(impl)
    return refs


def sentence_transformer_refs(doc: Any) -> list[str]:
    """Custom module types in a sentence-transformers ``modules.json``."""
    refs: list[str] = []
    if isinstance(doc, list):
        for mod in doc:
            kind = mod.get("type") if isinstance(mod, dict) else None
            if isinstance(kind, str) and not kind.startswith("sentence_transformers."):
                refs.append(kind)
    return refs


def _flatten(value: Any) -> Iterable[Any]:
    if isinstance(value, list | tuple):
        for v in value:
            yield from _flatten(v)
    else:
        yield value


def module_file(ref: str) -> tuple[str | None, str]:
    """(other repo or None, relative .py path) for ``[org/repo--]pkg.module.Class``."""
    repo: str | None = None
    if "--" in ref:
        repo, _, ref = ref.partition("--")
    module = ref.rsplit(".", 1)[0]
    return repo, module.replace(".", "/") + ".py"


def _read(entry: Entry, limit: int) -> bytes | None:
    if entry.item.size > limit:
        return None
    with entry.source.open() as fh:
        return fh.read(limit + 1)


class RemoteCodeScanner(TargetScanner):
    """Finds code a model load would execute and what that code can reach."""

    name: ClassVar[str] = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset(
        {
            "remote_code.auto_map",
            "remote_code.external_repo",
            "remote_code.exec",
            "remote_code.network",
            "remote_code.dynamic_import",
            "remote_code.file_write",
            "remote_code.unparsable",
        }
    )
    version: ClassVar[str] = "1"

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        result = ScanResult()
        by_path = {e.item.path: e for e in ctx.entries}
        model_dirs = {
            posixpath.dirname(e.item.path)
            for e in ctx.entries
            if posixpath.basename(e.item.path) in MODEL_MARKERS or e.item.format in MODEL_FORMATS
        }
        required: dict[str, list[str]] = {}  # .py path -> referencing configs
        modules: list[str] = []
        for entry in ctx.entries:
            base = posixpath.basename(entry.item.path)
            if base not in CONFIG_NAMES or entry.item.format != F.JSON:
                continue
            data = _read(entry, MAX_JSON)
            if data is None:
                result.not_scanned(entry.item.path, ENGINE, "config larger than 8 MiB")
                continue
            try:
                doc = json.loads(data)
            except (ValueError, UnicodeDecodeError):
                result.not_scanned(entry.item.path, ENGINE, "not valid JSON", error=True)
                continue
            refs = sentence_transformer_refs(doc) if base == "modules.json" else auto_map_refs(doc)
            result.scanned(entry.item.path, ENGINE)
            if refs:
                self._config_findings(entry, refs, by_path, required, modules, result)
        for entry in ctx.entries:
            if _is_mar_manifest(entry.item.path):
                self._mar_manifest(entry, by_path, required, modules, result)
        for entry in ctx.entries:
            if entry.item.format != F.PYTHON and not entry.item.path.endswith(".py"):
                continue
            path = entry.item.path
            if path not in required and posixpath.dirname(path) not in model_dirs:
                continue
            self._python_findings(entry, required.get(path, []), result)
        result.facts[""] = {
            "remote_code.required": bool(modules),
            "remote_code.modules": sorted(set(modules)),
        }
        return result

    def _config_findings(
        self,
        entry: Entry,
        refs: list[str],
        by_path: dict[str, Entry],
        required: dict[str, list[str]],
        modules: list[str],
        result: ScanResult,
    ) -> None:
        folder = posixpath.dirname(entry.item.path)
        local: list[str] = []
        names: list[str] = []
        external: list[str] = []
        for ref in refs:
            repo, rel = module_file(ref)
            if repo:
                external.append(ref)
                continue
            path = posixpath.join(folder, rel) if folder else rel
            local.append(path)
            names.append(rel)
            required.setdefault(path, []).append(entry.item.path)
        modules.extend(local + external)
        if local:
            present = sorted({p for p in local if p in by_path})
            missing = sorted({p for p in local if p not in by_path})
            result.findings.append(
                finding(
                    "remote_code.auto_map",
                    entry.item.path,
                    f"{posixpath.basename(entry.item.path)} maps classes to repo code; "
                    f"trust_remote_code=True executes: {', '.join(sorted(set(names)))}",
                    engine=ENGINE,
                    evidence={"refs": sorted(set(refs)), "files": present, "missing": missing},
                )
            )
        if external:
            result.findings.append(
                finding(
                    "remote_code.external_repo",
                    entry.item.path,
                    f"{posixpath.basename(entry.item.path)} points at code in other repos, "
                    f"fetched and executed at load time: {', '.join(sorted(set(external)))}",
                    engine=ENGINE,
                    evidence={"refs": sorted(set(external))},
                )
            )

    def _mar_manifest(
        self,
        entry: Entry,
        by_path: dict[str, Entry],
        required: dict[str, list[str]],
        modules: list[str],
        result: ScanResult,
    ) -> None:
        """TorchServe imports a .mar's handler and model file when it serves the model."""
        data = _read(entry, MAX_JSON)
        try:
            doc = json.loads(data) if data is not None else None
        except (ValueError, UnicodeDecodeError):
            doc = None
        if not isinstance(doc, dict):
            result.not_scanned(
                entry.item.path, ENGINE, "MAR manifest is not valid JSON", error=True
            )
            return
        result.scanned(entry.item.path, ENGINE)
        root = posixpath.dirname(posixpath.dirname(entry.item.path))
        for rel in mar_code_files(doc):
            path = posixpath.join(root, rel) if root else rel
            if path in by_path:
                required.setdefault(path, []).append(entry.item.path)
                modules.append(path)

    def _python_findings(self, entry: Entry, referenced_by: list[str], result: ScanResult) -> None:
        path = entry.item.path
        data = _read(entry, MAX_PY)
        if data is None:
            result.not_scanned(path, ENGINE, "Python file larger than 4 MiB")
            return
        try:
            hits, _imports = analyze_python(data)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
            result.findings.append(
                finding(
                    "remote_code.unparsable",
                    path,
                    f"could not parse {posixpath.basename(path)} as Python: "
                    f"{type(exc).__name__}; its behaviour is unknown",
                    engine=ENGINE,
                    confidence="medium",
                )
            )
            result.not_scanned(path, ENGINE, f"not parsable as Python ({type(exc).__name__})")
            return
        result.scanned(path, ENGINE)
        grouped: dict[str, list[Hit]] = {}
        for hit in hits:
            grouped.setdefault(hit.capability.kind, []).append(hit)
        loaded = bool(referenced_by)
        served = any(_is_mar_manifest(r) for r in referenced_by)
        for group in grouped.values():
            cap = group[0].capability
            calls = sorted({h.call for h in group})
            whats = sorted({h.what for h in group})
            severity = rule_for(cap.kind).severity
            severity = severity if loaded else _lower(severity)
            if served and cap is NETWORK:
                severity = Severity.HIGH  # a handler that fetches at serve time
            where = (
                "run by TorchServe when the model is served"
                if served
                else "executed by trust_remote_code"
                if loaded
                else "shipped with the model"
            )
            result.findings.append(
                finding(
                    cap.kind,
                    path,
                    f"{posixpath.basename(path)} ({where}) {cap.label}: {', '.join(calls[:8])}",
                    engine=ENGINE,
                    location={"line": min((h.line for h in group if h.line), default=0)},
                    evidence={
                        "calls": calls,
                        "behaviours": whats,
                        "lines": sorted({h.line for h in group if h.line})[:20],
                        "referenced_by": sorted(set(referenced_by)),
                    },
                    severity=severity,
                )
            )


def _is_mar_manifest(path: str) -> bool:
    return path.endswith("MAR-INF/MANIFEST.json")


def mar_code_files(doc: dict[str, Any]) -> list[str]:
    """Python files a TorchServe manifest makes the server import: handler and model file.

    ``handler`` is ``file.py``, ``module`` or ``module:function``; built-in handler names
    (``image_classifier``) resolve to files that are not in the archive and are skipped later.
    """
    model = doc.get("model")
    if not isinstance(model, dict):
        return []
    out = []
    for key in ("handler", "modelFile"):
        value = model.get(key)
        if isinstance(value, str) and value:
            name = value.split(":", 1)[0]
            out.append(name if name.endswith(".py") else name.replace(".", "/") + ".py")
    return out


def _lower(sev: Severity) -> Severity:
    order = list(Severity)
    return order[max(0, order.index(sev) - 1)]
