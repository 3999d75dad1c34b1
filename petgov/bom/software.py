"""What the code around a model brings into the AI-BOM: Python packages, their OSV
vulnerabilities, and the hub models and AI provider APIs that source code uses (shadow AI).

Everything comes from facts other scanners recorded (``dependencies.components``,
``dependencies.vulnerabilities``, ``shadow_ai.models``); nothing is read from disk. Packages and
hub models are deduplicated across targets by identity, so a package two manifests (or two
targets) declare is one component whose ``petgov:source`` properties name every manifest, and an
OSV record is one vulnerability whose ``affects`` point at every component it matched. Provider
APIs are CycloneDX ``services`` (something called over the network, not shipped), one per
provider, with the models asked for as properties.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from petgov.bom.info import ModelInfo

if TYPE_CHECKING:
    from cyclonedx.model.component import Component
    from cyclonedx.model.service import Service
    from cyclonedx.model.vulnerability import Vulnerability

PREFIX = "petgov:"
ENV_SOURCE = "<env>"
COMMIT = re.compile(r"^[0-9a-f]{40}$")
NewRef = Callable[[str, str], str]
Grouped = dict[tuple[str, ...], list[Mapping[str, Any]]]  # identity -> rows, first-seen order


@dataclass
class Software:
    """Components, services and vulnerabilities to add, and what each target depends on."""

    components: list[Component] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    depends: dict[str, list[Any]] = field(default_factory=dict)  # target -> components/services


def collect(infos: Sequence[ModelInfo], new_ref: NewRef) -> Software:
    """Build the packages, hub models, services and OSV vulnerabilities of every target."""
    out = Software()
    packages: Grouped = {}
    models: Grouped = {}
    services: Grouped = {}
    vulns: dict[str, list[Mapping[str, Any]]] = {}
    wanted: dict[str, list[tuple[str, ...]]] = {}
    key: tuple[str, ...]
    for info in infos:
        mine: list[tuple[str, ...]] = []
        for row in _rows(info.facts.get("dependencies.components")):
            name = row.get("name")
            if isinstance(name, str) and name:
                key = ("pkg", name, _opt(row.get("version")))
                packages.setdefault(key, []).append(row)
                mine.append(key)
        for row in _rows(info.facts.get("dependencies.vulnerabilities")):
            if isinstance(row.get("id"), str):
                vulns.setdefault(row["id"], []).append(row)
        for row in _rows(info.facts.get("shadow_ai.models")):
            ident = row.get("id")
            if row.get("kind") == "hf_model":
                if not isinstance(ident, str) or not ident:
                    continue  # counted by target_properties: no identity to list
                key = ("hub", ident, _opt(row.get("revision")))
                models.setdefault(key, []).append(row)
                mine.append(key)
            elif isinstance(row.get("provider"), str):
                key = ("svc", str(row["provider"]))
                services.setdefault(key, []).append(row)
                mine.append(key)
        wanted[info.target] = list(dict.fromkeys(mine))
    built: dict[tuple[str, ...], Any] = {}
    for key, rows in packages.items():
        built[key] = _package(key[1], key[2], rows, new_ref)
    for key, rows in models.items():
        built[key] = _hub_model(key[1], key[2], rows, new_ref)
    for key, rows in services.items():
        built[key] = _service(key[1], rows, new_ref)
    out.components = [built[k] for k in [*packages, *models]]
    out.services = [built[k] for k in services]
    out.depends = {t: [built[key] for key in keys] for t, keys in wanted.items()}
    refs = {(k[1], k[2]): str(built[k].bom_ref) for k in packages}
    out.vulnerabilities = [_vulnerability(i, rows, refs, new_ref) for i, rows in vulns.items()]
    return out


def target_properties(info: ModelInfo) -> list[tuple[str, str]]:
    """Notes on the target's own component: what could not be listed or checked, and why.

    A model chosen at run time has no name to list, and packages not matched against OSV must
    not read as "no vulnerabilities": both are said here rather than left out silently.
    """
    props: list[tuple[str, str]] = []
    dynamic = sum(
        1
        for r in _rows(info.facts.get("shadow_ai.models"))
        if r.get("kind") == "hf_model" and not r.get("id")
    )
    if dynamic:
        props.append(("shadow-ai-unresolved-models", str(dynamic)))
    if _rows(info.facts.get("dependencies.components")):
        db = info.facts.get("dependencies.osv_db")
        props.append(("dependencies-osv-db", db if isinstance(db, str) else "none: not checked"))
    return props


def _package(name: str, version: str, rows: Sequence[Mapping[str, Any]], new_ref: NewRef) -> Any:
    """A ``library`` component with its pypi purl (versioned only when pinned or locked)."""
    from cyclonedx.model.component import Component, ComponentScope, ComponentType
    from packageurl import PackageURL

    scopes = {str(r.get("scope") or "required") for r in rows}
    scope = ComponentScope.REQUIRED if "required" in scopes else ComponentScope.OPTIONAL
    sources = dict.fromkeys(str(r.get("source", "")) for r in rows)
    props = [("source", "python-environment" if s == ENV_SOURCE else s) for s in sources]
    if not version:
        specs = sorted({str(r.get("specifier") or "") for r in rows} - {""})
        props.extend(("specifier", s) for s in specs)
        props.append(("pinned", "false"))
    return Component(
        type=ComponentType.LIBRARY,
        bom_ref=new_ref("pypi", f"{name}@{version}" if version else name),
        name=name,
        version=version or None,
        scope=scope,
        purl=PackageURL(type="pypi", name=name, version=version or None),
        properties=_properties(props),
    )


def _hub_model(
    ident: str, revision: str, rows: Sequence[Mapping[str, Any]], new_ref: NewRef
) -> Any:
    """A hub model code loads: purl ``pkg:huggingface/org/name@rev`` (version when pinned)."""
    from cyclonedx.model.component import Component, ComponentType
    from packageurl import PackageURL

    group, _, name = ident.rpartition("/")
    pinned = bool(COMMIT.match(revision))
    props = [("source", "shadow-ai"), ("sanctioned", _sanctioned(rows))]
    props.append(("revision-pinned", str(pinned).lower()))
    props.extend(("call", c) for c in sorted({str(r.get("call")) for r in rows}))
    props.extend(("used-at", u) for u in _used_at(rows))
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=new_ref("hub-model", f"{ident}@{revision}" if revision else ident),
        name=name,
        group=group or None,
        version=revision or None,
        purl=PackageURL(
            type="huggingface",
            namespace=group.lower() or None,
            name=name.lower(),
            version=revision.lower() if pinned else None,
        ),
        properties=_properties(props),
    )


def _service(provider: str, rows: Sequence[Mapping[str, Any]], new_ref: NewRef) -> Any:
    """An AI provider API the code calls, with the model names it asks for."""
    from cyclonedx.model.contact import OrganizationalEntity
    from cyclonedx.model.service import Service

    props = [("source", "shadow-ai"), ("sanctioned", _sanctioned(rows))]
    models = sorted({str(r["id"]) for r in rows if isinstance(r.get("id"), str) and r["id"]})
    props.extend(("model", m) for m in models)
    props.extend(("used-at", u) for u in _used_at(rows))
    return Service(
        name=provider,
        bom_ref=new_ref("service", provider),
        provider=OrganizationalEntity(name=provider),
        properties=_properties(props),
    )


def _vulnerability(
    ident: str,
    rows: Sequence[Mapping[str, Any]],
    refs: Mapping[tuple[str, str], str],
    new_ref: NewRef,
) -> Any:
    """One OSV record, affecting every package component it matched (MAL- entries critical)."""
    from cyclonedx.model import XsUri
    from cyclonedx.model.impact_analysis import ImpactAnalysisAffectedStatus
    from cyclonedx.model.vulnerability import (
        BomTarget,
        BomTargetVersionRange,
        Vulnerability,
        VulnerabilityRating,
        VulnerabilityReference,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )

    first = rows[0]
    malicious = ident.startswith("MAL-")
    severity = "critical" if malicious else str(first.get("severity") or "unknown")
    if severity not in {s.value for s in VulnerabilitySeverity}:
        severity = "unknown"
    source = VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{ident}"))
    affects = []
    for key in dict.fromkeys((str(r.get("package")), _opt(r.get("version"))) for r in rows):
        ref = refs.get(key)
        if ref is None:
            continue
        versions = (
            [BomTargetVersionRange(version=key[1], status=ImpactAnalysisAffectedStatus.AFFECTED)]
            if key[1]
            else []
        )
        affects.append(BomTarget(ref=ref, versions=versions))
    aliases = sorted({str(a) for r in rows for a in r.get("aliases") or []})
    fixed = sorted({str(f) for r in rows for f in r.get("fixed") or []})
    props = [
        ("malicious", str(malicious).lower()),
        ("rule", "PG-DEP-001" if malicious else "PG-DEP-002"),
    ]
    props.extend(("manifest", s) for s in sorted({str(r.get("source", "")) for r in rows}))
    return Vulnerability(
        bom_ref=new_ref("osv", ident),
        id=ident,
        source=source,
        references=[
            VulnerabilityReference(id=a, source=VulnerabilitySource(name="OSV alias"))
            for a in aliases
        ],
        ratings=[
            VulnerabilityRating(
                source=source,
                severity=VulnerabilitySeverity(severity),
                method=VulnerabilityScoreSource.OTHER,
            )
        ],
        cwes=[506] if malicious else [],
        description=str(first.get("summary") or "") or None,
        recommendation=(
            "remove this package: it is known to be malicious"
            if malicious
            else (f"upgrade to {', '.join(fixed)}" if fixed else "no fixed version is known")
        ),
        affects=affects,
        properties=_properties(props),
    )


def _sanctioned(rows: Sequence[Mapping[str, Any]]) -> str:
    """``false`` if any use is unsanctioned, ``true`` if all are, else ``not-judged``."""
    verdicts = [r.get("sanctioned") for r in rows]
    if any(v is False for v in verdicts):
        return "false"
    if verdicts and all(v is True for v in verdicts):
        return "true"
    return "not-judged"


def _used_at(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted({f"{r.get('path')}:{r.get('line')}" for r in rows})


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _opt(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _properties(pairs: Iterable[tuple[str, str]]) -> list[Any]:
    from cyclonedx.model import Property

    return [Property(name=PREFIX + k, value=v) for k, v in pairs]
