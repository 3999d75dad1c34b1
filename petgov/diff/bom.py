"""Diff two CycloneDX AI-BOMs: components added, removed and changed (hashes, licences, versions),
datasets and base models, dependencies and vulnerabilities.

Components are matched by a key that survives a rename of the scanned folder: files by their path
inside the model (``file:`` refs lose their first segment), packages by purl without the version,
everything else by bom-ref (or type and name).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from petgov.diff.changes import Change, DiffResult
from petgov.licensing import describe

_KIND = {
    "machine-learning-model": "model",
    "file": "file",
    "data": "dataset",
    "library": "dependency",
    "framework": "dependency",
    "application": "dependency",
}
_GATE_VULN = frozenset({"critical", "high"})


@dataclass(frozen=True)
class Component:
    """What the diff compares of one component."""

    key: str
    kind: str
    name: str
    version: str | None
    hashes: Mapping[str, str] = field(default_factory=dict)
    licenses: tuple[str, ...] = ()


def _key(c: Mapping[str, Any], root: bool) -> str:
    if root:
        return "model:(root)"
    ref = str(c.get("bom-ref") or "")
    purl = str(c.get("purl") or "")
    if ref.startswith("file:"):
        return "file:" + ref[5:].split("/", 1)[-1]
    if purl and c.get("type") in ("library", "framework", "application"):
        return purl.split("@", 1)[0].split("?", 1)[0]
    return ref or f"{c.get('type')}:{c.get('group') or ''}/{c.get('name')}"


def _licenses(c: Mapping[str, Any]) -> tuple[str, ...]:
    out = []
    for entry in c.get("licenses") or []:
        if not isinstance(entry, Mapping):
            continue
        if entry.get("expression"):
            out.append(str(entry["expression"]))
        lic = entry.get("license")
        if isinstance(lic, Mapping):
            out.append(str(lic.get("id") or lic.get("name") or ""))
    return tuple(sorted(x for x in out if x))


def _walk(
    c: Mapping[str, Any], root: bool = False
) -> Iterator[tuple[Component, Mapping[str, Any]]]:
    kind = "model" if root else _KIND.get(str(c.get("type")), str(c.get("type") or "component"))
    hashes = {
        str(h.get("alg")): str(h.get("content"))
        for h in c.get("hashes") or []
        if isinstance(h, Mapping)
    }
    yield (
        Component(
            key=_key(c, root),
            kind=kind,
            name=str(c.get("name") or ""),
            version=None if c.get("version") is None else str(c["version"]),
            hashes=hashes,
            licenses=_licenses(c),
        ),
        c,
    )
    for child in c.get("components") or []:
        if isinstance(child, Mapping):
            yield from _walk(child)
    params = (c.get("modelCard") or {}).get("modelParameters") or {}
    for ds in params.get("datasets") or []:
        if isinstance(ds, Mapping) and ds.get("name") and not ds.get("ref"):  # inline dataset
            yield Component("dataset:" + str(ds["name"]), "dataset", str(ds["name"]), None), ds
    for ancestor in (c.get("pedigree") or {}).get("ancestors") or []:
        if isinstance(ancestor, Mapping):
            comp, raw = next(_walk(ancestor))
            yield (
                Component(
                    "base-model:" + comp.key,
                    "base model",
                    comp.name,
                    comp.version,
                    comp.hashes,
                    comp.licenses,
                ),
                raw,
            )


def components(bom: Mapping[str, Any]) -> dict[str, Component]:
    """Every component of a BOM by its diff key (the described model is ``model:(root)``)."""
    out: dict[str, Component] = {}
    root = (bom.get("metadata") or {}).get("component")
    if isinstance(root, Mapping):
        out.update((c.key, c) for c, _ in _walk(root, root=True))
    for top in bom.get("components") or []:
        if isinstance(top, Mapping):
            out.update((c.key, c) for c, _ in _walk(top))
    return out


def _ref_key(ref: str, root_ref: str) -> str:
    """An ``affects`` ref in the form components are keyed by."""
    if ref == root_ref:
        return "model:(root)"
    return "file:" + ref[5:].split("/", 1)[-1] if ref.startswith("file:") else ref


_ORDER = ("critical", "high", "medium", "low", "info", "none", "unknown", "")


def vulnerabilities(bom: Mapping[str, Any]) -> dict[str, str]:
    """{"<id> on <affected keys>": worst severity} of a BOM's vulnerabilities."""
    root = (bom.get("metadata") or {}).get("component") or {}
    root_ref = str(root.get("bom-ref") or "") if isinstance(root, Mapping) else ""
    out: dict[str, str] = {}
    for v in bom.get("vulnerabilities") or []:
        if not isinstance(v, Mapping):
            continue
        affects = sorted(
            _ref_key(str(a.get("ref")), root_ref)
            for a in v.get("affects") or []
            if isinstance(a, Mapping)
        )
        key = f"{v.get('id')} on {', '.join(affects)}" if affects else str(v.get("id"))
        ratings = [
            str(r.get("severity") or "").lower()
            for r in v.get("ratings") or []
            if isinstance(r, Mapping)
        ]
        known = [r for r in ratings if r in _ORDER]
        out[key] = min(known, key=_ORDER.index, default="unknown")
    return out


def non_commercial(licenses: tuple[str, ...]) -> bool:
    return any(describe(expr, "bom").non_commercial for expr in licenses)


def diff_boms(old: Mapping[str, Any], new: Mapping[str, Any]) -> DiffResult:
    """Every change between two BOMs; gate-worthy: a hash change of the same file, a licence that
    becomes non-commercial, a new critical/high vulnerability."""
    a, b = components(old), components(new)
    changes: list[Change] = []
    for key in sorted(b.keys() - a.keys()):
        c = b[key]
        changes.append(Change("added", c.kind, c.name or key, detail=key))
    for key in sorted(a.keys() - b.keys()):
        c = a[key]
        changes.append(Change("removed", c.kind, c.name or key, detail=key))
    for key in sorted(a.keys() & b.keys()):
        x, y = a[key], b[key]
        shared = x.hashes.keys() & y.hashes.keys()
        changed_algs = [alg for alg in sorted(shared) if x.hashes[alg] != y.hashes[alg]]
        if changed_algs:
            alg = changed_algs[0]
            changes.append(
                Change(
                    "hash changed",
                    x.kind,
                    x.name or key,
                    before=x.hashes[alg][:16],
                    after=y.hashes[alg][:16],
                    detail=alg,
                    gate=True,
                )
            )
        if x.licenses != y.licenses:
            to_nc = non_commercial(y.licenses) and not non_commercial(x.licenses)
            changes.append(
                Change(
                    "licence changed",
                    x.kind,
                    x.name or key,
                    before=" AND ".join(x.licenses) or "none",
                    after=" AND ".join(y.licenses) or "none",
                    detail="now non-commercial" if to_nc else "",
                    gate=to_nc,
                )
            )
        if x.version != y.version:
            changes.append(
                Change(
                    "version changed",
                    x.kind,
                    x.name or key,
                    before=x.version or "",
                    after=y.version or "",
                )
            )
    va, vb = vulnerabilities(old), vulnerabilities(new)
    changes.extend(
        Change("added", "vulnerability", key, detail=vb[key], gate=vb[key] in _GATE_VULN)
        for key in sorted(vb.keys() - va.keys())
    )
    changes.extend(
        Change("removed", "vulnerability", key, detail=va[key])
        for key in sorted(va.keys() - vb.keys())
    )
    return DiffResult("cyclonedx", changes)
