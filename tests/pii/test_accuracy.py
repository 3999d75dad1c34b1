"""Entity-level precision/recall on presidio-research's labelled synthetic corpus.

All 1500 sentences are scored (about 2 s): a span counts as found when a detection of the same
entity overlaps it. GPE/STREET_ADDRESS/ZIP_CODE map to LOCATION, DOMAIN_NAME to URL.
"""

from __future__ import annotations

import json
from collections import Counter

from petgov.pii.engine import get_engine
from tests.conftest import corpus_path

MAP = {
    "GPE": "LOCATION",
    "STREET_ADDRESS": "LOCATION",
    "ZIP_CODE": "LOCATION",
    "DOMAIN_NAME": "URL",
}
FLOORS = ("EMAIL_ADDRESS", "IBAN_CODE", "IP_ADDRESS", "US_SSN", "CREDIT_CARD", "PHONE_NUMBER")


def _score() -> tuple[Counter[str], Counter[str], Counter[str]]:
    records = json.loads(corpus_path("pii", "synth_dataset_v2.json").read_text())
    engine = get_engine()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for rec in records:
        hits = engine.analyze(rec["full_text"], engine.entities())
        gold = [
            (MAP.get(s["entity_type"], s["entity_type"]), s["start_position"], s["end_position"])
            for s in rec["spans"]
        ]
        for h in hits:
            ok = any(g[0] == h.entity and h.start < g[2] and g[1] < h.end for g in gold)
            (tp if ok else fp)[h.entity] += 1
        for g in gold:
            if not any(g[0] == h.entity and h.start < g[2] and g[1] < h.end for h in hits):
                fn[g[0]] += 1
    return tp, fp, fn


def test_pattern_entities_meet_precision_and_recall_floors() -> None:
    tp, fp, fn = _score()
    report = {}
    for entity in FLOORS:
        precision = tp[entity] / max(tp[entity] + fp[entity], 1)
        recall = tp[entity] / max(tp[entity] + fn[entity], 1)
        report[entity] = (round(precision, 3), round(recall, 3))
    for precision, recall in report.values():
        assert precision >= 0.95, report
        assert recall >= 0.90, report


def test_urls_inside_emails_are_not_reported_and_domains_still_are() -> None:
    tp, fp, _ = _score()
    assert fp["URL"] == 0
    assert tp["URL"] >= 30
