"""SPDX 3.0.1 AI and Dataset profile rendering of the same ModelInfo the CycloneDX builder uses.

One source of facts (``petgov.bom.info``), two renderers: this module turns each target into an
``ai_AIPackage`` that ``contains`` its ``software_File``s, is ``trainedOn`` the datasets named on
its card (``dataset_DatasetPackage``) and descends from its ``base_model`` (``ancestorOf``);
findings become review ``Annotation``s on the file they concern. Python packages, OSV
vulnerabilities with VEX assessments, hub models and AI services come from
``petgov.bom.spdx_software``, from the same grouped facts as the CycloneDX builder; petgov, its
engines and rule packs are the ``createdUsing`` tools.
Every AI and dataset package gets exactly one ``hasDeclaredLicense`` and one
``hasConcludedLicense`` relationship, as both profiles require; where petgov knows nothing the
target is ``NoAssertionLicense``. petgov never concludes a license (that is a legal review), so
the concluded one is always NoAssertion. Objects come from spdx-python-model, imported lazily.
The graph under construction (ids, shared datasets) is ``spdx_graph``; the license rule checked
before writing is ``spdx_checks``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from petgov.bom import software, spdx_software
from petgov.bom.builder import Built
from petgov.bom.info import FileInfo, LicenseInfo, ModelInfo, gather
from petgov.bom.spdx_checks import SPEC_VERSION, check, license_problems
from petgov.bom.spdx_graph import Graph, Ids, known
from petgov.errors import OutputError
from petgov.model import Report

if TYPE_CHECKING:
    from spdx_python_model.bindings.v3_0_1 import (
        Element,
        SHACLObjectSet,
        Tool,
        ai_AIPackage,
        dataset_DatasetPackage,
    )

JSONDict = dict[str, Any]
__all__ = [
    "SPEC_VERSION",
    "SpdxOptions",
    "build",
    "check",
    "deserialize",
    "document",
    "license_problems",
    "render",
    "serialize",
]
NAMESPACE = "https://petgov.dev/spdx/"
NO_ASSERTION = "expandedlicensing_NoAssertionLicense"


@dataclass(frozen=True)
class SpdxOptions:
    """Whether the document namespace and creation time are fixed (``--reproducible``)."""

    reproducible: bool = False


def document(report: Report, options: SpdxOptions | None = None) -> Built:
    """The checked SPDX 3 JSON-LD of ``report``; raise OutputError (JSON path) if invalid."""
    options = options or SpdxOptions()
    infos = [gather(t, report.items, report.facts) for t in report.targets]
    objects = build(report, infos, options)
    doc = serialize(objects)
    check(doc)
    return Built.scored(doc, infos)


def render(doc: JSONDict) -> str:
    """Stable, pretty JSON text (the serializer already orders the graph by id)."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def serialize(objects: SHACLObjectSet) -> JSONDict:
    """JSON-LD via the library's serializer; a missing required property is a petgov bug."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    try:
        data: JSONDict = spdx.JSONLDSerializer().serialize_data(objects)
    except ValueError as exc:
        raise OutputError(
            f"invalid SPDX {SPEC_VERSION} document, not written: {exc}",
            hint="this is a petgov bug; please report it",
        ) from exc
    return data


def deserialize(doc: JSONDict) -> SHACLObjectSet:
    """The object set the library's JSON-LD deserializer reads back from ``doc``."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    objects = spdx.SHACLObjectSet()
    spdx.JSONLDDeserializer().deserialize_data(doc, objects)
    return objects


def build(report: Report, infos: Sequence[ModelInfo], options: SpdxOptions) -> SHACLObjectSet:
    """The object set: document, agent, packages, files, licenses and relationships."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    ids = Ids(_namespace(infos, options))
    creation = spdx.CreationInfo(
        specVersion=SPEC_VERSION,
        created=_created(report, options),
        comment=f"petgov report schema {report.schema_version}; policy mode {report.policy.mode}",
    )
    creator = spdx.SoftwareAgent(
        spdxId=ids.new("agent", report.tool.name),
        name=f"{report.tool.name} {report.tool.version}",
        creationInfo=creation,
    )
    creation.createdBy = [creator]
    graph = Graph(ids, creation)
    creation.createdUsing = _tools(report, graph)
    graph.add(creator)
    models = [_model(info, graph) for info in infos]
    facts = software.group(infos)
    roots = {info.target: model for info, model in zip(infos, models, strict=True)}
    security = spdx_software.add(facts, graph, roots, lambda p: _licenses(p, None, graph))
    _findings(report, graph, models[0] if models else None)
    doc = spdx.SpdxDocument(
        spdxId=ids.new("document", infos[0].name if infos else "empty"),
        name=f"AI-BOM of {', '.join(i.name for i in infos)}" if infos else "AI-BOM",
        creationInfo=creation,
        profileConformance=_profiles(security),
        element=sorted(graph.elements, key=lambda e: e.spdxId or ""),
        rootElement=models,
    )
    return spdx.SHACLObjectSet([doc, *graph.elements])


def _profiles(security: bool) -> list[str]:
    """The profiles the document uses; Security only when it holds a vulnerability."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    kinds = spdx.ProfileIdentifierType
    used = [kinds.core, kinds.software, kinds.simpleLicensing, kinds.ai, kinds.dataset]
    return [*used, kinds.security] if security else used


def _tools(report: Report, graph: Graph) -> list[Tool]:
    """petgov, each engine and each rule pack, as ``Tool``s (SPDX 3 has no tool version: the
    version is in the name, and a pack's digest in its comment, as CycloneDX's metadata has them).
    """
    from spdx_python_model.bindings import v3_0_1 as spdx

    tools: list[Tool] = [
        spdx.Tool(
            spdxId=graph.ids.new("tool", report.tool.name),
            name=f"{report.tool.name} {report.tool.version}",
            creationInfo=graph.creation,
        )
    ]
    for name, version in sorted(report.tool.engines.items()):
        if name != report.tool.name:
            tools.append(
                spdx.Tool(
                    spdxId=graph.ids.new("tool", f"{report.tool.name}/{name}"),
                    name=f"{name} {version}",
                    creationInfo=graph.creation,
                    comment=f"{report.tool.name} engine",
                )
            )
    for pack in report.policy.packs:
        name = str(pack.get("name", "pack"))
        digest = pack.get("sha256")
        tools.append(
            spdx.Tool(
                spdxId=graph.ids.new("rule-pack", name),
                name=f"{name} {pack.get('version', '')}".strip(),
                creationInfo=graph.creation,
                comment=f"{report.tool.name} rule pack" + (f"; sha256:{digest}" if digest else ""),
            )
        )
    for tool in tools:
        graph.add(tool)
    return tools


def _model(info: ModelInfo, graph: Graph) -> ai_AIPackage:
    from spdx_python_model.bindings import v3_0_1 as spdx

    package = spdx.ai_AIPackage(
        **known(
            spdxId=graph.ids.new("model", info.name),
            name=info.name,
            creationInfo=graph.creation,
            description=info.description,
            comment=_comment(info),
            software_packageVersion=info.version,
            software_packageUrl=info.purl,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
            verifiedUsing=_weights_hash(info),
            ai_typeOfModel=list(dict.fromkeys(v for v in (info.family, info.architecture) if v)),
            ai_domain=[info.task] if info.task else [],
            ai_informationAboutTraining=_training(info),
            ai_metric=_metrics(info),
        )
    )
    if info.supplier:
        supplier = spdx.Organization(
            spdxId=graph.ids.new("organization", info.supplier),
            name=info.supplier,
            creationInfo=graph.creation,
        )
        graph.add(supplier)
        package.suppliedBy = supplier
    graph.add(package)
    graph.by_path[info.target] = package
    _licenses(package, info.license, graph)
    files = [_file(info, f, graph) for f in info.files]
    if files:
        graph.relate("contains", package, files)
    datasets = [_dataset(name, graph) for name in dict.fromkeys(info.datasets)]
    if datasets:
        graph.relate("trainedOn", package, datasets)
    for base in info.base_models:
        graph.relate("ancestorOf", _base_model(base, graph), [package])
    return package


def _file(info: ModelInfo, f: FileInfo, graph: Graph) -> Element:
    from spdx_python_model.bindings import v3_0_1 as spdx

    hashes = (
        [spdx.Hash(algorithm=spdx.HashAlgorithm.sha256, hashValue=f.sha256)] if f.sha256 else []
    )
    comment = f"format: {f.format}; size: {f.size} bytes"
    if f.lfs_pointer:
        comment += "; a Git-LFS pointer: the weights it names were not fetched"
    weights = f.is_weights and not f.lfs_pointer
    element: Element = spdx.software_File(
        **known(
            spdxId=graph.ids.new("file", f"{info.name}/{f.rel}"),
            name=f.rel,
            creationInfo=graph.creation,
            comment=comment,
            verifiedUsing=hashes,
            software_fileKind=spdx.software_FileKindType.file,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model if weights else None,
        )
    )
    graph.add(element)
    graph.by_path[f.path] = element
    return element


def _dataset(name: str, graph: Graph) -> dataset_DatasetPackage:
    """A dataset named on the card: its name only (its type and license are not known)."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    if name in graph.datasets:
        return graph.datasets[name]
    package = spdx.dataset_DatasetPackage(
        spdxId=graph.ids.new("dataset", name),
        name=name,
        creationInfo=graph.creation,
        comment="named in the model card's datasets",
        software_primaryPurpose=spdx.software_SoftwarePurpose.data,
        dataset_datasetType=[spdx.dataset_DatasetType.noAssertion],
    )
    graph.add(package)
    graph.datasets[name] = package
    _licenses(package, None, graph)
    return package


def _base_model(base: str, graph: Graph) -> Element:
    from spdx_python_model.bindings import v3_0_1 as spdx

    group = base.rpartition("/")[0]
    package = spdx.ai_AIPackage(
        **known(
            spdxId=graph.ids.new("base-model", base),
            name=base,
            creationInfo=graph.creation,
            comment="named in the model card's base_model",
            software_packageUrl=f"pkg:huggingface/{base}".lower() if group else None,
            software_primaryPurpose=spdx.software_SoftwarePurpose.model,
        )
    )
    graph.add(package)
    _licenses(package, None, graph)
    return package


def _licenses(package: Element, license_info: LicenseInfo | None, graph: Graph) -> None:
    """Exactly one declared and one concluded license relationship (NoAssertion if unknown)."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    no_assertion = spdx.expandedlicensing_IndividualLicensingInfo.NoAssertionLicense
    declared = _expression(license_info, graph) if license_info else None
    graph.relate("hasDeclaredLicense", package, [declared or no_assertion])
    graph.relate("hasConcludedLicense", package, [no_assertion])


def _expression(license_info: LicenseInfo, graph: Graph) -> Element | None:
    """A LicenseExpression for a known license; name-only ones become ``LicenseRef-*``."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    from petgov import licensing

    expression = licensing.normalize(license_info.value).expression
    if not expression:
        return None
    if expression in graph.expressions:
        return graph.expressions[expression]
    custom = [t for t in re.split(r"[\s()]+", expression) if t.startswith("LicenseRef-")]
    element: Element = spdx.simplelicensing_LicenseExpression(
        spdxId=graph.ids.new("license", expression),
        creationInfo=graph.creation,
        simplelicensing_licenseExpression=expression,
        simplelicensing_customIdToUri=[
            spdx.DictionaryEntry(key=ref, value=license_info.url)
            for ref in dict.fromkeys(custom)
            if license_info.url
        ],
        comment=f"declared in {license_info.source}",
    )
    graph.add(element)
    graph.expressions[expression] = element
    return element


def _findings(report: Report, graph: Graph, default: Element | None) -> None:
    """Each finding after policy as a review Annotation on its file (else on the model).

    CycloneDX carries them as ``vulnerabilities``; SPDX's ``security_Vulnerability`` is for
    published vulnerabilities, so a scanner's verdict is an annotation here.
    """
    from spdx_python_model.bindings import v3_0_1 as spdx

    ordered = sorted(report.decisions, key=lambda d: (d.finding.path, d.rule_id, d.finding.message))
    for d in ordered:
        subject = graph.by_path.get(d.finding.path, default)
        if subject is None:
            continue
        waiver = f"; waived by {d.waiver.id}" if d.waiver is not None else ""
        graph.add(
            spdx.Annotation(
                spdxId=graph.ids.new("finding", d.rule_id),
                creationInfo=graph.creation,
                annotationType=spdx.AnnotationType.review,
                subject=subject,
                statement=f"{d.rule_id} ({d.severity.value}, {d.action.value} "
                f"{d.mode.value}{waiver}): {d.finding.title}. {d.finding.message}",
            )
        )


def _weights_hash(info: ModelInfo) -> list[Any]:
    """The sha256 of the one real weight file, as in the CycloneDX model component."""
    from spdx_python_model.bindings import v3_0_1 as spdx

    weights = [f for f in info.weights if f.sha256 and not f.lfs_pointer]
    if len(weights) != 1:
        return []
    return [spdx.Hash(algorithm=spdx.HashAlgorithm.sha256, hashValue=weights[0].sha256)]


def _metrics(info: ModelInfo) -> list[Any]:
    from spdx_python_model.bindings import v3_0_1 as spdx

    out = []
    for r in info.eval_results:
        kind = r.get("metric_type") or r.get("metric_name")
        value = r.get("metric_value")
        if isinstance(kind, str) and value is not None and not isinstance(value, (dict, list)):
            where = [str(r[k]) for k in ("dataset_name", "dataset_split") if r.get(k)]
            key = f"{kind} ({' / '.join(where)})" if where else kind
            out.append(spdx.DictionaryEntry(key=key, value=str(value)))
    return out


def _training(info: ModelInfo) -> str | None:
    """What the card says about training, as text; None when it says nothing."""
    parts = []
    if info.base_models:
        parts.append(f"fine-tuned from {', '.join(info.base_models)} (card base_model)")
    if info.datasets:
        parts.append(f"trained on {len(info.datasets)} dataset(s) named on the card")
    return "; ".join(parts) or None


def _comment(info: ModelInfo) -> str:
    """Where facts came from and which ones petgov inferred rather than read."""
    parts = [f"petgov target: {info.target}"]
    if info.manifest_sha256:
        parts.append(f"manifest-sha256: {info.manifest_sha256}")
    if info.license is not None:
        parts.append(f"license source: {info.license.source}")
    if info.inferred:
        parts.append(f"inferred by petgov: {', '.join(sorted(info.inferred))}")
    parts.extend(f"chat template {s}: sha256:{d}" for s, d in info.chat_templates)
    parts.extend(f"{k}: {_text(v)}" for k, v in sorted(info.provenance.items()))
    parts.extend(f"{k}: {v}" for k, v in software.target_properties(info))
    return "; ".join(parts)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)


def _namespace(infos: Sequence[ModelInfo], options: SpdxOptions) -> str:
    if not options.reproducible:
        return f"{NAMESPACE}{uuid.uuid4()}/"
    seed = "\n".join(f"{i.name}\t{i.manifest_sha256}" for i in infos)
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()
    return f"{NAMESPACE}{uuid.uuid5(uuid.NAMESPACE_URL, NAMESPACE + digest)}/"


def _created(report: Report, options: SpdxOptions) -> dt.datetime:
    from petgov.bom.builder import BuildOptions, timestamp

    return timestamp(report, BuildOptions(reproducible=options.reproducible))
