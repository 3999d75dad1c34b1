"""Model and AI-service uses in Python source and notebooks, found with :mod:`ast` only.

Recognized: ``*.from_pretrained("org/name", revision=...)``, ``hf_hub_download`` /
``snapshot_download``, ``pipeline(model=...)``, sentence-transformers constructors, provider SDK
clients (OpenAI, Anthropic, Google, Mistral, Cohere, Groq, ...) and the ``model=`` they are
called with. Nothing is imported or run.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from typing import Any

HUB_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}(/[\w.\-]{1,96})?$")
COMMIT = re.compile(r"^[0-9a-f]{40}$")
# import prefix -> provider
PROVIDER_MODULES: dict[str, str] = {
    "openai": "openai",
    "langchain_openai": "openai",
    "anthropic": "anthropic",
    "langchain_anthropic": "anthropic",
    "google.generativeai": "google",
    "google.genai": "google",
    "vertexai": "google",
    "langchain_google_genai": "google",
    "mistralai": "mistral",
    "langchain_mistralai": "mistral",
    "cohere": "cohere",
    "groq": "groq",
    "together": "together",
    "replicate": "replicate",
    "ollama": "ollama",
    "boto3": "aws-bedrock",
    "litellm": "litellm",
}
# Client constructors (last name component) -> provider
CLIENTS: dict[str, str] = {
    "OpenAI": "openai",
    "AsyncOpenAI": "openai",
    "AzureOpenAI": "azure-openai",
    "AsyncAzureOpenAI": "azure-openai",
    "ChatOpenAI": "openai",
    "Anthropic": "anthropic",
    "AsyncAnthropic": "anthropic",
    "AnthropicBedrock": "anthropic",
    "ChatAnthropic": "anthropic",
    "GenerativeModel": "google",
    "ChatGoogleGenerativeAI": "google",
    "Mistral": "mistral",
    "ChatMistralAI": "mistral",
    "Groq": "groq",
    "Together": "together",
    "ClientV2": "cohere",
}
HF_LOADERS = frozenset(
    {"hf_hub_download", "snapshot_download", "SentenceTransformer", "CrossEncoder"}
)
MODEL_KWARGS = ("model", "model_name", "model_id", "modelId")


@dataclass(frozen=True)
class ModelUse:
    """One place where code names a model or an AI service."""

    kind: str  # hf_model | provider_model | provider_client
    id: str | None  # None: not a literal (chosen at run time)
    revision: str | None
    provider: str  # "huggingface" for hub models
    call: str
    path: str
    line: int

    @property
    def pinned(self) -> bool:
        return bool(self.revision and COMMIT.match(self.revision))

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "revision": self.revision,
            "provider": self.provider,
            "call": self.call,
            "path": self.path,
            "line": self.line,
        }


def _const(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _kw(call: ast.Call, *names: str) -> ast.expr | None:
    for kw in call.keywords:
        if kw.arg in names:
            return kw.value
    return None


def _is_hub_id(value: str) -> bool:
    return bool(HUB_ID.match(value)) and not value.startswith((".", "/", "~"))


class _Finder(ast.NodeVisitor):
    def __init__(self, path: str, line_offset: int = 0) -> None:
        self.path = path
        self.offset = line_offset
        self.aliases: dict[str, str] = {}
        self.providers: set[str] = set()
        self.uses: list[ModelUse] = []

    def _note_module(self, module: str) -> None:
        for prefix, provider in PROVIDER_MODULES.items():
            if module == prefix or module.startswith(prefix + "."):
                self.providers.add(provider)

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            self._note_module(a.name)
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                self.aliases[top] = top
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            self._note_module(node.module)
            for a in node.names:
                self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"
        self.generic_visit(node)

    def _name(self, node: ast.expr) -> str:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            return f"{self._name(node.value)}.{node.attr}"
        if isinstance(node, ast.Call):
            return self._name(node.func) + "()"
        return "?"

    def _add(
        self, kind: str, ident: str | None, rev: str | None, provider: str, call: str, node: ast.AST
    ) -> None:
        line = getattr(node, "lineno", 0) + self.offset
        self.uses.append(ModelUse(kind, ident, rev, provider, call, self.path, line))

    def visit_Call(self, node: ast.Call) -> None:
        name = self._name(node.func)
        last = name.rsplit(".", 1)[-1]
        first = node.args[0] if node.args else None
        if last == "from_pretrained":
            target = first or _kw(node, "pretrained_model_name_or_path")
            self._hub(node, name, _const(target), target is not None)
        elif last in HF_LOADERS:
            target = first or _kw(node, "repo_id", "model_name_or_path")
            self._hub(node, name, _const(target), target is not None)
        elif last == "pipeline" and name.startswith(("transformers", "pipeline")):
            target = _kw(node, "model") or (node.args[1] if len(node.args) > 1 else None)
            if target is not None:
                self._hub(node, name, _const(target), True)
        elif last in CLIENTS:
            provider = CLIENTS[last]
            model = (
                _const(_kw(node, *MODEL_KWARGS) or first)
                if last
                in (
                    "GenerativeModel",
                    "ChatOpenAI",
                    "ChatAnthropic",
                    "ChatGoogleGenerativeAI",
                    "ChatMistralAI",
                )
                else None
            )
            if model:
                self._add("provider_model", model, None, provider, name, node)
            else:
                self._add("provider_client", None, None, provider, name, node)
        else:
            model_arg = _kw(node, *MODEL_KWARGS)
            model = _const(model_arg)
            if model and self.providers and not _looks_local(model):
                provider = _provider_for(model, self.providers)
                self._add("provider_model", model, None, provider, name, node)
        self.generic_visit(node)

    def _hub(self, node: ast.Call, name: str, ident: str | None, has_arg: bool) -> None:
        if ident is not None and not _is_hub_id(ident):
            return  # a local path
        if ident is None and not has_arg:
            return
        rev = _const(_kw(node, "revision"))
        self._add("hf_model", ident, rev, "huggingface", name, node)


def _looks_local(value: str) -> bool:
    return value.startswith((".", "/", "~")) or value.endswith((".bin", ".pt", ".gguf"))


def _provider_for(model: str, imported: set[str]) -> str:
    if "/" in model and "litellm" in imported:
        return model.split("/", 1)[0]
    if len(imported) == 1:
        return next(iter(imported))
    lowered = model.lower()
    for hint, provider in (
        ("gpt", "openai"),
        ("o1", "openai"),
        ("o3", "openai"),
        ("claude", "anthropic"),
        ("gemini", "google"),
        ("mistral", "mistral"),
        ("command", "cohere"),
        ("llama", "groq"),
    ):
        if lowered.startswith(hint) and provider in imported:
            return provider
    return sorted(imported)[0]


def find_uses(source: str, path: str, line_offset: int = 0) -> list[ModelUse]:
    """Model uses in one Python source; raises SyntaxError for text that is not Python."""
    tree = ast.parse(source)
    finder = _Finder(path, line_offset)
    finder.visit(tree)
    return finder.uses


def notebook_uses(text: str, path: str) -> tuple[list[ModelUse], int]:
    """Model uses in a notebook's code cells (magics dropped); also the count of bad cells."""
    doc = json.loads(text)
    cells = doc.get("cells") if isinstance(doc, dict) else None
    uses: list[ModelUse] = []
    bad = 0
    sources: list[str] = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source")
        src = "".join(src) if isinstance(src, list) else src if isinstance(src, str) else ""
        lines = ["" if ln.lstrip().startswith(("%", "!")) else ln for ln in src.splitlines()]
        sources.append("\n".join(lines))
    # Cells share imports: parse them together, falling back to cell by cell on a bad cell.
    try:
        uses = find_uses("\n".join(sources), path)
    except SyntaxError:
        prefix = "\n".join(
            ln for s in sources for ln in s.splitlines() if ln.startswith(("import ", "from "))
        )
        for s in sources:
            found = _try_uses(prefix + "\n" + s, path)
            if found is None:
                bad += 1
            else:
                uses.extend(found)
    return uses, bad


def _try_uses(source: str, path: str) -> list[ModelUse] | None:
    try:
        return find_uses(source, path)
    except SyntaxError:
        return None
