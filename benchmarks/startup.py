"""Start-up time: `petgov --help` against `modelscan --help`, interleaved in the same run.

Prints the median wall time of each over N runs and the ratio (goal: petgov <= modelscan).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _fair import installed_tool_conditions

RUNS = 15


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).parent / name
    if exe.exists():
        return [str(exe)]
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"{name} is not installed in this environment")
    return [found]


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    commands = {
        "petgov --help": [*_tool("petgov"), "--help"],
        "modelscan --help": [*_tool("modelscan"), "--help"],
    }
    for cmd in commands.values():  # warm the page cache once
        _time(cmd)
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(RUNS):
        for name, cmd in commands.items():
            samples[name].append(_time(cmd))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    for name, value in medians.items():
        print(f"{name:<18} median {value * 1000:7.1f} ms over {RUNS} runs")
    ratio = medians["petgov --help"] / medians["modelscan --help"]
    print(f"ratio petgov/modelscan: {ratio:.2f} (goal <= 1.0)")


if __name__ == "__main__":
    installed_tool_conditions()
    main()
