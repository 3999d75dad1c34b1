"""PII column detection on the maintained evaluation table: petgov vs stock presidio, one run.

The table (tests/pii/evalset.py, seed 0 unless given) has national/tax ids of 27 countries,
IBANs in four groupings, phone numbers of every region, e-mails, IPs, names, addresses,
birth dates, and 14 decoy columns. Both tools decide per column:
- stock: presidio's AnalyzerEngine over blank spaCy (offline) with every predefined pattern
  recognizer, country ones included (built for English), each value analysed with the column
  name as context (what BatchAnalyzerEngine.analyze_dict does); an entity found in >= 30% of
  a column's values is its verdict;
- petgov: `petgov scan TABLE.csv -f json`, column findings.
Prints per-entity precision/recall over columns and the decoy columns each tool flagged.
Run: .venv/bin/python benchmarks/pii_eval.py [seed]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.pii import evalset  # noqa: E402

SKIP = (
    "Spacy",
    "Stanza",
    "Transformers",
    "Azure",
    "LangExtract",
    "GLiNER",
    "HuggingFace",
    "MedicalNER",
)


def stock_engine() -> Any:
    """presidio with its whole predefined pattern set, offline (blank spaCy, lemma = lower)."""
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as pr

    from petgov.pii import recognizers
    from petgov.pii.engine import pin_tldextract

    pin_tldextract()
    import spacy

    nlp = spacy.blank("en")
    recognizers.register_lemma_component()
    nlp.add_pipe("petgov_lower_lemma")
    nlp_engine = recognizers.fixed_nlp_engine(nlp)
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(nlp_engine=nlp_engine, languages=["en"])
    have = {r.name for r in registry.recognizers}
    for name in dir(pr):
        if not name.endswith("Recognizer") or name in have or any(s in name for s in SKIP):
            continue
        try:
            registry.add_recognizer(getattr(pr, name)(supported_language="en"))
        except Exception:  # a recognizer that needs a service or a model
            continue
    return AnalyzerEngine(
        nlp_engine=nlp_engine,
        registry=registry,
        supported_languages=["en"],
        default_score_threshold=0.5,
    )


def stock_verdicts(columns: list[evalset.EvalColumn]) -> dict[str, set[str]]:
    engine = stock_engine()
    out: dict[str, set[str]] = {}
    for col in columns:
        counts: Counter[str] = Counter()
        for value in col.values:
            found = engine.analyze(value, language="en", context=[col.name])
            counts.update({r.entity_type for r in found})
        out[col.name] = {e for e, n in counts.items() if n >= 0.3 * len(col.values)}
    return out


def petgov_verdicts(table: Path) -> dict[str, set[str]]:
    res = subprocess.run(
        [sys.executable, "-m", "petgov", "scan", str(table), "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    doc = json.loads(res.stdout)
    out: dict[str, set[str]] = {}
    for f in doc["findings"]:
        if f["kind"].startswith("pii."):
            out.setdefault(f["location"].get("column", ""), set()).add(f["facts"]["entity"])
    return out


def report(
    name: str, got: evalset.Score, seconds: float, columns: list[evalset.EvalColumn]
) -> None:
    print(f"\n== {name} ({seconds:.1f} s)")
    print(f"PII-column recall {got.recall():.3f}; decoy columns flagged: {len(got.decoys_flagged)}")
    ids = {c.entity for c in columns if c.kind == "id" and c.entity}
    print(
        f"id recall {got.recall(ids):.3f}; IBAN recall {got.recall({'IBAN_CODE'}):.3f}; "
        f"PERSON/LOCATION/ORGANIZATION recall "
        f"{got.recall({'PERSON', 'LOCATION', 'ORGANIZATION'}):.3f}"
    )
    for decoy, entities in sorted(got.decoys_flagged.items()):
        print(f"  decoy {decoy}: {sorted(entities)}")
    print(f"{'entity':28s} {'TP':>3s} {'FN':>3s} {'FP':>3s}  P     R")
    for entity in sorted(set(got.tp) | set(got.fn) | set(got.fp)):
        tp, fn, fp = got.tp.get(entity, 0), got.fn.get(entity, 0), got.fp.get(entity, 0)
        p = tp / (tp + fp) if tp + fp else float("nan")
        r = tp / (tp + fn) if tp + fn else float("nan")
        print(f"{entity:28s} {tp:3d} {fn:3d} {fp:3d}  {p:.2f}  {r:.2f}")


def main() -> None:
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    columns = evalset.build(seed)
    with tempfile.TemporaryDirectory() as tmp:
        table = Path(tmp) / "eval.csv"
        evalset.write_csv(columns, str(table))
        start = time.perf_counter()
        mine = evalset.score(columns, petgov_verdicts(table))
        mine_s = time.perf_counter() - start
    start = time.perf_counter()
    stock = evalset.score(columns, stock_verdicts(columns))
    stock_s = time.perf_counter() - start
    print(f"eval table: {len(columns)} columns x {evalset.ROWS} rows, seed {seed}")
    report(
        "stock presidio (all pattern recognizers, column name as context)", stock, stock_s, columns
    )
    report("petgov scan (column mode)", mine, mine_s, columns)


if __name__ == "__main__":
    main()
