"""The zip readers compare compression methods without importing zipfile: same numbers."""

from __future__ import annotations

import zipfile

from petgov.targets.archive import streams


def test_compression_methods_are_zipfiles() -> None:
    assert (streams.STORED, streams.DEFLATED, streams.BZIP2) == (
        zipfile.ZIP_STORED,
        zipfile.ZIP_DEFLATED,
        zipfile.ZIP_BZIP2,
    )
