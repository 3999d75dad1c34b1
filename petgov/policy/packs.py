"""Rule packs: load a folder or a sha256-pinned tarball, validate every rule, compile CEL once.

A pack that is malformed (duplicate id, bad expression, unknown severity) is refused as a whole
with one clear line: a half-loaded policy is worse than none. Signature checks slot in through
``SignatureHook`` (provenance provides the real verifier); ``require_signature`` fails closed.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from petgov.compliance.mapping import parse as compliance_refs
from petgov.errors import PolicyError
from petgov.model import Mode, Severity
from petgov.policy.expr import RuleExpr, compile_rule_expr
from petgov.util.yamldocs import documents, warm
from petgov.util.yamlerr import yaml_problem

if TYPE_CHECKING:
    import tarfile

# Returns a short description of the verified signer, None when the pack is unsigned, and
# raises PetgovError when a signature is present but does not verify.
SignatureHook = Callable[[Path], "str | None"]

CONFIDENCES = ("low", "medium", "high")
REQUIRED = ("id", "title", "severity", "mode", "when")
MAX_RULE_BYTES = 256 * 1024
MAX_PACK_BYTES = 32 * 1024 * 1024


@dataclass
class Rule:
    """One rule of a pack, validated and compiled."""

    id: str
    title: str
    severity: Severity
    mode: Mode
    expr: RuleExpr
    confidence: str = "medium"
    applies_to: tuple[str, ...] = ("*",)
    message: str | None = None
    remediation: str | None = None
    help_uri: str | None = None
    tags: tuple[str, ...] = ()
    since: str | None = None
    waivable: bool = True
    keep_scanner_severity: bool = False  # effective severity = the finding's
    docs: Mapping[str, Any] = field(default_factory=dict)
    fixtures: list[Mapping[str, Any]] = field(default_factory=list)
    # framework -> control ids (OWASP, ATLAS, NIST, EU AI Act, CWE from tags); see compliance/
    compliance: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    source: str = ""  # file the rule came from
    pack: str = ""

    @property
    def when(self) -> str:
        return self.expr.source


@dataclass
class Pack:
    """A loaded pack: its manifest and its rules, in id order."""

    name: str
    version: str
    description: str
    location: str
    rules: list[Rule]
    sha256: str | None = None
    signer: str | None = None


def builtin_pack_dir() -> Path:
    """The built-in pack: the shipped ``rules/`` folder (see petgov.util.shipped)."""
    from petgov.util.shipped import shipped_dir

    found = shipped_dir("rules")
    if found is None or not (found / "pack.yaml").is_file():
        raise PolicyError("built-in rule pack not found", hint="reinstall petgov")
    return found


def load_pack(
    location: Path,
    *,
    sha256: str | None = None,
    require_signature: bool = False,
    verify: SignatureHook | None = None,
) -> Pack:
    """Load a pack folder or ``.tar.gz``; a tarball must match ``sha256`` when one is given."""
    if not location.exists():
        raise PolicyError(f"rule pack {location} does not exist")
    signer = None
    if require_signature or verify is not None:
        if verify is None:
            raise PolicyError(
                f"rule pack {location} refused: require_signature is set but no verifier is "
                "available",
                hint="sign packs with `petgov rules sign` once provenance is installed",
            )
        signer = verify(location)
        if signer is None and require_signature:
            raise PolicyError(f"rule pack {location} refused: it is not signed")
    digest = None
    if location.is_dir():
        if _is_builtin(location):  # read once per process, parsed once per installation
            from petgov.catalog import builtin_rule_files

            files = _checked_sizes(location, builtin_rule_files(location))
            warm(list(files.values()), "rules")
        else:
            files = _folder_files(location)
    else:
        data = location.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if sha256 is not None and digest != sha256.lower().removeprefix("sha256:"):
            raise PolicyError(
                f"rule pack {location} refused: sha256 {digest} does not match the pinned {sha256}"
            )
        files = _tar_files(location, data)
    pack = parse_pack(files, str(location))
    pack.sha256 = digest
    pack.signer = signer
    return pack


def _is_builtin(location: Path) -> bool:
    from petgov.util.shipped import shipped_dir

    found = shipped_dir("rules")
    return found is not None and location.resolve() == found.resolve()


def _checked_sizes(root: Path, files: dict[str, bytes]) -> dict[str, bytes]:
    """``_folder_files``'s size limit over files already read."""
    for name, raw in files.items():
        if len(raw) > MAX_RULE_BYTES:
            raise PolicyError(
                f"rule pack {root}: {root / name} is larger than {MAX_RULE_BYTES} bytes"
            )
    return files


def _folder_files(root: Path) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for p in sorted(root.rglob("*")):
        if p.suffix in (".yaml", ".yml") and p.is_file() and not p.is_symlink():
            if p.stat().st_size > MAX_RULE_BYTES:
                raise PolicyError(f"rule pack {root}: {p} is larger than {MAX_RULE_BYTES} bytes")
            out[p.relative_to(root).as_posix()] = p.read_bytes()
    return out


def _tar_files(path: Path, data: bytes) -> dict[str, bytes]:
    """YAML members of a pack tarball, read into memory (never extracted to disk)."""
    import tarfile  # only for a pack tarball (~2.5 ms to import)

    out: dict[str, bytes] = {}
    total = 0
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:*") as tar:
            for m in tar:
                if not m.isfile() or not m.name.endswith((".yaml", ".yml")):
                    continue
                total += m.size
                if m.size > MAX_RULE_BYTES or total > MAX_PACK_BYTES:
                    raise PolicyError(f"rule pack {path}: member {m.name} is too large")
                fh = tar.extractfile(m)
                if fh is not None:
                    name = m.name.removeprefix("./")
                    out[name.split("/", 1)[1] if _has_root_dir(name, tar) else name] = fh.read()
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise PolicyError(f"rule pack {path} is not a readable tarball: {exc}") from None
    return out


def _has_root_dir(name: str, tar: tarfile.TarFile) -> bool:
    """Packs made by `rules pack` have pack.yaml at the top; others may wrap it in one folder."""
    return "/" in name and not any(n.removeprefix("./") == "pack.yaml" for n in tar.getnames())


def parse_pack(files: Mapping[str, bytes], location: str) -> Pack:
    """Validate a pack given as {relative path: bytes}; refuse it with one line on any error."""
    if "pack.yaml" not in files:
        raise PolicyError(f"rule pack {location} has no pack.yaml")
    manifest = _yaml_mapping(files["pack.yaml"], f"{location}/pack.yaml")
    name = str(manifest.get("name") or "")
    if not name:
        raise PolicyError(f"rule pack {location}: pack.yaml has no name")
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for rel, raw in sorted(files.items()):
        if rel == "pack.yaml" or rel.rsplit("/", 1)[-1].startswith("."):
            continue
        where = f"{location}/{rel}"
        try:  # libyaml; the catalog has usually parsed the built-in files already
            docs = [d for d in documents(raw) if d is not None]
        except Exception as exc:
            import yaml  # imported only here: a warm cache gives documents without PyYAML

            if not isinstance(exc, yaml.YAMLError):
                raise
            raise PolicyError(
                f"rule pack {location}: {rel} is not valid YAML: {yaml_problem(exc)}"
            ) from None
        for doc in docs:
            rule = parse_rule(doc, where, name)
            if rule.id in seen:
                raise PolicyError(
                    f"rule pack {location}: duplicate rule id {rule.id} "
                    f"in {rel} and {seen[rule.id]}"
                )
            seen[rule.id] = rel
            rules.append(rule)
    rules.sort(key=lambda r: r.id)
    return Pack(
        name=name,
        version=str(manifest.get("version") or "0"),
        description=str(manifest.get("description") or ""),
        location=location,
        rules=rules,
    )


def _yaml_mapping(raw: bytes, where: str) -> Mapping[str, Any]:
    try:
        docs = documents(raw)
    except Exception:
        docs = ()  # safe_load below says what is wrong
    if len(docs) == 1 and isinstance(docs[0], dict):
        return docs[0]
    import yaml

    try:
        doc = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise PolicyError(f"{where} is not valid YAML: {yaml_problem(exc)}") from None
    if not isinstance(doc, dict):
        raise PolicyError(f"{where} must be a mapping")
    return doc


def parse_rule(doc: Any, where: str, pack: str = "") -> Rule:
    """One rule from its YAML mapping; any contract violation is a PolicyError naming it."""
    if not isinstance(doc, dict):
        raise PolicyError(f"{where}: a rule must be a mapping")
    rid = str(doc.get("id") or "?")
    missing = [k for k in REQUIRED if not doc.get(k)]
    if missing:
        raise PolicyError(f"rule {rid} ({where}): missing {', '.join(missing)}")
    try:
        severity = Severity(str(doc["severity"]).lower())
    except ValueError:
        raise PolicyError(f"rule {rid}: unknown severity {doc['severity']!r}") from None
    try:
        mode = Mode(str(doc["mode"]).lower())
    except ValueError:
        raise PolicyError(
            f"rule {rid}: mode must be guideline or gate, not {doc['mode']!r}"
        ) from None
    confidence = str(doc.get("confidence") or "medium").lower()
    if confidence not in CONFIDENCES:
        raise PolicyError(f"rule {rid}: confidence must be one of {', '.join(CONFIDENCES)}")
    tags = [str(t) for t in _as_list(doc.get("tags"), [])]
    try:
        compliance = compliance_refs(doc.get("compliance"), tags)
    except ValueError as exc:
        raise PolicyError(f"rule {rid}: {exc}") from None
    fixtures = doc.get("fixtures") or []
    if not isinstance(fixtures, list) or not all(isinstance(f, dict) for f in fixtures):
        raise PolicyError(f"rule {rid}: fixtures must be a list of mappings")
    return Rule(
        id=rid,
        title=str(doc["title"]),
        severity=severity,
        mode=mode,
        expr=compile_rule_expr(rid, str(doc["when"])),
        confidence=confidence,
        applies_to=tuple(str(a) for a in _as_list(doc.get("applies_to"), ["*"])),
        message=_opt_str(doc.get("message")),
        remediation=_opt_str(doc.get("remediation")),
        help_uri=_opt_str(doc.get("help_uri")),
        tags=tuple(tags),
        since=_opt_str(doc.get("since")),
        waivable=bool(doc.get("waivable", True)),
        keep_scanner_severity=bool(doc.get("keep_scanner_severity", False)),
        docs=_as_dict(doc.get("docs")),
        fixtures=list(fixtures),
        compliance=compliance,
        source=where,
        pack=pack,
    )


def _as_list(value: Any, default: list[str]) -> Iterable[Any]:
    if value is None:
        return default
    return value if isinstance(value, list) else [value]


def _as_dict(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _opt_str(value: Any) -> str | None:
    return None if value is None else str(value)
