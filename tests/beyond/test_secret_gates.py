"""Secret-detector pre-gates: a gate never hides a match, and gated scans find the same."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from petgov.scanners import secret_gates, secrets
from petgov.scanners.secret_gates import GATES, GatedText
from tests.beyond.test_secrets import AWS_KEY, GH_TOKEN, HF_TOKEN, OPENAI, PEM
from tests.pii.datagen import make_csv


def _run_patterns() -> set[tuple[str, int]]:
    shipped = {(p.pattern, p.flags) for d in secrets._detectors() for p in d.patterns}
    return shipped | {(p.pattern, p.flags) for _, _, p in secrets.OWN}


def test_every_gate_is_for_a_pattern_petgov_runs_and_every_ungated_one_has_triggers() -> None:
    assert set(GATES) <= _run_patterns()  # a gate for a pattern nobody runs is stale
    ungated = {
        d.path
        for d in secrets._detectors()
        for p in d.patterns
        if (p.pattern, p.flags) not in GATES
    }
    assert ungated <= set(secrets.TRIGGERS)  # the slow keyword plugins have their triggers
    assert all((p.pattern, p.flags) in GATES for _, _, p in secrets.OWN)


@pytest.mark.parametrize("key", sorted(GATES), ids=lambda k: k[0][:24])
def test_a_gate_lets_every_match_through(key: tuple[str, int]) -> None:
    pattern = re.compile(*key)

    @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(pattern, fullmatch=False), st.sampled_from([str, str.upper, str.lower]))
    def check(text: str, case: object) -> None:
        assert callable(case)
        for variant in (text, case(text)):
            if pattern.search(variant):
                assert GatedText(variant, variant.lower()).may_match(pattern), variant

    check()


def test_case_folds_str_lower_does_not_know_keep_the_pattern() -> None:
    slack = re.compile(r"xox(?:a|b|p|o|s|r)-(?:\d+-)+[a-z0-9]+", re.IGNORECASE)
    text = "token xox\u017f-123-abc"  # re folds the long s to "s"; lower() keeps it
    assert slack.search(text)
    assert GatedText(text, text.lower()).may_match(slack)
    assert not GatedText("plain ascii", "plain ascii").may_match(slack)


def test_gated_and_ungated_scans_find_the_same(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    table = make_csv(tmp_path / "people.csv", 300).read_text()
    jwt = "eyJhbGciOiJIUzI1NiJ9." + "eyJzdWIiOiIxMjM0NTY3ODkwIn0." + "c2lnbmF0dXJlLXZhbHVl"
    secrets_text = (
        f"a={AWS_KEY}\nb={HF_TOKEN}\n{PEM}token: {jwt}\nurl = https://bob:s3cr3tpassw0rd@host/x\n"
        f"{GH_TOKEN} {OPENAI} XOXB-123456789012-abcdefghij sk_live_" + "a1B2c3D4e5F6g7H8i9J0k1L2\n"
        "bot 123456789:" + "AAbbCCddEEffGGhhIIjjKKllMMnnOOppQQr\n"
    )
    texts = [table, secrets_text, table + secrets_text]
    gated = [sorted((s.type, s.value, s.line) for s in secrets.find_secrets(t)) for t in texts]
    assert len(gated[1]) >= 8 and gated[2]
    skipped = [
        p
        for p in (re.compile(*k) for k in GATES)
        if not GatedText(table, table.lower()).may_match(p)
    ]
    assert len(skipped) >= len(GATES) // 2  # a table of people holds almost none of them
    monkeypatch.setattr(secret_gates, "GATES", {})
    assert [
        sorted((s.type, s.value, s.line) for s in secrets.find_secrets(t)) for t in texts
    ] == gated
