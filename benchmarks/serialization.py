"""Time petgov's pickle analyzer against modelscan and picklescan on ~500 MB model files.

Writes a pickle of NumPy arrays and a PyTorch-style zip state dict (built by hand: no torch),
then scans each with all three tools in the same run and prints the ratios. petgov runs as users
run it (``petgov scan FILE``: default scanners, default ``--digests top``), plus the other digest
modes and the modelscan cross-check the clean room uses. A 1/10-size zip and a tiny pickle show
what is fixed start-up and what grows with tensor bytes (only hashing should). picklescan is not
a dependency: ``pip install picklescan`` into the venv to include it. Shared CPU: expect noise.
Usage: ``python benchmarks/serialization.py [REPEAT]``.

Measured 2026-11-23 (best of 3, load average ~5 on 2 shared cores, so +-2x):
numpy pickle 496 MB: petgov 1.10 s default (sha256 of the file), 0.54 s --digests none,
1.03 s all; modelscan 0.53 s; picklescan 0.38 s. torch zip 500 MB: petgov 0.68 s default,
0.35 s none, 2.23 s all (every stored tensor hashed again); modelscan 0.35 s; picklescan 0.13 s.
Tiny pickle: petgov 0.55 s, picklescan 0.11 s. The VM itself: 1-2 ms on either file. With
--digests none petgov's time is flat in the file size (start-up); the default adds one sha256
pass over the file (~1.2 GB/s per core here), overlapped with scanning and policy loading.
"""

from __future__ import annotations

import pickle
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

from _fair import installed_tool_conditions

SIZE = 500 << 20


def _numpy_pickle(path: Path) -> None:
    import numpy as np

    chunk = 16 << 20
    arrays = {f"layer{i}": np.zeros(chunk // 4, dtype=np.float32) for i in range(SIZE // chunk)}
    path.write_bytes(pickle.dumps(arrays, protocol=4))


def _torch_zip(path: Path, size: int = SIZE) -> None:
    n = 32
    per = size // n
    # The data.pkl a torch state dict holds: OrderedDict of _rebuild_tensor_v2 over storages.
    body = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01("
    for i in range(n):
        key = f"w{i}".encode()
        body += (
            b"X" + len(key).to_bytes(4, "little") + key
            + b"ctorch._utils\n_rebuild_tensor_v2\n(("
            + b"X\x07\x00\x00\x00storagectorch\nFloatStorage\n"
            + b"X" + len(str(i)).to_bytes(4, "little") + str(i).encode()
            + b"X\x03\x00\x00\x00cpuJ" + (per // 4).to_bytes(4, "little") + b"tQK\x00J"
            + (per // 4).to_bytes(4, "little") + b"\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtR"
        )  # fmt: skip
    body += b"u."
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("archive/data.pkl", body)
        zf.writestr("archive/version", "3\n")
        blob = bytes(per)
        for i in range(n):
            zf.writestr(f"archive/data/{i}", blob)


def _engine_only(path: Path) -> float:
    """The VM alone over the file's pickles (no CLI start-up, no inventory hashing)."""
    import mmap

    from petgov.scanners.pickle_vm import analyze

    start = time.perf_counter()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if name.endswith(".pkl"):
                    analyze(zf.read(name))
    else:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            view = memoryview(mm)
            analyze(view)
            view.release()
    return time.perf_counter() - start


def _time(cmd: list[str], repeat: int) -> float:
    """Best of ``repeat`` wall-clock runs (the box is shared: the minimum is the least noisy)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        best = min(best, time.perf_counter() - start)
    return best


def _rows(path: Path, bindir: Path, repeat: int) -> dict[str, float]:
    """Every tool on one file, in the same run; petgov in its default and digest modes."""
    petgov = [str(bindir / "petgov"), "scan", str(path), "--no-progress"]
    rows = {
        "petgov (default)": _time(petgov, repeat),
        "petgov --digests none": _time([*petgov, "--digests", "none"], repeat),
        "petgov --digests all": _time([*petgov, "--digests", "all"], repeat),
        "petgov --cross-check": _time([*petgov, "--cross-check"], repeat),
        "modelscan": _time([str(bindir / "modelscan"), "-p", str(path)], repeat),
    }
    if shutil.which("picklescan", path=str(bindir)):
        rows["picklescan"] = _time([str(bindir / "picklescan"), "-p", str(path)], repeat)
    rows["petgov VM only (in-process)"] = _engine_only(path)
    return rows


def main() -> None:
    bindir = Path(sys.executable).parent
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory(prefix="petgov-bench-") as tmp:
        files = {
            "numpy pickle": Path(tmp) / "arrays.pkl",
            "torch zip": Path(tmp) / "model.pt",
            "torch zip 1/10": Path(tmp) / "small.pt",
            "tiny pickle": Path(tmp) / "tiny.pkl",
        }
        _numpy_pickle(files["numpy pickle"])
        _torch_zip(files["torch zip"])
        _torch_zip(files["torch zip 1/10"], SIZE // 10)
        files["tiny pickle"].write_bytes(pickle.dumps({"lr": 0.1}, protocol=4))
        print(f"best of {repeat} runs; shared 2-core box, other jobs running: expect noise")
        for label, path in files.items():
            size = path.stat().st_size / (1 << 20)
            rows = _rows(path, bindir, repeat)
            anchor = rows.get("picklescan")
            print(f"\n{label} ({size:.1f} MB)")
            for tool, secs in rows.items():
                ratio = f"  {secs / anchor:5.2f}x picklescan" if anchor else ""
                print(f"  {tool:30} {secs:7.3f}s{ratio}")


if __name__ == "__main__":
    installed_tool_conditions()
    main()
