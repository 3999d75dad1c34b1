"""AI-BOM rendering time per corpus card: CycloneDX build + validate vs SPDX 3 build, serialize.

The scan is done once per card (not timed); what is timed is what `petgov bom` adds after it.
Also prints the completeness score and, for comparison with the OWASP AIBOM generator, which of
its model-level fields the card's local files give an input for (docs/aibom.md explains the
mapping). Medians on a shared machine: expect noise.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from petgov.bom import api, spdx
from petgov.bom.builder import BuildOptions
from petgov.bom.info import ModelInfo, gather
from petgov.pipeline import ScanOptions, scan

ROOT = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "aibom"
CARDS = ROOT / "hf-model-cards"
RUNS = 20

# OWASP AIBOM generator field (src/models/field_registry.json) -> points, present? from local facts
OWASP: dict[str, tuple[float, Callable[[ModelInfo], bool]]] = {
    "name": (4, lambda i: bool(i.name)),
    "type": (4, lambda i: True),
    "component_version": (4, lambda i: bool(i.version)),
    "purl": (3, lambda i: bool(i.purl)),
    "description": (3, lambda i: bool(i.description)),
    "licenses": (3, lambda i: i.license is not None),
    "primaryPurpose": (4, lambda i: bool(i.task)),
    "suppliedBy": (4, lambda i: bool(i.supplier)),
    "datasets": (3, lambda i: bool(i.datasets)),
    "typeOfModel": (2, lambda i: bool(i.architecture or i.family)),
    "metric": (1, lambda i: bool(i.eval_results)),
    "downloadLocation": (3, lambda i: bool(i.purl)),
}


def median_ms(fn: Callable[[], object]) -> float:
    fn()
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    if not CARDS.exists():
        print(f"corpus not present at {CARDS}; skipped")
        return 0
    print(f"{'card':50} {'cdx ms':>7} {'spdx build':>10} {'spdx ser':>8} {'spdx rt':>8}  score")
    for card in sorted(CARDS.iterdir()):
        report = scan([str(card)], ScanOptions(scanners=["bom", "licenses"]))
        info = gather(str(card), report.items, report.facts)
        infos = [info]
        options = spdx.SpdxOptions(reproducible=True)
        objects = spdx.build(report, infos, options)
        doc = spdx.serialize(objects)
        cdx = median_ms(partial(api.document, report, BuildOptions(reproducible=True)))
        build = median_ms(partial(spdx.build, report, infos, options))
        ser = median_ms(partial(spdx.serialize, objects))
        rt = median_ms(partial(spdx.deserialize, doc))
        built = spdx.document(report, options)
        score = built.scores[str(card)]
        got = [k for k, (_, ok) in OWASP.items() if ok(info)]
        points = sum(OWASP[k][0] for k in got)
        total = sum(p for p, _ in OWASP.values())
        print(
            f"{card.name:50} {cdx:7.1f} {build:10.2f} {ser:8.2f} {rt:8.2f}  {score:3d}/100"
            f"  owasp-inputs {len(got)}/{len(OWASP)} ({points:g}/{total:g} pts)"
            f"  missing: {', '.join(built.missing[str(card)]) or '-'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
