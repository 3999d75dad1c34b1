"""Time petgov's pickle analyzer against modelscan and picklescan on ~500 MB model files.

Writes a pickle of NumPy arrays and a PyTorch-style zip state dict (built by hand: no torch),
then scans each with all three tools in the same run and prints the ratios. picklescan is not a
dependency: ``pip install picklescan`` into the venv to include it. Shared CPU: expect noise.
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

SIZE = 500 << 20


def _numpy_pickle(path: Path) -> None:
    import numpy as np

    chunk = 16 << 20
    arrays = {f"layer{i}": np.zeros(chunk // 4, dtype=np.float32) for i in range(SIZE // chunk)}
    path.write_bytes(pickle.dumps(arrays, protocol=4))


def _torch_zip(path: Path) -> None:
    n = 32
    per = SIZE // n
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


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, check=False)
    return time.perf_counter() - start


def main() -> None:
    bindir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="petgov-bench-") as tmp:
        files = {"numpy pickle": Path(tmp) / "arrays.pkl", "torch zip": Path(tmp) / "model.pt"}
        _numpy_pickle(files["numpy pickle"])
        _torch_zip(files["torch zip"])
        for label, path in files.items():
            size = path.stat().st_size / (1 << 20)
            petgov = _time(
                [str(bindir / "petgov"), "scan", str(path), "--scanner", "petgov-pickle"]
            )
            modelscan = _time([str(bindir / "modelscan"), "-p", str(path)])
            row = f"{label:13} {size:6.0f} MB  petgov {petgov:6.2f}s  modelscan {modelscan:6.2f}s"
            row += (
                f" ({modelscan / petgov:4.1f}x petgov)  petgov VM only {_engine_only(path):6.3f}s"
            )
            if shutil.which("picklescan", path=str(bindir)):
                pscan = _time([str(bindir / "picklescan"), "-p", str(path)])
                row += f"  picklescan {pscan:6.2f}s (petgov/picklescan {petgov / pscan:4.2f})"
            print(row)


if __name__ == "__main__":
    main()
