"""Necessary conditions for presidio's recognizers: which entities could fire on a value at all.

Each pattern below is implied by every match of the entity's recognizers (presidio's and
petgov's), so showing a value only to the recognizers whose condition holds leaves the
findings unchanged while skipping most of the regex and ``phonenumbers`` work.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Letters are matched as [^\W\d_] (any letter), not [A-Za-z]: presidio matches with IGNORECASE,
# under which the long s and the Kelvin sign fold onto ASCII letters.
# Every enabled pattern recognizer needs one of these; a cell without any cannot match.
PREFILTER = re.compile(r"\d|@|://|\.[^\W\d_]{2}|[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}")
# PREFILTER's branches apart, each behind a substring test: one alternation tried at every
# position of every cell cost most of text mode over a free-text column (50k sentences).
_DOT_WORD = re.compile(r"\.[^\W\d_]{2}")
_HEX_PAIR = re.compile(r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}")


def may_hold_pii(text: str) -> bool:
    """``PREFILTER.search(text) is not None``, faster: a match of the alternation is a match
    of one of its branches, and the last two branches cannot match without their "." / ":"
    or "-"."""
    return bool(
        _DIGIT.search(text)
        or "@" in text
        or "://" in text
        or ("." in text and _DOT_WORD.search(text))
        or (("-" in text or ":" in text) and _HEX_PAIR.search(text))
    )


NEEDS: dict[str, re.Pattern[str]] = {
    "EMAIL_ADDRESS": re.compile(r"@"),
    "CREDIT_CARD": re.compile(r"\d(?:[ -]?\d){11}"),
    "IBAN_CODE": re.compile(r"[^\W\d_]{2}\d{2}"),
    "IP_ADDRESS": re.compile(r"\d\.\d|:"),
    "US_SSN": re.compile(r"\d{3}[- .]?\d{2}[- .]?\d{4}|\d{5}-\d{4}|\d{3}-\d{6}"),
    # every presidio URL pattern contains "[.](?:tld)"
    "URL": re.compile(r"\.[^\W\d_]{2}"),
    "CRYPTO": re.compile(r"[13]\w{25}|bc1", re.IGNORECASE),
    "MAC_ADDRESS": re.compile(r"[0-9A-Fa-f]{2}[:-][0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}"),
    "UK_NHS": re.compile(r"\d{3}[- ]?\d{3}[- ]?\d{4}"),
    "MEDICAL_LICENSE": re.compile(r"[^\W\d_](?:[^\W\d_]|9)\d{7}"),
}
_DIGIT = re.compile(r"\d")
# phonenumbers accepts 4-digit German numbers ("1640"); tests derive this from its metadata
PHONE_MIN_DIGITS = 4


def could_match(entity: str, text: str) -> bool:
    """False only when no recognizer of ``entity`` can match anywhere in ``text``."""
    if entity == "PHONE_NUMBER":
        return len(_DIGIT.findall(text)) >= PHONE_MIN_DIGITS
    need = NEEDS.get(entity)
    return need is None or need.search(text) is not None


def needed(value: str, entities: Sequence[str]) -> tuple[str, ...]:
    """The entities whose recognizers could fire on ``value`` (unknown ones always could)."""
    return tuple(e for e in entities if could_match(e, value))
