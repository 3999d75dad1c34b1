"""Docs that cannot drift: every command line in README.md and docs/*.md fenced ``sh`` blocks
is run against the demo artifacts, with every socket refused, and must exit with the code the
line documents (``exit N:`` in its comment or ``|| true``; else 0). A doc's blocks run in order in
one sandbox, as a reader would follow them.

Placeholders in the docs (``model/``, ``key.pem``, ...) name files the sandbox provides. Lines
that need material this machine cannot make (TEE evidence, a hub cache, the repo's own make
targets) are listed in NOT_RUN with the test that covers them; a new docs line that is neither
runnable nor listed fails ``test_every_doc_line_is_accounted_for``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from petgov.demo import write_demo, write_demo_key

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

# Line prefix -> why it is not run here, and which test covers it.
NOT_RUN = {
    "make demo": "the README's own build (CI runs make test; the demo is tests/cli)",
    "make test": "recursion: this test runs inside make test",
    "petgov scan hf://": "a hub cache or hub: tests/targets/test_hf.py, test_remote_hub.py",
    "petgov lock hf://": "a hub cache or hub: tests/targets/test_hf.py, test_remote_hub.py",
    "petgov scan s3://": "an S3 server: tests/targets/test_remote_stores.py (moto on loopback)",
    "petgov scan gs://": "a GCS server: offline case in tests/targets/test_remote_stores.py",
    "petgov scan https://": "an HTTPS server: tests/targets/test_remote_stores.py (loopback)",
    "petgov attest verify": "TEE evidence: tests/attestation",
    "petgov cleanroom promote": "TEE evidence: tests/cleanroom/test_promote_attested.py",
    "petgov cleanroom open": "a release: tests/cleanroom",
    "petgov cleanroom audit verify": "an audit log: tests/cleanroom/test_audit_log.py",
    "petgov cleanroom receipt verify": "a release receipt: tests/cleanroom/test_promote.py",
    "petgov rules publish": "an OCI registry: tests/policy/test_remote_packs.py",
    "pip install 'petgov[spark]'": "an install: make test installs the extra",
    "petgov scan datasets/ --engine spark": "starts a JVM: tests/pii/test_spark.py",
}

REFUSE_SOCKETS = """
import socket
def _refuse(*args, **kwargs):
    raise OSError("petgov docs test: network access refused")
socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
"""


def doc_blocks() -> list[tuple[str, list[str]]]:
    """(where, lines) for every fenced sh block: a block is a script, run top to bottom."""
    out = []
    for doc in DOCS:
        for i, block in enumerate(re.findall(r"```sh\n(.*?)```", doc.read_text(), re.S)):
            lines = [
                line.strip()
                for line in block.splitlines()
                if line.strip() and not line.lstrip().startswith("#")
            ]
            if lines:
                out.append((f"{doc.name} block {i + 1}", lines))
    return out


def doc_lines() -> list[tuple[str, str]]:
    """(where, command) for every non-comment line of every fenced sh block."""
    return [(where, line) for where, lines in doc_blocks() for line in lines]


def expected_code(line: str) -> int:
    """The documented exit code: ``|| true`` is 0, ``exit N:`` in the comment is N, else 0."""
    command, _, comment = line.partition("  #")
    if command.rstrip().endswith("|| true"):
        return 0
    found = re.search(r"\bexit (\d):", comment)
    return int(found.group(1)) if found else 0


def _not_run(line: str) -> str | None:
    return next((why for prefix, why in NOT_RUN.items() if line.startswith(prefix)), None)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A folder with demo-artifacts and every file the docs' placeholders name."""
    from tests.beyond.osvfixture import build_zip

    root = tmp_path_factory.mktemp("docs")
    write_demo(root / "demo-artifacts")
    model = root / "model"
    shutil.copytree(root / "demo-artifacts" / "model", model)
    (model / "optimizer.weights").unlink()  # the docs' model/ is a benign model
    shutil.copytree(root / "demo-artifacts" / "data", root / "data")
    shutil.make_archive(str(root / "model"), "zip", model)
    key, pub = write_demo_key(root)
    shutil.copy(key, root / "key.pem")
    shutil.copy(pub, root / "key.pub.pem")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text("from transformers import AutoModel\n")
    build_zip(root / "osv-PyPI.zip")
    shutil.copy(root / "osv-PyPI.zip", root / "all.zip")
    (root / "petgov.toml").write_text(
        '[cleanrooms.research]\ndestination = "releases"\nevidence = "snp"\n'
        'reference = "ref.yaml"\n'
    )
    _doc_files(root)
    for name, args in (
        ("main.json", ["scan", "model", "-f", "json", "-o", "main.json"]),
        ("old.cdx.json", ["bom", "model", "-o", "old.cdx.json"]),
        ("new.cdx.json", ["bom", "model", "-o", "new.cdx.json"]),
    ):
        made = subprocess.run(
            [sys.executable, "-m", "petgov", *args], cwd=root, capture_output=True, text=True
        )
        assert (root / name).is_file(), made.stderr
    (root / "sitecustomize").mkdir()
    (root / "sitecustomize" / "sitecustomize.py").write_text(REFUSE_SOCKETS)
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
        "PYTHONPATH": os.pathsep.join(
            [str(root / "sitecustomize"), *filter(None, [os.environ.get("PYTHONPATH")])]
        ),
        "XDG_CACHE_HOME": str(root / "cache"),
        "GITHUB_STEP_SUMMARY": str(root / "summary.md"),
        "HF_HUB_OFFLINE": "1",
    }
    return root, env


def _doc_files(root: Path) -> None:
    """Files docs/cleanroom.md shows in yaml/toml blocks whose first line names them: the
    policy is written as shown, the room appended to petgov.toml, so the worked example runs
    on exactly what the reader sees."""
    text = (REPO / "docs" / "cleanroom.md").read_text()
    for body in re.findall(r"```(?:yaml|toml)\n(.*?)```", text, re.S):
        first = body.splitlines()[0]
        if first == "# customers.policy.yaml":
            (root / "customers.policy.yaml").write_text(body)
        elif first == "# petgov.toml (the bank room)":
            with (root / "petgov.toml").open("a") as fh:
                fh.write(body)


def test_every_doc_line_is_accounted_for() -> None:
    lines = doc_lines()
    assert len(lines) > 20
    unused = [p for p in NOT_RUN if not any(line.startswith(p) for _, line in lines)]
    assert unused == [], "NOT_RUN names lines no doc has any more"


def test_sockets_are_refused_in_the_sandbox(sandbox: tuple[Path, dict[str, str]]) -> None:
    _, env = sandbox
    code = "import socket; socket.create_connection(('127.0.0.1', 9))"
    res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert res.returncode != 0 and "network access refused" in res.stderr


@pytest.mark.slow
@pytest.mark.parametrize("doc", sorted({w.split(" block ")[0] for w, _ in doc_blocks()}))
def test_doc_runs_offline_as_documented(
    sandbox: tuple[Path, dict[str, str]], tmp_path: Path, doc: str
) -> None:
    """Each doc runs in its own copy of the sandbox, block by block, line by line."""
    base, env = sandbox
    root = tmp_path / "sandbox"
    shutil.copytree(base, root, symlinks=True)
    for where, line in doc_lines():
        if not where.startswith(doc + " block "):
            continue
        if _not_run(line) is not None:
            continue
        command = line.partition("  #")[0].strip()
        res = subprocess.run(
            ["bash", "-c", command], cwd=root, env=env, capture_output=True, text=True, timeout=600
        )
        assert res.returncode == expected_code(line), f"{where}: {command}\n{res.stderr[-1500:]}"
        assert "network access refused" not in res.stderr, f"{where}: {command} went online"
        assert "Traceback" not in res.stderr
