"""petgov against picklescan, modelscan and modelaudit on every shape of work, in one run.

Shapes: a tiny pickle; folders of 10 / 100 / 1,000 / 5,000 small files (half pickles, half
4 KiB safetensors); a 32-file folder (300 MB NumPy pickle, 150 MB torch zip, 30 small pickles);
an HF-style repo folder (configs, a 6.7 MB tokenizer.json, 4 safetensors shards, a torch zip, a
model card, code); a 50k-row 17-column CSV; ``attest verify`` of an SEV-SNP report (corpus).
``--big`` adds 1 GiB safetensors and 500 MB NumPy pickle files.

Method: whole processes, one warm-up, then A B A B ... (``--runs`` pairs); wall, CPU (user+sys)
and peak RSS of each from ``wait4``; medians, and the median of per-pair ratios. The load
average is printed before and after: on a shared machine quote CPU where wall is noisy.

petgov runs with ``--no-cache``: every run does the whole work, as a first scan does (the scan
cache would answer repeats from stored results). Anchors: picklescan and modelaudit are not
petgov dependencies. ``make bench`` installs them in ``bench-out/anchors`` (or set
PETGOV_BENCH_ANCHORS to a bin folder holding them); modelscan comes with petgov. A missing
anchor is left out of the table, never faked. PETGOV_BENCH_BASE=DIR also times the petgov
source tree in DIR (PYTHONPATH, a version without the cache) as "before".
Run: .venv/bin/python benchmarks/shapes.py [--runs N] [--only NAME ...] [--big]
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import shutil
import statistics
import struct
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from _fair import installed_tool_conditions

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench-out" / "shapes"
CORPUS = ROOT.parent / "shared" / "corpus"
MiB = 1 << 20


# ---------------------------------------------------------------- inputs (built once, cached)


def _safetensors(path: Path, tensors: dict[str, int]) -> None:
    """A valid safetensors file of zero-filled f32 tensors (name -> element count)."""
    header: dict[str, object] = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, count in tensors.items():
        header[name] = {
            "dtype": "F32",
            "shape": [count],
            "data_offsets": [offset, offset + 4 * count],
        }
        offset += 4 * count
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    with path.open("wb") as fh:
        fh.write(struct.pack("<Q", len(raw)) + raw)
        fh.truncate(8 + len(raw) + offset)


def _torch_zip(path: Path, size: int) -> None:
    sys.path.insert(0, str(Path(__file__).parent))
    from serialization import _torch_zip as build

    build(path, size)


def _numpy_pickle(path: Path, size: int) -> None:
    import numpy as np

    chunk = 16 * MiB
    arrays = {f"layer{i}": np.zeros(chunk // 4, dtype=np.float32) for i in range(size // chunk)}
    path.write_bytes(pickle.dumps(arrays, protocol=4))


def _small_folder(path: Path, n: int) -> None:
    path.mkdir(parents=True)
    for i in range(n):
        if i % 2:
            _safetensors(path / f"m{i:05d}.safetensors", {"w": 1000})
        else:
            state = {"step": i, "lr": 0.001, "weights": [float(j) for j in range(40)]}
            (path / f"m{i:05d}.pkl").write_bytes(pickle.dumps(state, protocol=4))


def _mixed_folder(path: Path) -> None:
    path.mkdir(parents=True)
    _numpy_pickle(path / "arrays.pkl", 300 * MiB)
    _torch_zip(path / "model.pt", 150 * MiB)
    for i in range(30):
        (path / f"small{i:02d}.pkl").write_bytes(pickle.dumps({"i": i, "v": list(range(50))}))


def _hf_folder(path: Path) -> None:
    path.mkdir(parents=True)
    (path / "config.json").write_text(
        json.dumps({"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 1})
    )
    vocab = {f"tok{i}\u0120w{i % 977}": i for i in range(200_000)}
    merges = [f"tok{i} w{i % 977}" for i in range(60_000)]
    added = [{"id": i, "content": f"<|special_{i}|>", "special": True} for i in range(256)]
    tokenizer = {"version": "1.0", "added_tokens": added, "model": {"type": "BPE", "vocab": vocab}}
    tokenizer["model"]["merges"] = merges  # type: ignore[index]
    (path / "tokenizer.json").write_text(json.dumps(tokenizer, ensure_ascii=False))
    (path / "tokenizer_config.json").write_text(
        json.dumps(
            {
                "bos_token": "<s>",
                "chat_template": "{% for m in messages %}{{ m.content }}{% endfor %}",
            }
        )
    )
    (path / "generation_config.json").write_text(json.dumps({"temperature": 0.7}))
    (path / "special_tokens_map.json").write_text(json.dumps({"bos_token": "<s>"}))
    weight_map = {}
    for shard in range(4):
        name = f"model-{shard + 1:05d}-of-00004.safetensors"
        _safetensors(path / name, {f"layers.{shard}.w": 16 * MiB})
        weight_map[f"layers.{shard}.w"] = name
    (path / "model.safetensors.index.json").write_text(json.dumps({"weight_map": weight_map}))
    _torch_zip(path / "pytorch_model.bin", 200 * MiB)
    (path / "README.md").write_text(
        "---\nlicense: apache-2.0\nlibrary_name: transformers\nbase_model: meta-llama/Llama-2-7b\n"
        "tags: [text-generation]\n---\n# Bench model\n\nA model card for the benchmark.\n"
    )
    (path / "configuration_bench.py").write_text("class BenchConfig:\n    model_type = 'bench'\n")
    (path / "modeling_bench.py").write_text(
        "import math\n\n\ndef act(x):\n    return math.tanh(x)\n"
    )


def _csv(path: Path, rows: int) -> None:
    sys.path.insert(0, str(ROOT))
    from tests.pii.datagen import make_csv

    make_csv(path, rows)


def _big_files(path: Path) -> None:
    path.mkdir(parents=True)
    _safetensors(path / "big.safetensors", {f"t{i}": 16 * MiB for i in range(16)})
    _numpy_pickle(path / "big.pkl", 496 * MiB)


BUILDERS: dict[str, Callable[[Path], None]] = {
    "tiny.pkl": lambda p: p.write_bytes(pickle.dumps({"a": 1})),
    **{f"files{n}": (lambda p, n=n: _small_folder(p, n)) for n in (10, 100, 1000, 5000)},
    "mixed32": lambda p: _mixed_folder(p),
    "hfrepo": lambda p: _hf_folder(p),
    "pii50k.csv": lambda p: _csv(p, 50_000),
    "big": lambda p: _big_files(p),
}


def ensure(name: str) -> Path:
    """The input called ``name`` under bench-out/shapes, built on first use in a child process:
    a child forked from a process that once held a 300 MB array inherits that as peak RSS."""
    path = OUT / name
    if not path.exists():
        subprocess.run([sys.executable, __file__, "--build", name], check=True)
    return path


def build(name: str) -> None:
    tmp = OUT / f".{name}.tmp"
    if tmp.exists():
        shutil.rmtree(tmp) if tmp.is_dir() else tmp.unlink()
    BUILDERS[name](tmp)
    tmp.rename(OUT / name)


# ---------------------------------------------------------------- tools


def _anchor_bin() -> Path | None:
    given = os.environ.get("PETGOV_BENCH_ANCHORS")
    for folder in (Path(given) if given else None, ROOT / "bench-out" / "anchors" / "bin"):
        if folder is not None and folder.is_dir():
            return folder
    return None


def tools() -> dict[str, list[str]]:
    """How each tool is started: the venv's petgov and modelscan, anchors where installed."""
    here = Path(sys.executable).parent
    found = {"petgov": [str(here / "petgov")], "modelscan": [str(here / "modelscan")]}
    anchors = _anchor_bin()
    for name in ("picklescan", "modelaudit"):
        exe = anchors / name if anchors else None
        if exe is not None and exe.exists():
            found[name] = [str(exe)]
        elif shutil.which(name):
            found[name] = [str(shutil.which(name))]
    return found


def command(tool: str, exe: list[str], target: Path) -> list[str]:
    """The usual way to run each tool on one target."""
    if tool == "petgov":  # cold: the scan cache (on by default) would make repeats free
        return [*exe, "scan", "--no-progress", "--no-cache", str(target)]
    if tool == "modelaudit":
        return [*exe, "scan", "--no-cache", "-q", str(target)]
    return [*exe, "-p", str(target)]


# ---------------------------------------------------------------- timing


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mib: float


def run_once(cmd: list[str], env: dict[str, str]) -> Run:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def pair(
    a: list[str], b: list[str], runs: int, env_a: dict[str, str], env_b: dict[str, str]
) -> tuple[list[Run], list[Run]]:
    run_once(a, env_a), run_once(b, env_b)  # warm-up, not counted
    ra: list[Run] = []
    rb: list[Run] = []
    for _ in range(runs):
        ra.append(run_once(a, env_a))
        rb.append(run_once(b, env_b))
    return ra, rb


def _summary(runs: list[Run]) -> str:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    peak = max(r.peak_mib for r in runs)
    return f"{wall:6.3f} / {cpu:6.3f} / {peak:5.0f}"


def _ratio(ra: list[Run], rb: list[Run], attr: str) -> float:
    pairs = zip(ra, rb, strict=True)
    return statistics.median(getattr(x, attr) / max(getattr(y, attr), 1e-6) for x, y in pairs)


def compare(label: str, a: tuple[str, list[str]], b: tuple[str, list[str]], runs: int) -> None:
    env = dict(os.environ, PROMPTFOO_DISABLE_TELEMETRY="1", NO_COLOR="1")
    env_b = dict(env)
    if b[0] == "petgov-before":  # the tree in PETGOV_BENCH_BASE shadows the install (-P)
        env_b["PYTHONPATH"] = os.environ["PETGOV_BENCH_BASE"]
    ra, rb = pair(a[1], b[1], runs, env, env_b)
    print(
        f"| {label} | {a[0]} | {_summary(ra)} | {b[0]} | {_summary(rb)} "
        f"| **{_ratio(ra, rb, 'wall'):.2f}** | {_ratio(ra, rb, 'cpu'):.2f} | {runs} |",
        flush=True,
    )


# ---------------------------------------------------------------- shapes


def shapes(big: bool) -> list[tuple[str, Callable[[], Path], tuple[str, ...], int]]:
    """(name, input, anchors, runs divisor) for each shape."""
    out: list[tuple[str, Callable[[], Path], tuple[str, ...], int]] = [
        ("tiny.pkl", lambda: ensure("tiny.pkl"),
         ("picklescan", "modelscan", "modelaudit"), 1),
    ]  # fmt: skip
    for n in (10, 100, 1000, 5000):
        anchors = ("picklescan", "modelscan") + (("modelaudit",) if n <= 100 else ())
        out.append(
            (f"{n} files", lambda n=n: ensure(f"files{n}"),
             anchors, 1 if n <= 1000 else 2)
        )  # fmt: skip
    out.append(("32-file folder", lambda: ensure("mixed32"),
                ("picklescan", "modelscan"), 1))  # fmt: skip
    out.append(("HF folder", lambda: ensure("hfrepo"), ("picklescan", "modelscan"), 1))
    out.append(("50k-row CSV", lambda: ensure("pii50k.csv"), (), 1))
    if big:
        out.append(("big files", lambda: ensure("big"), ("picklescan", "modelscan"), 2))
    return out


def attest_row(found: dict[str, list[str]], runs: int) -> None:
    root = CORPUS / "attestation" / "sev-snp"
    if not root.is_dir():
        print("| attest verify (SNP) | skipped: ../shared/corpus is absent |")
        return
    verify = [
        *found["petgov"], "attest", "verify", str(root / "virtee_milan_report.hex"),
        "--type", "snp", "--certs", str(root / "virtee_milan_vcek.der"), "--now", "2024-01-01",
    ]  # fmt: skip
    env = dict(os.environ)
    first = [run_once(verify, env) for _ in range(runs + 1)][1:]
    print(f"| attest verify (SNP) | petgov | {_summary(first)} | (goal <= 0.25 s wall) |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", nargs="*", default=None, help="shape names (substring)")
    parser.add_argument("--big", action="store_true", help="add the 1 GiB / 500 MB files")
    parser.add_argument("--build", help=argparse.SUPPRESS)  # one input, in a child process
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.build:
        build(args.build)
        return
    found = tools()
    petgov = found["petgov"]
    before = os.environ.get("PETGOV_BENCH_BASE")
    print(f"load average before: {os.getloadavg()}; anchors: {sorted(found)}")
    print("| shape | A | wall s / cpu s / peak MiB | B | wall s / cpu s / peak MiB "
          "| A/B wall | A/B cpu | n |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for name, make, anchors, divisor in shapes(args.big):
        if args.only and not any(o in name for o in args.only):
            continue
        target = make()
        runs = max(3, args.runs // divisor)
        a = ("petgov", command("petgov", petgov, target))
        if before:
            b = (
                "petgov-before",
                [
                    sys.executable,
                    "-P",
                    "-m",
                    "petgov",
                    "scan",
                    "--no-progress",
                    "--no-cache",
                    str(target),
                ],
            )
            compare(name, a, b, runs)
        for anchor in anchors:
            if anchor in found:
                compare(name, a, (anchor, command(anchor, found[anchor], target)), runs)
        if not anchors and not before:
            env = dict(os.environ)
            alone = [run_once(a[1], env) for _ in range(runs + 1)][1:]
            print(f"| {name} | petgov | {_summary(alone)} | | | | | {runs} |")
    if not args.only or any("attest" in o for o in args.only):
        attest_row(found, args.runs)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    installed_tool_conditions()
    main()
