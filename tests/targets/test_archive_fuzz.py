"""Archive walking and sniffing, fuzzed through the whole pipeline: damaged, truncated and
spliced zips, tars, compressed streams and archives in archives give a Report (with findings
or coverage saying what was not read), never an exception.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import pickle
import tarfile
import tempfile
import zipfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from petgov.errors import PetgovError
from petgov.inventory.sniff import sniff
from petgov.pipeline import ScanOptions, scan
from petgov.targets.interface import BytesSource
from tests.fuzzing import budget, inputs

_PKL = pickle.dumps({"w": [1.0, 2.0], "name": "layer"}, protocol=4)


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _tar(members: dict[str, bytes], mode: str = "w") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tf:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


SEEDS = {
    "zip": _zip({"archive/data.pkl": _PKL, "archive/version": b"3\n"}),
    "stored-zip": _zip({"a/data.pkl": _PKL}, zipfile.ZIP_STORED),
    "zip-in-zip": _zip({"inner.zip": _zip({"data.pkl": _PKL})}),
    "tar": _tar({"model/data.pkl": _PKL}),
    "tar.gz": _tar({"model/data.pkl": _PKL}, "w:gz"),
    "gz": gzip.compress(_PKL),
    "bz2": bz2.compress(_PKL),
    "xz": lzma.compress(_PKL),
}


@budget()
@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda k: inputs(SEEDS[k])))
def test_damaged_archives_give_a_report(data: bytes) -> None:
    _WORKDIR.mkdir(exist_ok=True)
    target = _WORKDIR / "model.bin"
    target.write_bytes(data)
    try:
        report = scan([str(target)], ScanOptions())
    except PetgovError:
        return
    assert report.items, "the target itself is always an item"


# One fixed folder per worker process: a random temp name per example would consume the global
# random state hypothesis watches.
_WORKDIR = Path(tempfile.gettempdir(), f"petgov-archive-fuzz-{os.getpid()}")


@budget()
@given(st.sampled_from(sorted(SEEDS)).flatmap(lambda k: inputs(SEEDS[k])))
def test_sniffing_damaged_archives_names_a_format(data: bytes) -> None:
    """Typed boundary: zip/tar readers' own exceptions (BadZipFile, TarError) never escape."""
    assert isinstance(sniff(BytesSource(data), "model.bin"), str)
