"""A tiny pickle assembler for tests: payloads are written opcode by opcode and never loaded."""

from __future__ import annotations

import struct


def glob(module: str, name: str) -> bytes:
    """GLOBAL: protocol-0 import of ``module.name``."""
    return f"c{module}\n{name}\n".encode()


def stack_glob(module: str, name: str) -> bytes:
    """STACK_GLOBAL from two short unicode constants (protocol 4)."""
    return ustr(module) + ustr(name) + b"\x93"


def ustr(text: str) -> bytes:
    raw = text.encode()
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw
    return b"X" + struct.pack("<I", len(raw)) + raw


def tup(*items: bytes) -> bytes:
    return b"(" + b"".join(items) + b"t"


def call(func: bytes, *args: bytes) -> bytes:
    """REDUCE: ``func(*args)``."""
    return func + tup(*args) + b"R"


def empty_dict() -> bytes:
    return b"}"


def pickle4(body: bytes) -> bytes:
    return b"\x80\x04" + body + b"."


def pickle2(body: bytes) -> bytes:
    return b"\x80\x02" + body + b"."
