"""The tokenizer-file JSON token pattern: the unrolled string form finds exactly the tokens the
plain form ``"(?:[^"\\\n]|\\.)*"`` does, on any mix of quotes, escapes, newlines and brackets."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from petgov.scanners.secrets import _JSON_TOKEN

PLAIN = re.compile(r'"(?:[^"\\\n]|\\.)*"|[{}\[\]]')


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet='"\\\nab{}[] :,é', max_size=80))
def test_same_tokens_as_the_plain_pattern(text: str) -> None:
    assert [m.span() for m in _JSON_TOKEN.finditer(text)] == [
        m.span() for m in PLAIN.finditer(text)
    ]


def test_escaped_quotes_and_backslashes() -> None:
    text = r'{"a\"b": 1, "c\\": [2], "d' + "\n" + r'e": "f"}'
    assert [m.group() for m in _JSON_TOKEN.finditer(text)] == [
        m.group() for m in PLAIN.finditer(text)
    ]
    assert r'"a\"b"' in [m.group() for m in _JSON_TOKEN.finditer(text)]
