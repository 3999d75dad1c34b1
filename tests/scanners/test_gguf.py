"""GGUF header bounds and chat-template checks on files written here by a tiny GGUF writer."""

from __future__ import annotations

import io
import struct
from typing import Any

import pytest

from petgov import filetypes as F
from petgov.formats import FormatError
from petgov.formats.chat_template import inspect_template
from petgov.formats.gguf import ArrayValue, read_header
from petgov.model import Severity
from petgov.scanners.gguf import GGUFScanner
from tests.scanners.header_helpers import run_scanner

STRING, ARRAY, UINT32, FLOAT32 = 8, 9, 4, 6


def s(text: str | bytes) -> bytes:
    raw = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(raw)) + raw


def kv(key: str, vtype: int, value: Any) -> bytes:
    out = s(key) + struct.pack("<I", vtype)
    if vtype == STRING:
        return out + s(value)
    if vtype == UINT32:
        return out + struct.pack("<I", value)
    if vtype == ARRAY:
        item_type, items = value
        body = struct.pack("<IQ", item_type, len(items))
        for item in items:
            body += s(item) if item_type == STRING else struct.pack("<f", item)
        return out + body
    raise AssertionError(vtype)


def tensor(name: str, dims: tuple[int, ...], ggml_type: int, offset: int) -> bytes:
    out = s(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
    return out + struct.pack("<IQ", ggml_type, offset)


def gguf(
    kvs: list[bytes],
    tensors: list[bytes] = (),  # type: ignore[assignment]
    data: bytes = b"",
    version: int = 3,
    counts: tuple[int, int] | None = None,
) -> bytes:
    n_t, n_kv = counts if counts else (len(tensors), len(kvs))
    body = b"GGUF" + struct.pack("<IQQ", version, n_t, n_kv) + b"".join(kvs) + b"".join(tensors)
    body += b"\x00" * (-len(body) % 32)
    return body + data


TEMPLATE = (
    "{% for message in messages %}{{ '<|' + message['role'] + '|>' + message['content'] }}"
    "{% if loop.last and add_generation_prompt %}{{ '<|assistant|>' }}{% endif %}{% endfor %}"
)
GOOD = gguf(
    [
        kv("general.architecture", STRING, "llama"),
        kv("general.alignment", UINT32, 32),
        kv("tokenizer.ggml.tokens", ARRAY, (STRING, ["<s>", "</s>", "hi"])),
        kv("tokenizer.ggml.scores", ARRAY, (FLOAT32, [0.0, 0.0, 1.0])),
        kv("tokenizer.chat_template", STRING, TEMPLATE),
    ],
    [tensor("tok_embd.weight", (4, 2), 0, 0), tensor("out.weight", (32,), 8, 32)],
    bytes(32 + 34),
)


def scan(data: bytes) -> list[tuple[str, str, Severity]]:
    result = run_scanner(GGUFScanner(), "m.gguf", F.GGUF, data)
    assert "gguf" in {c.engine for c in result.coverage}
    return [
        (f.rule_id, str(f.evidence.get("problem") or f.evidence.get("construct")), f.severity)
        for f in result.findings
    ]


def test_good_file() -> None:
    header = read_header(io.BytesIO(GOOD), len(GOOD))
    assert header.version == 3 and header.metadata["general.architecture"] == "llama"
    tokens = header.metadata["tokenizer.ggml.tokens"]
    assert isinstance(tokens, ArrayValue) and tokens.count == 3 and tokens.sample[2] == "hi"
    assert [(t.name, t.nbytes) for t in header.tensors] == [
        ("tok_embd.weight", 32),
        ("out.weight", 34),
    ]
    assert header.problems == []
    assert ("tokenizer.ggml.tokens[2]", "hi") in list(header.strings())
    assert scan(GOOD) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"GGML" + bytes(20), "bad_magic"),
        (b"GGUF" + struct.pack("<I", 9) + bytes(16), "bad_version"),
        (gguf([], counts=(0, 1 << 62)), "count_overflow"),
        (gguf([], counts=(1 << 40, 0)), "count_overflow"),
        (gguf([], counts=(0, 1 << 20)), "count_too_large"),
        (
            gguf([s("k") + struct.pack("<I", STRING) + struct.pack("<Q", 1 << 40)]),
            "length_overflow",
        ),
        (
            gguf([s("k") + struct.pack("<I", STRING) + struct.pack("<Q", 1 << 30)]),
            "string_too_long",
        ),
        (gguf([s("k") + struct.pack("<I", STRING) + struct.pack("<Q", 5000) + b"abc"]), "past_end"),
        (gguf([s("k") + struct.pack("<I", 77)]), "bad_type"),
        (gguf([s(b"\xff\xfe") + struct.pack("<I", UINT32) + bytes(4)]), "bad_utf8"),
        (gguf([s("k") + struct.pack("<IIQ", ARRAY, STRING, 1 << 50)]), "length_overflow"),
        (gguf([s("k") + struct.pack("<IIQ", ARRAY, STRING, 1 << 20)]), "count_too_large"),
        (gguf([], [tensor("t", (1, 1, 1, 1, 1), 0, 0)]), "too_many_dims"),
    ],
)
def test_unreadable_headers(data: bytes, code: str) -> None:
    with pytest.raises(FormatError) as err:
        read_header(io.BytesIO(data), len(data))
    assert err.value.code == code
    # overflow-class numbers attack the loader (high); other damage is medium
    expected = Severity.HIGH if code.endswith("_overflow") else Severity.MEDIUM
    assert scan(data) == [("PG-SER-311", code, expected)]


@pytest.mark.parametrize(
    ("tensors", "data_len", "code"),
    [
        ([tensor("a", (8,), 0, 0), tensor("b", (8,), 0, 16)], 64, "overlap"),
        ([tensor("a", (8,), 0, 0)], 16, "offset_past_end"),
        ([tensor("a", (8,), 0, 8)], 64, "misaligned"),
        ([tensor("a", (8,), 99, 0)], 64, "unknown_tensor_type"),
        ([tensor("a", (33,), 2, 0)], 64, "bad_block"),
        ([tensor("a", (1,), 0, 0), tensor("a", (1,), 0, 32)], 64, "duplicate_tensor"),
    ],
)
def test_tensor_layout(tensors: list[bytes], data_len: int, code: str) -> None:
    data = gguf([], tensors, bytes(data_len))
    assert ("PG-SER-311", code, Severity.MEDIUM) in scan(data)


def test_bad_alignment_and_duplicate_keys() -> None:
    data = gguf([kv("general.alignment", UINT32, 24), kv("general.alignment", UINT32, 24)])
    codes = {c for _, c, _ in scan(data)}
    assert codes == {"bad_alignment", "duplicate_key"}


def test_big_endian_header() -> None:
    data = b"GGUF" + struct.pack(">IQQ", 3, 0, 1) + struct.pack(">Q", 1) + b"k"
    data += struct.pack(">II", UINT32, 7)
    header = read_header(io.BytesIO(data), len(data))
    assert header.byte_order == ">" and header.metadata == {"k": 7}


SSTI = [
    ("{{ ''.__class__.__mro__[1].__subclasses__() }}", Severity.CRITICAL, "__class__"),
    ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", Severity.CRITICAL, "__globals__"),
    ("{{ x['__builtins__']['eval']('1') }}", Severity.CRITICAL, "__builtins__"),
    ("{{ x|attr('__class__') }}", Severity.CRITICAL, "__class__"),
    ("{{ ''.__class__.mro()[1] }}", Severity.CRITICAL, "mro"),
    ("{{ x|attr('__cla' ~ 'ss__') }}", Severity.HIGH, "attr"),
    ("{{ self._TemplateReference__context }}", Severity.HIGH, "_TemplateReference__context"),
    ("{{ x['\\x5f\\x5fclass\\x5f\\x5f'] }}", Severity.CRITICAL, "__class__"),
    ("{% include 'other.j2' %}", Severity.MEDIUM, "include"),
    ("{{ ''.__class__ ", Severity.CRITICAL, "__class__"),  # does not parse: regex pass
]


@pytest.mark.parametrize(("template", "severity", "name"), SSTI)
def test_template_escapes(template: str, severity: Severity, name: str) -> None:
    hits = inspect_template(template)
    assert hits, template
    assert Severity.parse(hits[0].severity) is severity
    assert name in {h.name for h in hits}
    data = gguf([kv("tokenizer.chat_template.tool_use", STRING, template)])
    worst = max(sev for _, _, sev in scan(data))
    assert worst is severity


def test_ordinary_templates_are_clean() -> None:
    chatml = (
        "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
        "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}"
        "{{ '<|im_start|>assistant\\n' }}{% endif %}"
    )
    llama = (
        "{{ bos_token }}{% set ns = namespace(sys='') %}{% for m in messages %}"
        "{% if m.role == 'system' %}{% set ns.sys = m.content | trim %}"
        "{% elif (m['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('roles must alternate') }}{% endif %}{% endfor %}"
        "{{ messages | selectattr('role', 'equalto', 'tool') | list | length }}"
        "{{ tools | tojson(indent=4) }}{{ m.content[0]['text'] }}"
    )
    for template in (TEMPLATE, chatml, llama):
        assert inspect_template(template) == []


def test_cli_blocks_a_template_escape(tmp_path: Any, cli: Any, validate_report: Any) -> None:
    evil = "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}"
    (tmp_path / "model.gguf").write_bytes(gguf([kv("tokenizer.chat_template", STRING, evil)]))
    (tmp_path / "ok.gguf").write_bytes(GOOD)
    res = cli("scan", str(tmp_path), "--format", "json")
    doc = res.json()
    validate_report(doc)
    assert res.code == 1
    flagged = {
        (f["path"].rsplit("/", 1)[-1], f["rule_id"])
        for f in doc["findings"]
        if f["engine"] != "provenance"  # unsigned files: the provenance scanner's own rule
    }
    assert flagged == {("model.gguf", "PG-SER-312")}
    assert {i["format"] for i in doc["items"]} == {"gguf"}
    assert not (tmp_path / "pwned").exists()


def test_large_gguf_streamed_from_a_zip(tmp_path: Any) -> None:
    """A member over the inline size is an unseekable stream: arrays are read past, not sought."""
    import zipfile

    from petgov.pipeline import ScanOptions
    from petgov.pipeline import scan as scan_target
    from petgov.targets.archive import INLINE_MEMBER_BYTES

    n = INLINE_MEMBER_BYTES // 4 + 1000
    scores = s("tokenizer.ggml.scores") + struct.pack("<IIQ", ARRAY, FLOAT32, n) + bytes(4 * n)
    evil = kv("tokenizer.chat_template", STRING, "{{ x.__globals__ }}")
    with zipfile.ZipFile(tmp_path / "bundle.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("model.gguf", gguf([scores, evil]))
    report = scan_target([str(tmp_path / "bundle.zip")], ScanOptions(scanners=["gguf"]))
    assert [(d.finding.rule_id, d.finding.severity) for d in report.decisions] == [
        ("PG-SER-312", Severity.CRITICAL)
    ]
