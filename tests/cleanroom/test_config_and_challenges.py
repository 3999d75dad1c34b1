"""Clean-room configuration validation and single-use, expiring nonces."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from petgov.cleanroom import challenges
from petgov.cleanroom.config import load
from petgov.errors import ConfigError

T0 = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)

TOML = """
[cleanrooms.research]
destination = "releases"
evidence = "snp"
reference = "ref.yaml"
fail_on = "medium"
min_bom_completeness = 60
allowed_pii = ["EMAIL_ADDRESS"]
purpose = "fraud model training"
retention = "30d"
challenge_ttl = "5m"
"""


def test_load_toml_resolves_relative_paths(tmp_path: Path) -> None:
    cfg = tmp_path / "petgov.toml"
    cfg.write_text(TOML)
    room = load("research", cfg)
    assert room.destination == str(tmp_path / "releases")
    assert room.reference == tmp_path / "ref.yaml"
    assert room.retention_seconds == 30 * 86400 and room.challenge_ttl_seconds == 300
    assert room.allowed_pii == ("EMAIL_ADDRESS",) and room.fail_on.value == "medium"
    assert room.audit_log == tmp_path / ".petgov/cleanrooms/research/audit.jsonl"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda t: t.replace('evidence = "snp"', 'evidence = "sgx"'), "evidence"),
        (lambda t: t.replace('retention = "30d"', 'retention = "forever"'), "not a duration"),
        (lambda t: t.replace("min_bom_completeness = 60", "min_bom_completeness = 160"), "0..100"),
        (lambda t: t + 'colour = "blue"\n', "unknown settings"),
        (lambda t: t.replace('reference = "ref.yaml"', ""), "'reference' is required"),
    ],
)
def test_invalid_settings_are_refused(tmp_path: Path, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    cfg = tmp_path / "petgov.toml"
    cfg.write_text(edit(TOML))
    with pytest.raises(ConfigError, match=message):
        load("research", cfg)


def test_unknown_room_names_the_known_ones(tmp_path: Path) -> None:
    cfg = tmp_path / "petgov.toml"
    cfg.write_text(TOML)
    with pytest.raises(ConfigError) as err:
        load("prod", cfg)
    assert "known: research" in err.value.one_line()


def test_nonce_is_single_use(tmp_path: Path) -> None:
    rec = challenges.issue(tmp_path, 300, now=T0)
    assert len(rec["nonce"]) == 64
    challenges.consume(tmp_path, rec["nonce"], now=T0 + dt.timedelta(seconds=10))
    with pytest.raises(challenges.ReplayError, match="already used"):
        challenges.consume(tmp_path, rec["nonce"], now=T0 + dt.timedelta(seconds=20))


def test_expired_nonce_is_refused_and_burned(tmp_path: Path) -> None:
    rec = challenges.issue(tmp_path, 300, now=T0)
    with pytest.raises(challenges.ReplayError, match="expired"):
        challenges.consume(tmp_path, rec["nonce"], now=T0 + dt.timedelta(seconds=301))
    with pytest.raises(challenges.ReplayError, match="already used"):
        challenges.consume(tmp_path, rec["nonce"], now=T0 + dt.timedelta(seconds=302))


def test_unknown_nonce_is_refused(tmp_path: Path) -> None:
    challenges.issue(tmp_path, 300, now=T0)
    with pytest.raises(challenges.ReplayError, match="unknown nonce"):
        challenges.consume(tmp_path, "ab" * 32, now=T0)
