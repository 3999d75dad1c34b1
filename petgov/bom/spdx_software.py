"""SPDX 3.0.1 rendering of what the code around a model brings in: Python packages, their OSV
vulnerabilities with VEX assessments, and the hub models and AI provider APIs code uses.

The facts are the groups ``petgov.bom.software.group`` makes for the CycloneDX builder, so both
formats list the same packages, models, services and OSV records. Mapping:

- a package is a ``software_Package`` (``primaryPurpose: library``, pypi purl); the target
  ``dependsOn`` it, or ``hasOptionalDependency`` when every manifest puts it in an extra or a dev
  group (CycloneDX scope ``optional``);
- an OSV record is a ``security_Vulnerability`` (OSV id and aliases as ``externalIdentifier``);
  a version match is ``security_VexUnderInvestigationVulnAssessmentRelationship``
  (``underInvestigationFor``: petgov did not analyse reachability), a ``MAL-`` record is
  ``security_VexAffectedVulnAssessmentRelationship`` (``affects``: installing it runs its code),
  from the vulnerability to the packages it matched, as the Security profile's VEX classes say;
- a hub model code loads is an ``ai_AIPackage`` (``pkg:huggingface`` purl); SPDX 3.0.1 has no
  service class, so an AI provider API is a ``software_Package`` with ``primaryPurpose: other``
  supplied by the provider ``Organization``. Whether policy sanctions the use is in the comment.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from petgov.bom import software
from petgov.bom.software import COMMIT, Facts, Rows
from petgov.bom.spdx_graph import Graph, known
from petgov.catalog import rule_for

if TYPE_CHECKING:
    from spdx_python_model.bindings.v3_0_1 import Element


OSV_URL = "https://osv.dev/vulnerability/"
Unlicensed = Callable[["Element"], None]


def add(facts: Facts, graph: Graph, roots: Mapping[str, Element], unlicensed: Unlicensed) -> bool:
    """Add every package, hub model, service and OSV record; True if a vulnerability was added.

    ``roots`` maps each target to its model package, the ``from`` of its dependencies (not
    ``graph.by_path``: a single-file target shares its path with its file). ``unlicensed`` gives
    an AI package its NoAssertion license relationships (the AI profile requires one declared
    and one concluded license on every ``ai_AIPackage``).
    """
    built: dict[tuple[str, ...], Element] = {}
    for key, rows in facts.packages.items():
        built[key] = _package(key[1], key[2], rows, graph)
    for key, rows in facts.models.items():
        built[key] = _hub_model(key[1], key[2], rows, graph)
        unlicensed(built[key])
    for key, rows in facts.services.items():
        built[key] = _service(key[1], rows, graph)
    for target, keys in facts.wanted.items():
        _depends(roots.get(target), keys, facts, built, graph)
    packages = {(k[1], k[2]): built[k] for k in facts.packages}
    for ident, rows in facts.vulns.items():
        _vulnerability(ident, rows, packages, graph)
    return bool(facts.vulns)


def _depends(
    source: Element | None,
    keys: Sequence[tuple[str, ...]],
    facts: Facts,
    built: Mapping[tuple[str, ...], Element],
    graph: Graph,
) -> None:
    """``dependsOn`` what the target needs, ``hasOptionalDependency`` what only extras need."""
    if source is None or not keys:
        return
    optional = [k for k in keys if k[0] == "pkg" and not software.required(facts.packages[k])]
    needed = [k for k in keys if k not in optional]
    note = (
        "direct dependencies from the target's manifests (transitive ones were not resolved) "
        "and the hub models and AI services its code uses"
    )
    for kind, group in (("dependsOn", needed), ("hasOptionalDependency", optional)):
        if group:
            graph.relate(kind, source, [built[k] for k in group], comment=note)


def _package(name: str, version: str, rows: Rows, graph: Graph) -> Element:
    """A pypi ``library`` package, versioned only when pinned or locked (as in CycloneDX)."""
    from packageurl import PackageURL
    from spdx_python_model.bindings import v3_0_1 as spdx

    notes = [f"declared in: {', '.join(software.sources(rows))}"]
    if not version:
        notes.append("not pinned")
        notes.extend(f"specifier: {s}" for s in software.specifiers(rows))
    if not software.required(rows):
        notes.append("optional: only extras or dev groups declare it")
    element: Element = spdx.software_Package(
        **known(
            spdxId=graph.ids.new("pypi", f"{name}@{version}" if version else name),
            name=name,
            creationInfo=graph.creation,
            comment="; ".join(notes),
            software_packageVersion=version or None,
            software_packageUrl=PackageURL(
                type="pypi", name=name, version=version or None
            ).to_string(),
            software_primaryPurpose=spdx.software_SoftwarePurpose.library,
        )
    )
    graph.add(element)
    return element


def _hub_model(ident: str, revision: str, rows: Rows, graph: Graph) -> Element:
    """A hub model code loads; the purl carries the revision only when it is a commit."""
    from packageurl import PackageURL
    from spdx_python_model.bindings import v3_0_1 as spdx

    group, _, name = ident.rpartition("/")
    pinned = bool(COMMIT.match(revision))
    purl = PackageURL(
        type="huggingface",
        namespace=group.lower() or None,
        name=name.lower(),
        version=revision.lower() if pinned else None,
    )
    notes = [
        "used from code (shadow AI)",
        f"sanctioned: {software.sanctioned(rows)}",
        f"revision-pinned: {str(pinned).lower()}",
        *(f"call: {c}" for c in software.calls(rows)),
        *(f"used-at: {u}" for u in software.used_at(rows)),
    ]
    element: Element = spdx.ai_AIPackage(
        **known(
            spdxId=graph.ids.new("hub-model", f"{ident}@{revision}" if revision else ident),
            name=ident,
            creationInfo=graph.creation,
            comment="; ".join(notes),
            software_packageVersion=revision or None,
            software_packageUrl=purl.to_string(),
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
        )
    )
    graph.add(element)
    return element


def _service(provider: str, rows: Rows, graph: Graph) -> Element:
    """An AI provider API: called over the network, not shipped, so purpose ``other``."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    supplier = spdx.Organization(
        spdxId=graph.ids.new("organization", provider),
        name=provider,
        creationInfo=graph.creation,
    )
    graph.add(supplier)
    notes = [
        "an AI provider API the code calls over the network (shadow AI); not a shipped package",
        f"sanctioned: {software.sanctioned(rows)}",
        *(f"model: {m}" for m in software.service_models(rows)),
        *(f"used-at: {u}" for u in software.used_at(rows)),
    ]
    element: Element = spdx.software_Package(
        spdxId=graph.ids.new("service", provider),
        name=provider,
        creationInfo=graph.creation,
        comment="; ".join(notes),
        suppliedBy=supplier,
        software_primaryPurpose=spdx.software_SoftwarePurpose.other,
    )
    graph.add(element)
    return element


def _vulnerability(
    ident: str, rows: Rows, packages: Mapping[tuple[str, str], Element], graph: Graph
) -> None:
    """One OSV record and its VEX assessment of the packages it matched."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    malicious = software.is_malicious(ident)
    manifests = sorted({str(r.get("source", "")) for r in rows})
    notes = [
        f"severity: {software.severity(ident, rows)} (OSV)",
        f"malicious: {str(malicious).lower()}",
        f"rule: {rule_for('dependency.malicious' if malicious else 'dependency.vulnerable').id}",
        *(f"manifest: {m}" for m in manifests),
    ]
    vuln: Element = spdx.security_Vulnerability(
        **known(
            spdxId=graph.ids.new("osv", ident),
            name=ident,
            creationInfo=graph.creation,
            summary=str(rows[0].get("summary") or "") or None,
            comment="; ".join(notes),
            externalIdentifier=_identifiers(ident, software.aliases(rows)),
        )
    )
    graph.add(vuln)
    affected = [packages[k] for k in software.affected(rows) if k in packages]
    if affected:
        _assessment(ident, rows, vuln, affected, graph)


def _assessment(
    ident: str, rows: Rows, vuln: Element, affected: Sequence[Element], graph: Graph
) -> None:
    """VEX ``affected`` for a known malicious package, ``under investigation`` otherwise."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    common: dict[str, Any] = {
        "spdxId": graph.ids.new("vex", ident),
        "creationInfo": graph.creation,
        "from_": vuln,
        "to": list(affected),
    }
    action = software.recommendation(ident, rows)
    if software.is_malicious(ident):
        graph.add(
            spdx.security_VexAffectedVulnAssessmentRelationship(
                **common,
                relationshipType=spdx.RelationshipType.affects,
                security_actionStatement=action,
                security_statusNotes="known malicious package (OSV MAL- entry): "
                "installing it runs its code",
            )
        )
        return
    graph.add(
        spdx.security_VexUnderInvestigationVulnAssessmentRelationship(
            **common,
            relationshipType=spdx.RelationshipType.underInvestigationFor,
            security_statusNotes="matched by version against the offline OSV store; whether "
            f"the vulnerable code is reachable was not analysed; {action}",
        )
    )


def _identifiers(ident: str, aliases: Sequence[str]) -> list[Any]:
    """The OSV id (with its osv.dev page) and each alias; CVE ids get the ``cve`` type."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    kinds = spdx.ExternalIdentifierType
    out = [
        spdx.ExternalIdentifier(
            externalIdentifierType=kinds.securityOther,
            identifier=ident,
            identifierLocator=[OSV_URL + ident],
            issuingAuthority="OSV",
        )
    ]
    out.extend(
        spdx.ExternalIdentifier(
            externalIdentifierType=kinds.cve if a.startswith("CVE-") else kinds.securityOther,
            identifier=a,
        )
        for a in aliases
    )
    return out
