"""Dependencies of a model or code repo, and their known vulnerabilities from the offline OSV store.

Every manifest (requirements*.txt, pyproject.toml, lock files) becomes components in the facts
(``dependencies.components``) for the AI-BOM. With no OSV store imported the scanner says so as
``skipped`` coverage on each manifest: a missing database never looks like a clean result.
"""

from __future__ import annotations

import posixpath
from typing import Any, ClassVar

from petgov.catalog import finding
from petgov.deps import manifests
from petgov.deps.manifests import Dependency
from petgov.model import Coverage, CoverageStatus, Finding, Severity
from petgov.scanners.interface import ScanContext, ScanResult, TargetScanner

ENGINE = "dependencies"
MAX_MANIFEST = 8 * 1024 * 1024


class DependencyScanner(TargetScanner):
    """Parses manifests and matches pinned versions against the OSV store."""

    name: ClassVar[str] = ENGINE
    kinds: ClassVar[frozenset[str]] = frozenset({"dependency.malicious", "dependency.vulnerable"})
    version: ClassVar[str] = "1"

    def scan_target(self, ctx: ScanContext) -> ScanResult:
        result = ScanResult()
        deps: list[Dependency] = []
        manifests_seen: list[str] = []
        for entry in ctx.entries:
            base = posixpath.basename(entry.item.path)
            if not manifests.is_manifest(base):
                continue
            if entry.item.size > MAX_MANIFEST:
                result.not_scanned(entry.item.path, ENGINE, "manifest larger than 8 MiB")
                continue
            with entry.source.open() as fh:
                text = fh.read(MAX_MANIFEST).decode("utf-8", errors="replace")
            try:
                found = manifests.parse(base, text, entry.item.path)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                result.not_scanned(
                    entry.item.path, ENGINE, f"manifest does not parse: {exc}"[:200], error=True
                )
                continue
            deps.extend(found)
            manifests_seen.append(entry.item.path)
        if ctx.options.dependencies.environment:
            deps.extend(manifests.environment())
            manifests_seen.append("<env>")
        if not manifests_seen:
            return result
        from petgov.deps.osv import OsvStore  # sqlite3 and packaging: only with a manifest

        store = OsvStore.open_default(ctx.options.dependencies.osv_db)
        vulns: list[dict[str, Any]] = []
        if store is None:
            for path in manifests_seen:
                result.coverage.append(
                    Coverage(
                        path,
                        ENGINE,
                        CoverageStatus.SKIPPED,
                        "no OSV database: vulnerabilities not checked "
                        "(run petgov db import FILE.zip)",
                    )
                )
        else:
            try:
                self._match(deps, store, result, vulns)
            finally:
                store.close()
            for path in manifests_seen:
                result.scanned(path, ENGINE, f"OSV store of {store.meta.get('imported_at', '?')}")
        result.facts[""] = {
            "dependencies.components": [d.to_dict() for d in _unique(deps)],
            "dependencies.vulnerabilities": vulns,
            "dependencies.osv_db": str(store.path) if store else None,
        }
        return result

    def _match(
        self, deps: list[Dependency], store: Any, result: ScanResult, vulns: list[dict[str, Any]]
    ) -> None:
        for dep in _unique(deps):
            for v in store.matches(dep.name, dep.version):
                vulns.append(
                    {
                        "id": v.id,
                        "package": dep.name,
                        "version": dep.version,
                        "aliases": list(v.aliases),
                        "severity": v.severity,
                        "fixed": list(v.fixed),
                        "source": dep.source,
                        "summary": v.summary,
                    }
                )
                result.findings.append(_vulnerability_finding(dep, v))


def _vulnerability_finding(dep: Dependency, v: Any) -> Finding:
    at = f"{dep.name}=={dep.version}" if dep.version else f"{dep.name} ({dep.specifier or 'any'})"
    if v.malicious:
        return finding(
            "dependency.malicious",
            dep.source,
            f"{at} is a known malicious package ({v.id}): {v.summary}",
            engine=ENGINE,
            location={"line": dep.line} if dep.line else {},
            evidence={
                "id": v.id,
                "package": dep.name,
                "version": dep.version,
                "aliases": list(v.aliases),
            },
        )
    fix = f"; fixed in {', '.join(v.fixed[:3])}" if v.fixed else "; no fixed version"
    return finding(
        "dependency.vulnerable",
        dep.source,
        f"{at} is affected by {v.id} ({', '.join(v.aliases[:2]) or 'no alias'}): {v.summary}{fix}",
        engine=ENGINE,
        location={"line": dep.line} if dep.line else {},
        evidence={
            "id": v.id,
            "package": dep.name,
            "version": dep.version,
            "aliases": list(v.aliases),
            "fixed": list(v.fixed),
        },
        severity=Severity.parse(v.severity),
    )


def _unique(deps: list[Dependency]) -> list[Dependency]:
    seen: dict[tuple[str, str | None, str], Dependency] = {}
    for d in deps:
        seen.setdefault((d.name, d.version, d.source), d)
    return list(seen.values())
