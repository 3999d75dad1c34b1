"""AI-BOM build time for a code repo with many pinned dependencies and an OSV store.

Run: .venv/bin/python benchmarks/bom_dependencies.py [N_DEPS]
Generates a requirements.txt of N pinned packages (default 200) and an OSV export in which one
package in ten has a record (one in fifty malicious), imports it, scans the repo with the
dependencies scanner, then times building and validating the CycloneDX BOM and building the
checked SPDX 3.0.1 document (serialized by spdx-python-model) from the same report (median of 5).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from petgov.bom import spdx, validate
from petgov.bom.builder import BuildOptions, build
from petgov.deps.osv import import_zip
from petgov.pipeline import ScanOptions, scan
from petgov.scanners.options import DependencyOptions, ScannerOptions

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.beyond.osvfixture import build_zip, record


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = root / "repo"
        repo.mkdir()
        names = [f"pkg-{i:04d}" for i in range(n)]
        (repo / "requirements.txt").write_text(
            "".join(f"{p}==1.{i}.0\n" for i, p in enumerate(names))
        )
        records = [
            record(
                f"MAL-2026-{i}" if i % 50 == 0 else f"GHSA-bench-{i:04d}",
                p,
                [{"introduced": "0"}, {"fixed": "99.0"}],
                severity="HIGH",
            )
            for i, p in enumerate(names)
            if i % 10 == 0
        ]
        db = root / "osv.sqlite"
        import_zip(build_zip(root / "all.zip", records), db)
        start = time.perf_counter()
        report = scan(
            [str(repo)],
            ScanOptions(
                scanners=["dependencies", "bom"],
                scanner_options=ScannerOptions(dependencies=DependencyOptions(osv_db=db)),
            ),
        )
        scan_s = time.perf_counter() - start
        validate.check(build(report).document, "1.6")  # warm: schema registry, imports
        times = []
        for _ in range(5):
            start = time.perf_counter()
            doc = build(report, BuildOptions()).document
            validate.check(doc, "1.6")
            times.append(time.perf_counter() - start)
        spdx.document(report)  # warm
        spdx_times = []
        for _ in range(5):
            start = time.perf_counter()
            graph = spdx.document(report).document["@graph"]
            spdx_times.append(time.perf_counter() - start)
        spdx_vulns = sum(1 for g in graph if g.get("type") == "security_Vulnerability")
        libs = sum(1 for c in doc["components"] if c["type"] == "library")
        osv = sum(1 for v in doc["vulnerabilities"] if v["source"]["name"] == "OSV")
        print(
            f"{n} deps -> {libs} library components, {osv} OSV vulnerabilities, "
            f"{len(doc['vulnerabilities']) - osv} petgov findings; scan {scan_s:.2f} s; "
            f"BOM build+validate median {statistics.median(times) * 1000:.0f} ms; "
            f"SPDX build+check median {statistics.median(spdx_times) * 1000:.0f} ms "
            f"({len(graph)} graph nodes, {spdx_vulns} security_Vulnerability)"
        )


if __name__ == "__main__":
    main()
