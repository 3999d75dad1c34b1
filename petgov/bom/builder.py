"""Build a CycloneDX ML-BOM (as a JSON dict) from a Report with cyclonedx-python-lib.

One machine-learning-model component per target (the first is ``metadata.component``), every
file as a nested ``file`` component with its sha256, datasets named on the card as ``data``
components, ``base_model`` as ``pedigree.ancestors``, findings as ``vulnerabilities`` and the
tool, engine and rule-pack versions under ``metadata``. Python packages, hub models and AI
services the target's code uses, and OSV vulnerabilities, come from ``petgov.bom.software``.
Fields the library lacks are added by ``petgov.bom.extras``. The dict is validated by
``petgov.bom.validate`` before anyone writes it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from petgov.bom import extras, software
from petgov.bom.completeness import score
from petgov.bom.info import LicenseInfo, ModelInfo, gather
from petgov.model import Decision, Report, Severity

if TYPE_CHECKING:
    from cyclonedx.model.component import Component
    from cyclonedx.model.license import License
    from cyclonedx.model.vulnerability import Vulnerability

JSONDict = dict[str, Any]
PROPERTY_PREFIX = "petgov:"


@dataclass(frozen=True)
class BuildOptions:
    """How to render: spec version and whether serial number and timestamp are fixed."""

    spec: str = "1.6"
    reproducible: bool = False


@dataclass
class Built:
    """A BOM document (CycloneDX or SPDX) and, per target, its completeness and missing fields."""

    document: JSONDict
    infos: list[ModelInfo]
    scores: dict[str, int]
    missing: dict[str, list[str]]

    @classmethod
    def scored(cls, document: JSONDict, infos: list[ModelInfo]) -> Built:
        """The document with every target's completeness score, the same for both formats."""
        results = {i.target: score(i) for i in infos}
        return cls(
            document=document,
            infos=infos,
            scores={t: r.value for t, r in results.items()},
            missing={t: r.missing for t, r in results.items()},
        )


def build(report: Report, options: BuildOptions | None = None) -> Built:
    """The ML-BOM of every target in ``report`` (not yet validated)."""
    from cyclonedx.model.bom import Bom, BomMetaData

    options = options or BuildOptions()
    infos = [gather(t, report.items, report.facts) for t in report.targets]
    scores = {i.target: score(i) for i in infos}
    refs = _Refs()
    models: list[Component] = []
    datasets: dict[str, Component] = {}
    cards: dict[str, JSONDict] = {}
    data: dict[str, list[JSONDict]] = {}
    for info in infos:
        component = _model_component(info, refs, scores[info.target].value)
        models.append(component)
        dataset_refs = []
        for name in info.datasets:
            if name not in datasets:
                datasets[name] = _dataset_component(name, refs)
                data[str(datasets[name].bom_ref)] = extras.dataset_data(name)
            dataset_refs.append(str(datasets[name].bom_ref))
        card = extras.model_card(info, refs.new("model-card", info.name), dataset_refs)
        if card is not None:
            cards[str(component.bom_ref)] = card
    soft = software.collect(infos, refs.new)
    bom = Bom(
        serial_number=_serial(infos, options),
        metadata=BomMetaData(
            timestamp=timestamp(report, options),
            tools=_tools(report),
            component=models[0] if models else None,
            properties=_metadata_properties(report),
        ),
        components=[*models[1:], *datasets.values(), *soft.components],
        services=soft.services,
        vulnerabilities=[
            *_vulnerabilities(report.decisions, infos, models, refs),
            *soft.vulnerabilities,
        ],
    )
    for info, component in zip(infos, models, strict=True):
        deps = [datasets[name] for name in dict.fromkeys(info.datasets)]
        deps += soft.depends.get(info.target, [])
        bom.register_dependency(component, deps)
        for dep in deps:
            bom.register_dependency(dep, [])
    doc = _serialize(bom, options.spec)
    extras.inject(doc, cards, data)
    return Built.scored(doc, infos)


def render(doc: JSONDict) -> str:
    """The document as stable, pretty JSON text."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


class _Refs:
    """Deterministic, unique bom-refs (``kind:slug``, numbered on collision)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, kind: str, name: str) -> str:
        slug = re.sub(r"[^A-Za-z0-9._/!@+-]+", "-", name).strip("-") or "unnamed"
        ref = f"{kind}:{slug}"
        n = 2
        while ref in self.used:
            ref = f"{kind}:{slug}#{n}"
            n += 1
        self.used.add(ref)
        return ref


def _model_component(info: ModelInfo, refs: _Refs, completeness: int) -> Component:
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.contact import OrganizationalEntity

    weights = [f for f in info.weights if f.sha256 and not f.lfs_pointer]
    hashes = (
        [HashType(alg=HashAlgorithm.SHA_256, content=weights[0].sha256)]
        if len(weights) == 1 and weights[0].sha256
        else []
    )
    ref = refs.new("model", info.name)
    return Component(
        type=ComponentType.MACHINE_LEARNING_MODEL,
        bom_ref=ref,
        name=info.name,
        group=info.group,
        version=info.version,
        description=info.description,
        supplier=OrganizationalEntity(name=info.supplier) if info.supplier else None,
        purl=_purl(info.purl),
        hashes=hashes,
        licenses=_licenses(info.license),
        properties=_properties(_model_properties(info, completeness)),
        pedigree=_pedigree(info.base_models, refs),
        components=[_file_component(info, f, refs) for f in info.files],
    )


def _model_properties(info: ModelInfo, completeness: int) -> list[tuple[str, str]]:
    props = [("target", info.target), ("completeness", str(completeness))]
    manifest = info.manifest_sha256
    if manifest:
        props.append(("manifest-sha256", manifest))
    if info.inferred:
        props.append(("inferred", ",".join(sorted(info.inferred))))
    if info.library:
        props.append(("library", info.library))
    if info.license is not None:
        props.append(("license-source", info.license.source))
        if info.license.non_commercial is not None:
            props.append(("license-non-commercial", str(info.license.non_commercial).lower()))
    for source, digest in info.chat_templates:
        props.append((f"chat-template:{source}", f"sha256:{digest}"))
    generation = info.facts.get("generation_config.sha256")
    if isinstance(generation, str):
        props.append(("generation-config", f"sha256:{generation}"))
    for key, value in sorted(info.provenance.items()):
        props.append((key, _text(value)))
    props.extend(("lfs-pointer", f.rel) for f in info.files if f.lfs_pointer)
    props.extend(software.target_properties(info))
    return props


def _file_component(info: ModelInfo, f: Any, refs: _Refs) -> Component:
    from cyclonedx.model import HashAlgorithm, HashType
    from cyclonedx.model.component import Component, ComponentType

    props = [("format", f.format), ("size", str(f.size))]
    if f.lfs_pointer:
        props.append(("lfs-pointer", "true"))
    return Component(
        type=ComponentType.FILE,
        bom_ref=refs.new("file", f"{info.name}/{f.rel}"),
        name=f.rel,
        hashes=[HashType(alg=HashAlgorithm.SHA_256, content=f.sha256)] if f.sha256 else [],
        properties=_properties(props),
    )


def _dataset_component(name: str, refs: _Refs) -> Component:
    from cyclonedx.model.component import Component, ComponentType

    group, _, short = name.rpartition("/")
    return Component(
        type=ComponentType.DATA,
        bom_ref=refs.new("dataset", name),
        name=short,
        group=group or None,
        properties=_properties([("source", "modelcard.datasets")]),
    )


def _pedigree(base_models: Sequence[str], refs: _Refs) -> Any:
    if not base_models:
        return None
    from cyclonedx.model.component import Component, ComponentType, Pedigree

    ancestors = []
    for base in base_models:
        group, _, name = base.rpartition("/")
        ancestors.append(
            Component(
                type=ComponentType.MACHINE_LEARNING_MODEL,
                bom_ref=refs.new("base-model", base),
                name=name,
                group=group or None,
                purl=_purl(f"pkg:huggingface/{base}".lower()) if group else None,
                properties=_properties([("source", "modelcard.base_model")]),
            )
        )
    return Pedigree(ancestors=ancestors)


def _licenses(license_info: LicenseInfo | None) -> list[License]:
    if license_info is None:
        return []
    from cyclonedx.contrib.license.factories import LicenseFactory
    from cyclonedx.model import XsUri

    url = XsUri(license_info.url) if license_info.url else None
    return [LicenseFactory().make_from_string(license_info.value, license_url=url)]


def _purl(value: str | None) -> Any:
    if not value:
        return None
    from packageurl import PackageURL

    return PackageURL.from_string(value)


def _properties(pairs: Iterable[tuple[str, str]]) -> list[Any]:
    from cyclonedx.model import Property

    return [Property(name=PROPERTY_PREFIX + k, value=v) for k, v in pairs]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


_SEVERITY = {
    Severity.CRITICAL: "critical",
    Severity.HIGH: "high",
    Severity.MEDIUM: "medium",
    Severity.LOW: "low",
    Severity.INFO: "info",
}


def _vulnerabilities(
    decisions: Sequence[Decision], infos: Sequence[ModelInfo], models: Sequence[Any], refs: _Refs
) -> list[Vulnerability]:
    """Each finding after policy as a vulnerability affecting its file (or its model)."""
    from cyclonedx.model.vulnerability import (
        BomTarget,
        Vulnerability,
        VulnerabilityRating,
        VulnerabilityScoreSource,
        VulnerabilitySeverity,
        VulnerabilitySource,
    )

    by_path: dict[str, str] = {}
    for info, model in zip(infos, models, strict=True):
        by_path[info.target] = str(model.bom_ref)
        for comp in model.components:
            file_path = _file_path(info, comp.name)
            if file_path:
                by_path[file_path] = str(comp.bom_ref)
    default = str(models[0].bom_ref) if models else None
    source = VulnerabilitySource(name="petgov")
    out = []
    ordered = sorted(decisions, key=lambda d: (d.finding.path, d.rule_id, d.finding.message))
    for d in ordered:
        affected = by_path.get(d.finding.path, default)
        props = [
            ("kind", d.finding.kind),
            ("path", d.finding.path),
            ("action", d.action.value),
            ("mode", d.mode.value),
            ("engine", d.finding.engine),
        ]
        if d.waiver is not None:
            props.append(("waiver", d.waiver.id))
        out.append(
            Vulnerability(
                bom_ref=refs.new("finding", d.rule_id),
                id=d.rule_id,
                source=source,
                ratings=[
                    VulnerabilityRating(
                        source=source,
                        severity=VulnerabilitySeverity(_SEVERITY[d.severity]),
                        method=VulnerabilityScoreSource.OTHER,
                    )
                ],
                cwes=[int(c.split("-")[-1]) for c in d.finding.cwe if c.split("-")[-1].isdigit()],
                description=d.finding.title,
                detail=d.finding.message,
                recommendation=d.remediation,
                affects=[BomTarget(ref=affected)] if affected else [],
                properties=_properties(props),
            )
        )
    return out


def _file_path(info: ModelInfo, rel: str) -> str | None:
    for f in info.files:
        if f.rel == rel:
            return f.path
    return None


def _tools(report: Report) -> Any:
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.tool import ToolRepository

    components = [
        Component(
            type=ComponentType.APPLICATION,
            name=report.tool.name,
            version=report.tool.version,
            bom_ref=f"tool:{report.tool.name}",
        )
    ]
    for name, version in sorted(report.tool.engines.items()):
        if name == report.tool.name:
            continue
        components.append(
            Component(
                type=ComponentType.APPLICATION,
                name=name,
                version=version,
                bom_ref=f"tool:{report.tool.name}/{name}",
                group=report.tool.name,
            )
        )
    return ToolRepository(components=components)


def _metadata_properties(report: Report) -> list[Any]:
    props = [("report-schema", report.schema_version), ("policy-mode", report.policy.mode)]
    for pack in report.policy.packs:
        name = str(pack.get("name", "pack"))
        version = str(pack.get("version", ""))
        digest = pack.get("sha256")
        value = f"{version} sha256:{digest}" if digest else version
        props.append((f"rule-pack:{name}", value))
    return _properties(props)


def _serial(infos: Sequence[ModelInfo], options: BuildOptions) -> uuid.UUID:
    if not options.reproducible:
        return uuid.uuid4()
    seed = "\n".join(f"{i.target}\t{i.manifest_sha256}" for i in infos)
    return uuid.uuid5(uuid.NAMESPACE_URL, "https://petgov.dev/bom/" + _digest(seed))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def timestamp(report: Report, options: BuildOptions) -> dt.datetime:
    """The BOM creation time: fixed (SOURCE_DATE_EPOCH, else the epoch) when reproducible."""
    if options.reproducible:
        epoch = os.environ.get("SOURCE_DATE_EPOCH", "0")
        seconds = int(epoch) if epoch.isdigit() else 0
        return dt.datetime.fromtimestamp(seconds, dt.timezone.utc)
    text = report.created_at.replace("Z", "+00:00")
    return dt.datetime.fromisoformat(text)


def _serialize(bom: Any, spec: str) -> JSONDict:
    from cyclonedx.output import make_outputter
    from cyclonedx.schema import OutputFormat, SchemaVersion

    outputter = make_outputter(bom, OutputFormat.JSON, SchemaVersion.from_version(spec))
    doc: JSONDict = json.loads(outputter.output_as_string())
    return doc
