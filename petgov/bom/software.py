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
from petgov.catalog import rule_for

if TYPE_CHECKING:
    from cyclonedx.model.component import Component
    from cyclonedx.model.service import Service
    from cyclonedx.model.vulnerability import Vulnerability

PREFIX = "petgov:"
ENV_SOURCE = "<env>"
COMMIT = re.compile(r"^[0-9a-f]{40}$")
NewRef = Callable[[str, str], str]
Grouped = dict[tuple[str, ...], list[Mapping[str, Any]]]  # identity -> rows, first-seen order
Rows = Sequence[Mapping[str, Any]]


@dataclass
class Software:
    """Components, services and vulnerabilities to add, and what each target depends on."""

    components: list[Component] = field(default_factory=list)
    services: list[Service] = field(default_factory=list)
    vulnerabilities: list[Vulnerability] = field(default_factory=list)
    depends: dict[str, list[Any]] = field(default_factory=dict)  # target -> components/services


@dataclass
class Facts:
    """The software facts of every target, grouped by identity: one source for both renderers.

    CycloneDX (``collect``) and SPDX (``petgov.bom.spdx_software``) render these same groups,
    so the two formats cannot disagree on what is one package, model, service or OSV record.
    """

    packages: Grouped = field(default_factory=dict)  # ("pkg", name, version)
    models: Grouped = field(default_factory=dict)  # ("hub", id, revision)
    services: Grouped = field(default_factory=dict)  # ("svc", provider)
    vulns: dict[str, list[Mapping[str, Any]]] = field(default_factory=dict)  # OSV id -> rows
    wanted: dict[str, list[tuple[str, ...]]] = field(default_factory=dict)  # target -> keys


def group(infos: Sequence[ModelInfo]) -> Facts:
    """Group the dependency and shadow-AI facts of every target by identity, first-seen order."""
    out = Facts()
    for info in infos:
        mine: list[tuple[str, ...]] = []
        for row in _rows(info.facts.get("dependencies.components")):
            name = row.get("name")
            if isinstance(name, str) and name:
                key = ("pkg", name, _opt(row.get("version")))
                out.packages.setdefault(key, []).append(row)
                mine.append(key)
        for row in _rows(info.facts.get("dependencies.vulnerabilities")):
            if isinstance(row.get("id"), str):
                out.vulns.setdefault(row["id"], []).append(row)
        for row in _rows(info.facts.get("shadow_ai.models")):
            found = _shadow_key(row)
            if found is not None:
                bucket = out.models if found[0] == "hub" else out.services
                bucket.setdefault(found, []).append(row)
                mine.append(found)
        out.wanted[info.target] = list(dict.fromkeys(mine))
    return out


def _shadow_key(row: Mapping[str, Any]) -> tuple[str, ...] | None:
    """The identity of a shadow-AI use; None for a model chosen at run time (no id to list)."""
    ident = row.get("id")
    if row.get("kind") == "hf_model":
        if not isinstance(ident, str) or not ident:
            return None  # counted by target_properties
        return ("hub", ident, _opt(row.get("revision")))
    if isinstance(row.get("provider"), str):
        return ("svc", str(row["provider"]))
    return None


def collect(infos: Sequence[ModelInfo], new_ref: NewRef) -> Software:
    """The CycloneDX packages, hub models, services and OSV vulnerabilities of every target."""
    facts = group(infos)
    out = Software()
    built: dict[tuple[str, ...], Any] = {}
    for key, rows in facts.packages.items():
        built[key] = _package(key[1], key[2], rows, new_ref)
    for key, rows in facts.models.items():
        built[key] = _hub_model(key[1], key[2], rows, new_ref)
    for key, rows in facts.services.items():
        built[key] = _service(key[1], rows, new_ref)
    out.components = [built[k] for k in [*facts.packages, *facts.models]]
    out.services = [built[k] for k in facts.services]
    out.depends = {t: [built[key] for key in keys] for t, keys in facts.wanted.items()}
    refs = {(k[1], k[2]): str(built[k].bom_ref) for k in facts.packages}
    out.vulnerabilities = [
        _vulnerability(i, rows, refs, new_ref) for i, rows in facts.vulns.items()
    ]
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

    scope = ComponentScope.REQUIRED if required(rows) else ComponentScope.OPTIONAL
    props = [("source", s) for s in sources(rows)]
    if not version:
        props.extend(("specifier", s) for s in specifiers(rows))
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
    props = [("source", "shadow-ai"), ("sanctioned", sanctioned(rows))]
    props.append(("revision-pinned", str(pinned).lower()))
    props.extend(("call", c) for c in calls(rows))
    props.extend(("used-at", u) for u in used_at(rows))
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

    props = [("source", "shadow-ai"), ("sanctioned", sanctioned(rows))]
    props.extend(("model", m) for m in service_models(rows))
    props.extend(("used-at", u) for u in used_at(rows))
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
    malicious = is_malicious(ident)
    level = severity(ident, rows)
    if level not in {s.value for s in VulnerabilitySeverity}:
        level = "unknown"
    source = VulnerabilitySource(name="OSV", url=XsUri(f"https://osv.dev/vulnerability/{ident}"))
    affects = []
    for key in affected(rows):
        ref = refs.get(key)
        if ref is None:
            continue
        versions = (
            [BomTargetVersionRange(version=key[1], status=ImpactAnalysisAffectedStatus.AFFECTED)]
            if key[1]
            else []
        )
        affects.append(BomTarget(ref=ref, versions=versions))
    props = [
        ("malicious", str(malicious).lower()),
        ("rule", rule_for("dependency.malicious" if malicious else "dependency.vulnerable").id),
    ]
    props.extend(("manifest", s) for s in sorted({str(r.get("source", "")) for r in rows}))
    return Vulnerability(
        bom_ref=new_ref("osv", ident),
        id=ident,
        source=source,
        references=[
            VulnerabilityReference(id=a, source=VulnerabilitySource(name="OSV alias"))
            for a in aliases(rows)
        ],
        ratings=[
            VulnerabilityRating(
                source=source,
                severity=VulnerabilitySeverity(level),
                method=VulnerabilityScoreSource.OTHER,
            )
        ],
        cwes=[506] if malicious else [],
        description=str(first.get("summary") or "") or None,
        recommendation=recommendation(ident, rows),
        affects=affects,
        properties=_properties(props),
    )


# What the grouped rows mean, shared by the CycloneDX and SPDX renderers.


def required(rows: Rows) -> bool:
    """Whether any manifest needs the package installed (extras and dev groups are optional)."""
    return "required" in {str(r.get("scope") or "required") for r in rows}


def sources(rows: Rows) -> list[str]:
    """The manifests that declare a package; the running environment is named as such."""
    found = dict.fromkeys(str(r.get("source", "")) for r in rows)
    return ["python-environment" if s == ENV_SOURCE else s for s in found]


def specifiers(rows: Rows) -> list[str]:
    """The version specifiers of an unpinned package (what a resolver could pick)."""
    return sorted({str(r.get("specifier") or "") for r in rows} - {""})


def sanctioned(rows: Rows) -> str:
    """``false`` if any use is unsanctioned, ``true`` if all are, else ``not-judged``."""
    verdicts = [r.get("sanctioned") for r in rows]
    if any(v is False for v in verdicts):
        return "false"
    if verdicts and all(v is True for v in verdicts):
        return "true"
    return "not-judged"


def calls(rows: Rows) -> list[str]:
    return sorted({str(r.get("call")) for r in rows})


def service_models(rows: Rows) -> list[str]:
    """The model names code asks an AI provider for."""
    return sorted({str(r["id"]) for r in rows if isinstance(r.get("id"), str) and r["id"]})


def used_at(rows: Rows) -> list[str]:
    return sorted({f"{r.get('path')}:{r.get('line')}" for r in rows})


def is_malicious(ident: str) -> bool:
    """OSV ``MAL-`` entries are known malicious packages: installing one runs its code."""
    return ident.startswith("MAL-")


def severity(ident: str, rows: Rows) -> str:
    """The OSV record's severity word; a malicious package is always critical."""
    if is_malicious(ident):
        return "critical"
    return str(rows[0].get("severity") or "unknown")


def aliases(rows: Rows) -> list[str]:
    return sorted({str(a) for r in rows for a in r.get("aliases") or []})


def recommendation(ident: str, rows: Rows) -> str:
    """What to do: remove a malicious package, else upgrade to a fixed version if one exists."""
    if is_malicious(ident):
        return "remove this package: it is known to be malicious"
    fixed = sorted({str(f) for r in rows for f in r.get("fixed") or []})
    return f"upgrade to {', '.join(fixed)}" if fixed else "no fixed version is known"


def affected(rows: Rows) -> list[tuple[str, str]]:
    """The (package, version) identities an OSV record matched, as package keys hold them."""
    return list(dict.fromkeys((str(r.get("package")), _opt(r.get("version"))) for r in rows))


def _rows(value: Any) -> list[Mapping[str, Any]]:
    return [r for r in value if isinstance(r, Mapping)] if isinstance(value, list) else []


def _opt(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _properties(pairs: Iterable[tuple[str, str]]) -> list[Any]:
    from cyclonedx.model import Property

    return [Property(name=PREFIX + k, value=v) for k, v in pairs]
