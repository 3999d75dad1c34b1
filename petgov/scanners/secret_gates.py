"""Literal pre-gates for the secret detectors: skip a pattern whose match cannot occur.

Python's ``re`` scans fast only for a pattern that starts with a plain literal; an alternation
(``ghp|gho|…``), a character class (``\\d{8,10}:``) or IGNORECASE makes it try every position,
~50 ms per pattern on a 15 MB CSV, and a dataset matches almost none of them. Each gate lists
strings one of which every match contains (or a cheaper pattern every match contains); a text
holding none of them cannot match, found with C-speed substring search. The gate is keyed by
the exact pattern text and flags it was written for: a pattern that changes (a new
detect-secrets) runs ungated until its gate is rewritten. A test generates matches of every
gated pattern and checks that the gate lets each through.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Gate:
    """Every match of the pattern contains one of ``literals`` (lower-cased when the pattern
    ignores case), and a match of one of ``needles`` when given: patterns that start with a
    literal, which ``re`` scans for quickly (their classes cover both cases of a
    case-insensitive pattern's)."""

    literals: tuple[str, ...] = ()
    needles: tuple[re.Pattern[str], ...] = ()

    def allows(self, text: GatedText, ignore_case: bool) -> bool:
        """False only when no match of the gated pattern can occur in ``text``."""
        if self.literals and not any(text.contains(lit, ignore_case) for lit in self.literals):
            return False
        if not self.needles or (ignore_case and not text.ascii):
            return True  # needles are case-sensitive (fast); ASCII text has no odd case pairs
        return any(n.search(text.text) is not None for n in self.needles)


def _lit(*literals: str) -> Gate:
    return Gate(literals=literals)


U, IU = re.UNICODE, re.IGNORECASE | re.UNICODE
_NOT_IN_USERINFO = r"[^:/\?\#\[\]@!\$\&'\(\)\*\+,;=\s]+"
_BASIC_AUTH = "://" + _NOT_IN_USERINFO + ":(" + _NOT_IN_USERINFO + ")@"
# (pattern text, flags) -> gate; the detect-secrets plugins' patterns as shipped, then petgov's.
GATES: dict[tuple[str, int], Gate] = {
    (r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}", U): _lit(
        "A3T", "ABIA", "ACCA", "AKIA", "ASIA"
    ),
    (
        r"aws.{0,20}?(?:key|pwd|pw|password|pass|token).{0,20}?[\'\"]([0-9a-zA-Z/+]{40})[\'\"]",
        IU,
    ): Gate(("aws",), (re.compile(r"'[0-9a-zA-Z/+]{40}"), re.compile(r'"[0-9a-zA-Z/+]{40}'))),
    (r"AccountKey=[a-zA-Z0-9+\/=]{88}", U): _lit("AccountKey="),
    (r"(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}", U): _lit("ghp_", "gho_", "ghu_", "ghs_", "ghr_"),
    (r"(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\-]{20,50}(?!\w)", U): _lit(
        "glpat-", "gldt-", "glft-", "glsoat-", "glrt-"
    ),
    (r"GR1348941[A-Za-z0-9_\-]{20,50}(?!\w)", U): _lit("GR1348941"),
    (r"glcbt-([0-9a-fA-F]{2}_)?[A-Za-z0-9_\-]{20,50}(?!\w)", U): _lit("glcbt-"),
    (r"glimt-[A-Za-z0-9_\-]{25}(?!\w)", U): _lit("glimt-"),
    (r"glptt-[A-Za-z0-9_\-]{40}(?!\w)", U): _lit("glptt-"),
    (r"glagent-[A-Za-z0-9_\-]{50,1024}(?!\w)", U): _lit("glagent-"),
    (r"gloas-[A-Za-z0-9_\-]{64}(?!\w)", U): _lit("gloas-"),
    (r"sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}", U): _lit("T3BlbkFJ"),
    **{
        (key, U): _lit(key)
        for key in (
            "BEGIN DSA PRIVATE KEY",
            "BEGIN EC PRIVATE KEY",
            "BEGIN OPENSSH PRIVATE KEY",
            "BEGIN PGP PRIVATE KEY BLOCK",
            "BEGIN PRIVATE KEY",
            "BEGIN RSA PRIVATE KEY",
            "BEGIN SSH2 ENCRYPTED PRIVATE KEY",
            "PuTTY-User-Key-File-2",
        )
    },
    (r"eyJ[A-Za-z0-9-_=]+\.[A-Za-z0-9-_=]+\.?[A-Za-z0-9-_.+/=]*?", U): _lit("eyJ"),
    (_BASIC_AUTH, U): _lit("://"),
    (r'(?:\s|=|:|"|^)AKC[a-zA-Z0-9]{10,}(?:\s|"|$)', U): _lit("AKC"),
    (r'(?:\s|=|:|"|^)AP[\dABCDEF][a-zA-Z0-9]{8,}(?:\s|"|$)', U): _lit("AP"),
    (r"[MNO][a-zA-Z\d_-]{23,25}\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}", U): Gate(
        needles=(re.compile(r"\.[a-zA-Z\d_-]{6}\."),)
    ),
    (r"[0-9a-z]{32}-us[0-9]{1,2}", U): _lit("-us"),
    (r"\/\/.+\/:_authToken=\s*((npm_.+)|([A-Fa-f0-9-]{36})).*", U): _lit("/:_authToken="),
    (r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9-_]{70,}", U): _lit("pypi-AgEIcHlwaS5vcmc"),
    (r"pypi-AgENdGVzdC5weXBpLm9yZw[A-Za-z0-9-_]{70,}", U): _lit("pypi-AgENdGVzdC5weXBpLm9yZw"),
    (r"SG\.[a-zA-Z0-9_-]{22}\.[a-zA-Z0-9_-]{43}", U): _lit("SG."),
    (r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+", IU): _lit(
        "xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"
    ),
    (
        r"https://hooks\.slack\.com/services/T[a-zA-Z0-9_]+/B[a-zA-Z0-9_]+/[a-zA-Z0-9_]+",
        IU | re.VERBOSE,
    ): _lit("hooks.slack.com/services/"),
    (r"sq0csp-[0-9A-Za-z\\\-_]{43}", U): _lit("sq0csp-"),
    (r"(?:r|s)k_live_[0-9a-zA-Z]{24}", U): _lit("k_live_"),
    (r"\d{8,10}:[0-9A-Za-z_-]{35}", U): Gate(needles=(re.compile(r":[0-9A-Za-z_-]{35}"),)),
    (r"AC[a-z0-9]{32}", U): _lit("AC"),
    (r"SK[a-z0-9]{32}", U): _lit("SK"),
    # petgov's own patterns (scanners/secrets.py OWN)
    (r"hf_[A-Za-z]{34}\b", U): _lit("hf_"),
    (r"api_org_[A-Za-z]{34}\b", U): _lit("api_org_"),
    (r"sk-ant-[a-z]{3,6}\d{2}-[A-Za-z0-9_\-]{80,}", U): _lit("sk-ant-"),
    (r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}", U): _lit(
        "sk-proj-", "sk-svcacct-", "sk-admin-"
    ),
    (r"AIza[0-9A-Za-z_\-]{35}\b", U): _lit("AIza"),
    (r"gsk_[A-Za-z0-9]{52}\b", U): _lit("gsk_"),
    (r"r8_[A-Za-z0-9]{37}\b", U): _lit("r8_"),
    (r"xai-[A-Za-z0-9]{80}\b", U): _lit("xai-"),
    (r"github_pat_[A-Za-z0-9_]{82}\b", U): _lit("github_pat_"),
}


# Substrings shared by several literals: when one is absent, so is every literal holding it.
FAMILIES = ("BEGIN ", "sk-", "pypi-AgE")


class GatedText:
    """A text prepared once for every gate: its lower-cased form, whether it is ASCII, and the
    answers of the substring checks made so far."""

    def __init__(self, text: str, lowered: str) -> None:
        self.text = text
        self.lowered = lowered
        self.ascii = text.isascii()
        self._seen: dict[tuple[str, bool], bool] = {}

    def contains(self, literal: str, ignore_case: bool) -> bool:
        """Whether ``literal`` occurs (case-insensitively: in the lower-cased text, and always
        True for a non-ASCII text, where re folds more pairs than str.lower: long s, Kelvin)."""
        key = (literal, ignore_case)
        found = self._seen.get(key)
        if found is None:
            if ignore_case:
                found = not self.ascii or literal in self.lowered
            else:
                shared = [f for f in FAMILIES if f in literal and f != literal]
                found = all(self.contains(f, False) for f in shared) and literal in self.text
            self._seen[key] = found
        return found

    def may_match(self, pattern: re.Pattern[str]) -> bool:
        """False only when ``pattern`` cannot match the text (an ungated pattern may)."""
        gate = GATES.get((pattern.pattern, pattern.flags))
        if gate is None:
            return True
        return gate.allows(self, bool(pattern.flags & re.IGNORECASE))
