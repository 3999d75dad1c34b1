"""Secrets scan throughput on a generated notebook folder, against detect-secrets' own scan.

Run: .venv/bin/python benchmarks/beyond_secrets.py [N_NOTEBOOKS]
Prints files/s and MB/s for petgov (the secrets scanner through the real pipeline) and for
``detect-secrets scan --all-files`` (its default plugins and filters) on the same folder.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _fair import installed_tool_conditions

from petgov.pipeline import ScanOptions, scan


def notebook(rng: random.Random, i: int) -> str:
    cells = []
    for c in range(40):
        src = [f"x_{c} = compute({rng.random():.6f}, name='cell{c}')\n" for _ in range(10)]
        out = [f"epoch {e}: loss={rng.random():.4f} acc={rng.random():.4f}\n" for e in range(30)]
        if c == 7 and i % 10 == 0:
            out.append("token=hf_" + "".join(rng.choice("abcdefghijKLMNOP") for _ in range(34)))
        cells.append(
            {
                "cell_type": "code",
                "source": src,
                "execution_count": c,
                "outputs": [{"output_type": "stream", "name": "stdout", "text": out}],
                "metadata": {},
            }
        )
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "notebooks"
        root.mkdir()
        for i in range(n):
            (root / f"nb{i:04d}.ipynb").write_text(notebook(rng, i))
        size = sum(p.stat().st_size for p in root.iterdir()) / 1e6
        t0 = time.perf_counter()
        report = scan([str(root)], ScanOptions(scanners=["secrets"])).to_dict()
        pg = time.perf_counter() - t0
        hits = len(report["findings"])
        t0 = time.perf_counter()
        proc = subprocess.run(
            [str(Path(sys.executable).parent / "detect-secrets"), "scan", "--all-files", str(root)],
            capture_output=True,
            text=True,
            check=False,
        )
        ds = time.perf_counter() - t0
        ds_hits = sum(len(v) for v in json.loads(proc.stdout or "{}").get("results", {}).values())
        print(f"{n} notebooks, {size:.1f} MB (shared 2-core box: expect noise)")
        print(
            f"petgov secrets : {pg:6.2f} s  {n / pg:7.1f} files/s  {size / pg:5.1f} MB/s  "
            f"findings={hits}"
        )
        print(
            f"detect-secrets : {ds:6.2f} s  {n / ds:7.1f} files/s  {size / ds:5.1f} MB/s  "
            f"findings={ds_hits}"
        )
        print(f"ratio (detect-secrets time / petgov time): {ds / pg:.2f}x")


if __name__ == "__main__":
    installed_tool_conditions()
    main()
