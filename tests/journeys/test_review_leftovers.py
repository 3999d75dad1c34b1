"""Newcomer-review defects left open after the first pass, each test named after its defect
(D-m2, D-m6, ...), and the shadow-AI list that a scanned repo must not be able to supply."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

USES_A_MODEL = "from transformers import AutoModel\nm = AutoModel.from_pretrained('org/model')\n"
SANCTIONS_IT = '[shadow_ai]\nsanctioned_models = ["org/*"]\nrequire_pinned_revision = false\n'


def test_D_m2_arguments_read_like_other_command_lines(cli: Callable[..., Any]) -> None:
    scan = cli("scan", "--help").stdout
    assert "Usage: petgov scan [OPTIONS] TARGETS..." in scan
    assert "{" not in scan and "<list[" not in scan, scan
    assert "  TARGETS...  Files, folders" in scan
    lint = cli("rules", "lint", "--help").stdout
    assert "Usage: petgov rules lint [OPTIONS] [PACK]" in lint and "<path>" not in lint
    assert "  PACK  Pack folder" in lint
    assert "Usage: petgov diff [OPTIONS] OLD NEW" in cli("diff", "--help").stdout


def test_D_m2_subcommand_lists_show_whole_summaries(cli: Callable[..., Any]) -> None:
    rooms = cli("cleanroom", "--help").stdout.split("Commands:")[1]
    assert "..." not in rooms, rooms
    assert "bind into its attestation." in rooms
    top = cli("--help").stdout
    assert "findings); exit 1 when a change is gate-" in top  # diff: a docstring on two lines


def test_option_values_are_named_for_what_they_are_not_their_python_type(
    cli: Callable[..., Any],
) -> None:
    import click

    from petgov.cli.main import build_command

    typed = re.compile(r"<(str|int|float|text|integer|bool)\b[^>]*>|range>")
    stack, shown = [((), build_command())], []
    while stack:
        path, command = stack.pop()
        stack.extend(((*path, n), c) for n, c in getattr(command, "commands", {}).items())
        ctx = click.Context(command, info_name=" ".join(path))
        for param in command.params:
            record = param.get_help_record(ctx)
            if record and typed.search(record[0]):
                shown.append(f"{' '.join(path)} {record[0]}")
    assert shown == [], shown
    scan = cli("scan", "--help").stdout
    assert "--spark-master <url>" in scan and "--timeout <seconds>" in scan, scan


def test_D_m6_unjudged_model_uses_are_a_note_not_a_gap(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "explore.py").write_text(USES_A_MODEL)
    res = cli("scan", str(repo), "--no-progress", cwd=tmp_path)
    assert res.code == 0, res.stderr
    assert "Not scanned" not in res.stdout and "Partly scanned" not in res.stdout
    # The table used to read "no  sanctioned list": "[shadow_ai]" was parsed as rich markup.
    assert "not judged: no [shadow_ai] sanctioned list" in " ".join(res.stdout.split())
    assert res.stdout.rstrip().endswith("0 not scanned — pass")
    doc = json.loads(cli("scan", str(repo), "-f", "json", cwd=tmp_path).stdout)
    assert doc["coverage"] == [c for c in doc["coverage"] if c["status"] == "scanned"]
    assert any("1 model use(s) listed but not judged" in n for n in doc["notes"])


def test_D_m6_paths_and_reasons_are_never_read_as_markup(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    folder = tmp_path / "model[bold]"
    folder.mkdir()
    (folder / "weights[v1].bin").write_bytes(b"\x80\x04K\x01.")  # a pickle of the int 1
    env = {**os.environ, "COLUMNS": "200"}
    res = cli("scan", folder.name, "--no-progress", "--color", "always", cwd=tmp_path, env=env)
    assert "model[bold]" in res.stdout and "weights[v1].bin" in res.stdout, res.stdout


def test_a_scanned_repo_cannot_sanction_its_own_models(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "app.py").write_text(USES_A_MODEL)
    (repo / "petgov.toml").write_text(SANCTIONS_IT)  # the repo vouches for itself
    work = tmp_path / "work"
    work.mkdir()
    doc = json.loads(cli("scan", str(repo), "-f", "json", cwd=work).stdout)
    rows = doc["facts"][str(repo)]["shadow_ai.models"]
    assert [r["sanctioned"] for r in rows] == [None]  # not judged: the repo's list is not read
    assert cli("shadow", str(repo), "--strict", cwd=work).code == 2  # nothing to judge against

    # The user's own list (working directory, --policy, --config) is what judges.
    (work / "petgov.toml").write_text('[shadow_ai]\nsanctioned_models = ["other/*"]\n')
    doc = json.loads(cli("scan", str(repo), "-f", "json", cwd=work).stdout)
    assert [d["rule_id"] for d in doc["findings"]] == ["PG-SHA-001"]
    assert cli("shadow", str(repo), "--strict", cwd=work).code == 1
    mine = tmp_path / "mine.toml"
    mine.write_text(SANCTIONS_IT)
    assert cli("shadow", str(repo), "--strict", "--config", str(mine), cwd=work).code == 0
    doc = json.loads(cli("scan", str(repo), "-f", "json", "--policy", str(mine), cwd=work).stdout)
    assert doc["findings"] == []
    assert doc["facts"][str(repo)]["shadow_ai.models"][0]["sanctioned"] is True


def test_D_m14_a_file_with_a_trailing_slash_is_not_a_directory(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    (tmp_path / "config.json").write_text("{}")
    res = cli("scan", "config.json/", cwd=tmp_path)
    assert res.code == 2 and "config.json/: not a directory" in res.stderr, res.stderr
    (tmp_path / "folder").mkdir()
    assert cli("scan", "folder/", cwd=tmp_path).code == 0  # a folder's slash is fine


def test_D_m18_doctor_reports_the_osv_store_and_the_nlp_model(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    from tests.beyond.osvfixture import build_zip

    db = tmp_path / "osv.sqlite"
    env = {**os.environ, "PETGOV_OSV_DB": str(db)}
    before = " ".join(cli("doctor", env=env).stdout.split())
    assert f"OSV store: none at {db}" in before
    assert "PII NLP model: blank spaCy 'en' pipeline" in before
    assert cli("db", "import", str(build_zip(tmp_path / "osv.zip")), "--db", str(db)).code == 0
    records = cli("db", "info", "--db", str(db)).stdout.split("records: ")[1].split()[0]
    after = " ".join(cli("doctor", env=env).stdout.split())
    assert f"OSV store: {db} ({records} records, imported 20" in after


def _facts_of(cli: Callable[..., Any], cwd: Path, target: str) -> tuple[Any, ...]:
    doc = json.loads(cli("scan", target, "-f", "json", cwd=cwd).stdout)
    facts = doc["facts"][target]
    return (
        sorted((d["rule_id"], d["path"] == target) for d in doc["findings"]),
        facts["bom.completeness"],
        facts["bom.missing"],
        facts["bom.model_target"],
        facts.get("config.architectures"),
        facts.get("license.id"),
    )


def test_D_m9_a_zip_or_tarball_of_a_model_folder_has_the_folders_facts(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    import tarfile
    import zipfile

    from tests.benign.builders import hf_folder_bare, hf_folder_card

    for build in (hf_folder_card, hf_folder_bare):
        folder = build(tmp_path)
        flat, nested, tgz = (tmp_path / f"{folder.name}{s}" for s in (".zip", "-dir.zip", ".tgz"))
        with zipfile.ZipFile(flat, "w") as zf:  # (cd folder && zip -r ../m.zip .)
            for f in sorted(folder.iterdir()):
                zf.write(f, f.name)
        with zipfile.ZipFile(nested, "w") as zf:  # zip -r m.zip folder/
            for f in sorted(folder.iterdir()):
                zf.write(f, f"{folder.name}/{f.name}")
        with tarfile.open(tgz, "w:gz") as tf:
            tf.add(folder, folder.name)
        want = _facts_of(cli, tmp_path, folder.name)
        assert want[3] is True and want[4] == ["BertModel"]  # a model target, its config read
        for archive in (flat, nested, tgz):
            assert _facts_of(cli, tmp_path, archive.name) == want, archive.name


def test_D_m10_paths_are_normalized_the_same_way_everywhere(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    from tests.benign.builders import hf_folder_bare

    folder = hf_folder_bare(tmp_path)
    (folder / "model.safetensors").write_text(
        "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 12\n"
    )

    def paths(target: str, cwd: Path) -> tuple[list[str], list[str], list[str]]:
        doc = json.loads(cli("scan", target, "-f", "json", cwd=cwd).stdout)
        found = sorted(d["path"] for d in doc["findings"])
        return doc["targets"], found, sorted(doc["facts"])

    want = paths(folder.name, tmp_path)
    assert want[0] == [folder.name]
    assert f"{folder.name}/model.safetensors" in want[1]  # the LFS pointer's finding
    for typed in (f"./{folder.name}", f"{folder.name}/", f".//{folder.name}//"):
        assert paths(typed, tmp_path) == want, typed
    here = paths(".", folder)  # `cd model && petgov scan .`: no "./x" beside "x"
    assert here[0] == ["."] and "model.safetensors" in here[1]
    assert not [p for p in here[1] + here[2] if p.startswith("./")], here


def test_D_M1_tables_fit_narrow_terminals_without_cropping(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """At 80 columns rich cropped the findings table: rows lost their right border and text."""
    from tests.benign.builders import hf_folder_bare

    deep = tmp_path / "a-long-folder-name-for-a-model" / "with-another-level-below-it"
    deep.mkdir(parents=True)
    hf_folder_bare(deep)
    (deep / "tiny-bert-bare" / "notes.pkl").write_bytes(
        b"\x80\x04\x8c\x08builtins\x8c\x04exec\x93."
    )
    for width in (60, 80, 100, 120):
        env = {**os.environ, "COLUMNS": str(width)}
        res = cli("scan", str(deep.relative_to(tmp_path)), cwd=tmp_path, env=env)
        assert res.code == 1, res.stderr
        lines = res.stdout.splitlines()
        assert max(len(line) for line in lines) <= width
        rows = [line for line in lines if line.startswith("│")]
        assert rows and all(line.endswith("│") for line in rows), (width, res.stdout)
        assert "GLOBAL" in res.stdout and "builtins.exec" in res.stdout


def test_D_m5_progress_names_each_phase_and_never_sits_at_100_while_working(
    tmp_path: Path,
) -> None:
    from petgov.pipeline import scan
    from tests.benign.builders import csv_dataset

    data = csv_dataset(tmp_path)
    calls: list[tuple[str, int, int]] = []
    scan([str(data)], progress=lambda stage, done, total: calls.append((stage, done, total)))
    stages = [stage for stage, _, _ in calls]
    assert stages[0] == f"scan {data}"
    pii = stages.index(f"pii: {data}")  # the phase that used to run behind a full bar
    assert all(done < total for _, done, total in calls[: pii + 1])
    assert calls[-1] == (f"done: {data}", calls[-1][2], calls[-1][2])
    assert [done for _, done, _ in calls] == sorted(done for _, done, _ in calls)


def test_shadow_table_shows_ids_and_paths_whole_and_literal(
    tmp_path: Path, cli: Callable[..., Any]
) -> None:
    """Paths come from the scanned tree: '[bold]' in one must print as written, and an
    80-column table folds a long path instead of cutting it with '…'."""
    repo = tmp_path / "a-repository-with-a-rather-long-name" / "src[bold]"
    repo.mkdir(parents=True)
    (repo / "load_the_model_here.py").write_text(
        "from transformers import AutoModel\nAutoModel.from_pretrained('org/model')\n"
    )
    env = {**os.environ, "COLUMNS": "80"}
    out = cli("shadow", str(repo.relative_to(tmp_path)), cwd=tmp_path, env=env).stdout
    assert "org/model" in out and "…" not in out, out
    assert "src[bold]/load_the_model_here.py:2" in "".join(out.replace("│", "").split()), out
