"""Policy evaluation cost on 100k findings: findings/s and rule evaluations/s.

Two runs: the built-in pack (kind-indexed, mostly no CEL call), and the same plus one generic
CEL rule every finding must be evaluated against (the cost of real CEL per finding).
Shared 2-core machine: expect noise of +-30%.
"""

from __future__ import annotations

import datetime as dt
import tempfile
import time
from pathlib import Path

from petgov.model import Finding, Item, Severity
from petgov.policy.evaluate import PolicyOptions, evaluate

KINDS = ["archive.path_traversal", "target.symlink", "ser.modelscan", "pii.column", "new.kind"]
N = 100_000


def main() -> None:
    items = [Item(path=f"m{i}.bin", format="pickle", size=1, sha256=None) for i in range(1000)]
    findings = [
        Finding(
            rule_id="PG-TGT-001",
            kind=KINDS[i % len(KINDS)],
            severity=Severity.HIGH,
            title="t",
            message="m",
            path=f"m{i % 1000}.bin",
            engine="bench",
            evidence={"n": i},
        )
        for i in range(N)
    ]
    now = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        t0 = time.perf_counter()
        evaluate(findings, items, {}, PolicyOptions(config_dir=base), now)
        t1 = time.perf_counter() - t0
        org = base / "org"
        org.mkdir()
        (org / "pack.yaml").write_text("name: org\n")
        (org / "r.yaml").write_text(
            "id: PG-ORG-001\ntitle: generic\nseverity: high\nmode: gate\n"
            "when: finding.severity == 'critical' && finding.path.endsWith('.pkl')\n"
        )
        (base / "petgov.toml").write_text('packs = ["builtin", "org"]\n')
        t0 = time.perf_counter()
        evaluate(findings, items, {}, PolicyOptions(config_dir=base), now)
        t2 = time.perf_counter() - t0
    print(f"builtin pack, {N} findings: {t1:.2f} s  {N / t1:,.0f} findings/s")
    print(
        f"+1 generic CEL rule on every finding: {t2:.2f} s  {N / t2:,.0f} findings/s, "
        f"CEL rule evaluations/s {N / max(t2 - t1, 1e-9):,.0f}"
    )
    from petgov.policy.packs import builtin_pack_dir, load_pack

    n_rules = len(load_pack(builtin_pack_dir()).rules)
    print(f"effective rules x findings / s (indexed, {n_rules} rules): {n_rules * N / t1:,.0f}")
    print(f"ratio generic-CEL run / indexed run: {t2 / t1:.2f}x")


if __name__ == "__main__":
    main()
