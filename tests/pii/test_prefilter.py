"""``may_hold_pii`` answers exactly what ``PREFILTER.search`` answers, on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from petgov.pii.prefilter import PREFILTER, may_hold_pii

# Every character class the alternation looks at, plus look-alikes: Unicode digits and letters,
# the long s and Kelvin sign, separators and punctuation.
CHARS = "aZ09fF.:-@/ _\n\t\u00df\u0663\u07c2\u017f\u212a\u00e9,;#xX"
ALPHABET = st.sampled_from([*CHARS, "://", "..", "a.b", "0a:"])


@settings(max_examples=2000, deadline=None)
@given(st.lists(ALPHABET, max_size=12).map("".join))
def test_fast_prefilter_is_the_alternation(text: str) -> None:
    assert may_hold_pii(text) == (PREFILTER.search(text) is not None)


@given(st.text(max_size=40))
def test_fast_prefilter_on_any_unicode(text: str) -> None:
    assert may_hold_pii(text) == (PREFILTER.search(text) is not None)


def test_each_branch_alone() -> None:
    for text, want in [
        ("abc", False),
        ("a 7 b", True),
        ("\u0663", True),  # an Arabic-Indic digit is \\d
        ("me@host", True),
        ("see http://x", True),
        ("end. Next", False),
        ("file.txt", True),
        ("v.é", False),  # one letter after the dot is not two
        ("v.éa", True),
        ("ab:cd", True),
        ("ab-cd", True),
        ("ag:cd", False),
        ("a._b", False),
    ]:
        assert may_hold_pii(text) is want, text
        assert (PREFILTER.search(text) is not None) is want, text
