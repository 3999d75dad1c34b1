"""Headless Chromium for report tests: render a page, dump its DOM, take a screenshot.

CI installs the Debian ``chromium`` package (.ci/run); there a missing browser fails the test
instead of skipping it, so the HTML report is always checked in a real browser.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest


def chromium_binary() -> str:
    """The chromium executable, or fail (CI) / skip (a laptop without it) with how to get it."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    why = "headless chromium is needed: apt-get install -y chromium (.ci/run does this)"
    if os.environ.get("CI"):
        pytest.fail(why)
    pytest.skip(why)


def _run(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    args = [
        chromium_binary(),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        *extra,
        page.resolve().as_uri(),
    ]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def dump_dom(page: Path, tmp: Path) -> str:
    """The DOM after the page's scripts ran, serialised by the browser."""
    return _run(page, tmp / "profile-dom", "--dump-dom").stdout


def screenshot(page: Path, tmp: Path, size: str = "1280,1600") -> Path:
    """A PNG of the rendered page at ``size`` (width,height)."""
    out = tmp / "shot.png"
    _run(page, tmp / "profile-shot", f"--screenshot={out}", f"--window-size={size}")
    assert out.exists(), "chromium wrote no screenshot"
    return out


def png_colours(path: Path) -> set[tuple[int, ...]]:
    """Distinct pixel colours of an 8-bit RGB/RGBA PNG (decoded here, no imaging library)."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width, height, channels = 8, b"", 0, 0, 0
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        chunk = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
            assert depth == 8 and colour in (2, 6), f"unexpected PNG type {depth}/{colour}"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    colours: set[tuple[int, ...]] = set()
    for y in range(height):
        line = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        kind, row = line[0], bytearray(line[1:])
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            up = prev[i]
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                upleft = prev[i - channels] if i >= channels else 0
                p = left + up - upleft
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else upleft
                row[i] = (row[i] + pred) & 0xFF
        if y % 4 == 0:
            colours.update(tuple(row[x : x + channels]) for x in range(0, stride, channels * 2))
        prev = row
    return colours
