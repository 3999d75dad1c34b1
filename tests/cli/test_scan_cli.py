"""The scan command: exit codes, JSON contract, errors (in process; the first tests cross the real
process boundary, `python -m petgov`, to prove it behaves the same)."""

from __future__ import annotations

from pathlib import Path

import pytest

from petgov.demo import harmless_payload_pickle, safetensors_bytes, write_demo


def test_demo_pickle_is_flagged_and_gate_fails(
    tmp_path: Path, cli_process, validate_report
) -> None:
    write_demo(tmp_path)
    res = cli_process("scan", str(tmp_path), "-f", "json")
    assert res.code == 1, res.stderr
    doc = res.json()
    validate_report(doc)
    flagged = {f["path"] for f in doc["findings"] if f["severity"] in ("high", "critical")}
    assert any(p.endswith("optimizer.weights") for p in flagged)
    assert not any(p.endswith("model.safetensors") for p in flagged)
    formats = {Path(i["path"]).name: i["format"] for i in doc["items"]}
    assert formats["optimizer.weights"] == "pickle"  # sniffed by content, not extension
    assert formats["model.safetensors"] == "safetensors"


def test_in_process_runner_matches_the_real_entry_point(tmp_path: Path, cli, cli_process) -> None:
    """The in-process `cli` fixture most tests use gives what `python -m petgov` gives."""
    (tmp_path / "x.pkl").write_bytes(harmless_payload_pickle())
    args = ("scan", str(tmp_path), "-f", "json", "--scanner", "pickle")
    inside, outside = cli(*args), cli_process(*args)
    assert (inside.code, outside.code) == (1, 1)
    one, two = inside.json(), outside.json()
    assert one.pop("created_at") and two.pop("created_at")  # the only wall-clock field
    assert one == two
    bad = ("scan", str(tmp_path / "missing"))
    assert (cli(*bad).code, cli(*bad).stderr) == (2, cli_process(*bad).stderr)


def test_benign_file_exits_zero(tmp_path: Path, cli, validate_report) -> None:
    (tmp_path / "w.safetensors").write_bytes(safetensors_bytes())
    res = cli("scan", str(tmp_path), "-f", "json")
    assert res.code == 0, res.stderr
    validate_report(res.json())


def test_symlinked_file_is_reported_not_followed(tmp_path: Path, cli) -> None:
    outside = tmp_path / "outside.pkl"
    outside.write_bytes(harmless_payload_pickle())
    target = tmp_path / "target"
    target.mkdir()
    (target / "link.pkl").symlink_to(outside)
    doc = cli("scan", str(target), "-f", "json").json()
    kinds = {f["kind"] for f in doc["findings"]}
    assert kinds == {"target.symlink"}
    assert doc["items"] == []


def test_advisory_mode_exits_zero_with_same_findings(tmp_path: Path, cli) -> None:
    (tmp_path / "x.pkl").write_bytes(harmless_payload_pickle())
    enforce = cli("scan", str(tmp_path), "-f", "json")
    advisory = cli("scan", str(tmp_path), "-f", "json", "--mode", "advisory")
    assert enforce.code == 1 and advisory.code == 0
    key = lambda d: sorted((f["rule_id"], f["path"]) for f in d["findings"])  # noqa: E731
    assert key(enforce.json()) == key(advisory.json())


def test_output_file_is_written_atomically(tmp_path: Path, cli, validate_report) -> None:
    (tmp_path / "w.safetensors").write_bytes(safetensors_bytes())
    out = tmp_path / "out" / "report.json"
    out.parent.mkdir()
    res = cli("scan", str(tmp_path / "w.safetensors"), "-f", "json", "-o", str(out))
    assert res.code == 0 and res.stdout == ""
    import json

    validate_report(json.loads(out.read_text()))
    assert [p.name for p in out.parent.iterdir()] == ["report.json"]  # no temp left behind


def test_missing_target_is_one_line_exit_2(cli_process) -> None:
    res = cli_process("scan", "/definitely/not/here")
    assert res.code == 2
    assert "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1
    assert "no such file" in res.stderr


def test_bad_flag_value_is_exit_2(tmp_path: Path, cli) -> None:
    (tmp_path / "a.txt").write_text("hi")
    res = cli("scan", str(tmp_path), "--fail-on", "catastrophic")
    assert res.code == 2 and "Traceback" not in res.stderr
    assert "Invalid value for '--fail-on'" in res.stderr and "critical" in res.stderr


def test_unknown_format_choice_is_exit_2(tmp_path: Path, cli) -> None:
    res = cli("scan", str(tmp_path), "--format", "pdf")
    assert res.code == 2 and "Traceback" not in res.stderr
    assert "Invalid value for '--format'" in res.stderr and "internal error" not in res.stderr


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("scan",), "Missing argument"),
        (("scan", ".", "--bogus"), "No such option: --bogus"),
        (("nocmd",), "No such command 'nocmd'"),
        (("cleanroom", "promote", "x"), "Missing option '--to'"),
        (("scan", ".", "--scanner", "nosuch"), "unknown scanner nosuch"),
    ],
)
def test_usage_errors_are_one_line_not_internal_errors(
    cli, args: tuple[str, ...], says: str
) -> None:
    res = cli(*args)
    assert res.code == 2
    assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")
    assert says in res.stderr and "internal error" not in res.stderr


def test_bare_command_shows_usage(cli) -> None:
    res = cli()
    assert res.code == 2 and res.stderr.startswith("Usage: petgov")
    assert "error" not in res.stderr.splitlines()[0]


def test_a_command_exit_code_passes_through(tmp_path: Path, cli) -> None:
    """`shadow --strict` exits 1 on an unsanctioned model (typer.Exit, not an internal error)."""
    (tmp_path / "use.py").write_text('from_pretrained("org/unsanctioned")\n')
    (tmp_path / "petgov.toml").write_text('[shadow_ai]\nsanctioned_models = ["org/other"]\n')
    res = cli("shadow", str(tmp_path), "--strict", cwd=tmp_path)
    assert res.code == 1, res.stderr
    assert "internal error" not in res.stderr


def test_version_and_help(cli) -> None:
    assert cli("version").stdout.startswith("petgov ")
    res = cli("--help")
    assert res.code == 0 and "scan" in res.stdout


def test_help_does_not_import_heavy_engines() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from petgov.cli.main import build_app; build_app();"
        "heavy=[m for m in ('modelscan','presidio_analyzer','spacy','sigstore','cyclonedx',"
        "'pyarrow','h5py','model_signing','huggingface_hub') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_doctor_lists_engines_offline(cli) -> None:
    res = cli("doctor")
    assert res.code == 0
    for engine in ("modelscan", "presidio_analyzer", "sigstore", "cyclonedx", "cel"):
        assert engine in res.stdout
    assert "missing" not in res.stdout  # every declared engine is installed by make test


def test_scanners_are_chosen_by_short_or_engine_name(tmp_path: Path, cli) -> None:
    target = tmp_path / "x.pkl"
    target.write_bytes(harmless_payload_pickle())
    for name in ("pickle", "pickle"):
        report = cli("scan", str(target), "--scanner", name, "-f", "json").json()
        engines = {c["engine"] for c in report["coverage"] if c["status"] == "scanned"}
        assert "pickle" in engines and "provenance" not in engines, (name, engines)
