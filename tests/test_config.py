"""One config reader: policy, the sanctioned-AI list and clean rooms find the same file.

petgov.toml, else pyproject.toml's [tool.petgov], in the working directory; a file the user
names wins. Before, the clean room read only ./petgov.toml and the shadow list took the first
file that had a list, so two sections could come from two files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov.cleanroom.config import load as load_room
from petgov.config import discover, read
from petgov.errors import ConfigError
from petgov.model import Severity
from petgov.policy.config import find_config
from petgov.shadow.policy import find as find_sanctioned

SETTINGS = """
fail_on = "{fail_on}"

[shadow_ai]
sanctioned_models = ["{model}"]

[cleanrooms.research]
destination = "releases"
evidence = "snp"
reference = "ref.yaml"
"""


def _write(path: Path, fail_on: str, model: str, *, pyproject: bool = False) -> Path:
    body = SETTINGS.format(fail_on=fail_on, model=model)
    if pyproject:
        body = "[project]\nname = 'x'\n\n[tool.petgov]\n" + body.replace(
            "[shadow_ai]", "[tool.petgov.shadow_ai]"
        ).replace("[cleanrooms.", "[tool.petgov.cleanrooms.")
    path.write_text(body)
    return path


def _seen(root: Path) -> tuple[Severity | None, list[str], str]:
    policy = find_config(None, None)
    sanctioned = find_sanctioned(None)
    room = load_room("research")
    assert sanctioned is not None
    return policy.fail_on, sanctioned.models, room.destination


def test_every_section_comes_from_one_discovered_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "target"
    target.mkdir()
    _write(target / "petgov.toml", "low", "target/*")  # the scanned repo's own list
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    _write(work / "pyproject.toml", "critical", "org/*", pyproject=True)
    fail_on, models, destination = _seen(target)
    assert (fail_on, models) == (Severity.CRITICAL, ["org/*"])
    assert destination == str(work / "releases")

    _write(work / "petgov.toml", "medium", "team/*")  # petgov.toml beats pyproject.toml
    fail_on, models, destination = _seen(target)
    assert (fail_on, models) == (Severity.MEDIUM, ["team/*"])
    found = discover()
    assert found is not None and found.path == work / "petgov.toml"


def test_named_file_wins_and_a_missing_one_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "petgov.toml", "medium", "team/*")
    named = _write(tmp_path / "other.toml", "high", "named/*")
    assert find_config(named, None).fail_on is Severity.HIGH
    sanctioned = find_sanctioned(str(named))
    assert sanctioned is not None and sanctioned.models == ["named/*"]
    assert read(named).section("cleanrooms") is not None
    with pytest.raises(ConfigError, match="no such config file"):
        read(tmp_path / "nope.toml")
    (tmp_path / "petgov.toml").unlink()
    with pytest.raises(ConfigError, match=r"no petgov\.toml"):
        load_room("research")


def test_one_parse_per_text_and_an_edit_is_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tomllib

    parsed: list[str] = []
    loads = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: parsed.append(text) or loads(text))
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "pyproject.toml", "critical", "parse-once/*", pyproject=True)
    assert _seen(tmp_path)[:2] == (Severity.CRITICAL, ["parse-once/*"])
    assert len(parsed) == 1  # three sections, one parse
    found = discover()
    assert found is not None
    found.section("shadow_ai")["sanctioned_models"].append("mutated/*")  # a caller's own copy
    assert _seen(tmp_path)[:2] == (Severity.CRITICAL, ["parse-once/*"])
    _write(tmp_path / "pyproject.toml", "high", "parse-once/*", pyproject=True)  # edited
    assert _seen(tmp_path)[:2] == (Severity.HIGH, ["parse-once/*"])
    assert len(parsed) == 2
