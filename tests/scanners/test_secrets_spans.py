"""Tokenizer vocabulary spans: the regex-only scans find exactly what the per-token scans of
the first version did (kept below as the reference), on any mix of literals, escapes, brackets,
stray quotes, newlines and long runs between literals, and on real tokenizer files."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from petgov.scanners import secrets as S

Span = tuple[int, int, int]


def reference_container_after(text: str, at: int) -> Span | None:
    depth = strings = 0
    start = -1
    for m in S._JSON_TOKEN.finditer(text, at):
        tok = m.group()
        if tok[0] == '"':
            strings += 1
            continue
        if start < 0:
            start = m.start()
        depth += 1 if tok in "{[" else -1
        if depth == 0:
            return start, m.end(), strings
    return None


def reference_long_strings(text: str, span: Span) -> list[str]:
    out = []
    for m in S._LONG_STRING.finditer(text, span[0], span[1]):
        try:
            piece = json.loads(m.group())
        except ValueError:
            continue
        if isinstance(piece, str):
            out.append(piece)
    return out


_PLAIN = st.text(alphabet="abé Ġ:,0", min_size=0, max_size=24)
_ESCAPE = st.sampled_from(['\\"', "\\\\", "\\n", "\\u0041", "\\", "\\\n", "\\é"])
_LITERAL = st.lists(st.one_of(_PLAIN, _ESCAPE), max_size=6).map(lambda p: '"' + "".join(p) + '"')
_PIECE = st.one_of(
    _LITERAL,
    _LITERAL,
    _PLAIN,
    st.sampled_from(["{", "}", "[", "]", '"', "\n", ": ", ", ", " " * 17, "1234567890" * 2]),
)
_TEXT = st.lists(_PIECE, max_size=40).map("".join)


@settings(max_examples=600, deadline=None)
@given(_TEXT, st.integers(min_value=0, max_value=8))
def test_container_spans_as_the_token_scan(text: str, at: int) -> None:
    at = min(at, len(text))
    assert S._container_after(text, at) == reference_container_after(text, at)


@settings(max_examples=600, deadline=None)
@given(_TEXT, st.integers(min_value=0, max_value=400), st.integers(min_value=0, max_value=400))
@example('"""0\\"00000000000000"', 1, 21)  # a run's backslash escapes the next opening quote
def test_long_strings_as_the_literal_scan(text: str, a: int, b: int) -> None:
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    span = (start, end, 0)
    assert S._long_strings(text, span) == reference_long_strings(text, span)
    whole = reference_container_after(text, 0)
    if whole is not None:
        assert S._long_strings(text, whole) == reference_long_strings(text, whole)


def test_a_vocabulary_with_long_pieces_and_long_gaps() -> None:
    vocab = {f"piece{i}": i for i in range(50)}
    vocab["a-long-vocabulary-piece-of-30-chars"] = 50
    vocab['with "quotes" and \\ escapes, long'] = 51
    compact = json.dumps({"model": {"vocab": vocab, "merges": ["a b", "c d"]}})
    spaced = compact.replace(": ", ":" + " " * 20)  # gaps of 20 characters between literals
    for text in (compact, spaced):
        span = S._keyed_span(text, "vocab")
        assert span is not None and span == _reference_keyed(text, "vocab")
        assert S._long_strings(text, span) == reference_long_strings(text, span)
    assert "a-long-vocabulary-piece-of-30-chars" in S._long_strings(
        compact, S._keyed_span(compact, "vocab") or (0, 0, 0)
    )


def _reference_keyed(text: str, key: str) -> Span | None:
    m = re.search('"' + key + r'"\s*:\s*(?=[\[{])', text)
    return reference_container_after(text, m.end()) if m else None


def test_pretty_printed_tokenizer_with_escapes_reduces_as_before() -> None:
    """As the tokenizers library writes tokenizer.json (indented, non-ASCII kept, byte-level
    pieces with quotes, backslashes and control characters escaped), and a vocab.json."""
    pieces = ['"', "\\", "\n", "\t", "Ġthe", "Ċ", "  ", "{", "]", "ĠâĢ", "a" * 20, '\\"x"']
    vocab = {f"{p}{i % 7}": i for i, p in enumerate(pieces * 30)}
    merges = [f"{a} {b}" for a, b in itertools.pairwise(pieces)]
    doc = {
        "version": "1.0",
        "added_tokens": [{"id": 0, "content": "<s>"}],
        "model": {"type": "BPE", "vocab": vocab, "merges": merges},
    }
    texts = [json.dumps(doc, indent=2, ensure_ascii=False), json.dumps(vocab, indent=2)]
    for text in texts:
        spans = [S._keyed_span(text, key) for key in ("vocab", "merges")]
        spans.append(S._container_after(text, 0))
        assert spans == [
            _reference_keyed(text, "vocab"),
            _reference_keyed(text, "merges"),
            reference_container_after(text, 0),
        ]
        for span in spans:
            if span is not None:
                assert S._long_strings(text, span) == reference_long_strings(text, span)
    for name, text in (("tokenizer.json", texts[0]), ("vocab.json", texts[1])):
        reduced = S.tokenizer_text(name, text)
        assert reduced is not None and "a" * 20 in reduced[0]


def test_bench_style_tokenizer(tmp_path: Path) -> None:
    vocab = {f"tok{i}\u0120w{i % 977}": i for i in range(20_000)}
    vocab["x" * 40] = 20_000
    doc = {"added_tokens": [], "model": {"type": "BPE", "vocab": vocab, "merges": ["a b"] * 99}}
    text = json.dumps(doc, ensure_ascii=False)
    for key in ("vocab", "merges"):
        span = S._keyed_span(text, key)
        assert span is not None and span == _reference_keyed(text, key)
        assert S._long_strings(text, span) == reference_long_strings(text, span)
    assert S._long_strings(text, S._keyed_span(text, "vocab") or (0, 0, 0)) == ["x" * 40]
