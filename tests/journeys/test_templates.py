"""The CI templates work as shipped (D-B1, D-M6): valid YAML, current actions, the right
permissions, one scan, an install command that installs a locally built wheel, and pre-commit
hooks that lint the user's pack and gate the user's files (run through `pre-commit try-repo`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from petgov.demo import harmless_payload_pickle, safetensors_bytes

REPO = Path(__file__).resolve().parents[2]
TEMPLATES = REPO / "templates"
HOOKS = REPO / ".pre-commit-hooks.yaml"
CI_FILES = [
    TEMPLATES / "github" / "action.yml",
    TEMPLATES / "github" / "petgov.yml",
    TEMPLATES / "gitlab" / "petgov.gitlab-ci.yml",
]
BIN = Path(sys.executable).parent
YAMLLINT = (
    "{extends: default, rules: {line-length: {max: 200}, document-start: disable,"
    " truthy: {check-keys: false}}}"
)


def test_D_B1_templates_are_valid_yaml() -> None:
    res = subprocess.run(
        [str(BIN / "yamllint"), "-s", "-d", YAMLLINT, *map(str, CI_FILES), str(HOOKS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_D_B1_no_template_installs_a_version_that_does_not_exist() -> None:
    for path in CI_FILES:
        assert "petgov==" not in path.read_text(), path
    scan = re.compile(r"^\s*-? ?(?:set -f; )?petgov scan\b", re.M)
    for path in (CI_FILES[0], CI_FILES[2]):
        assert len(scan.findall(path.read_text())) == 1, f"{path}: scan once"


def test_github_workflow_permissions_and_action_versions() -> None:
    flow = yaml.safe_load((TEMPLATES / "github" / "petgov.yml").read_text())
    assert flow["permissions"] == {
        "contents": "read",
        "security-events": "write",
        "actions": "read",
    }
    uses = [s.get("uses", "") for s in flow["jobs"]["scan"]["steps"]]
    assert "actions/checkout@v5" in uses and "actions/setup-python@v6" in uses
    assert "github/codeql-action/upload-sarif@v4" in uses
    upload = next(s for s in flow["jobs"]["scan"]["steps"] if "upload-sarif" in s.get("uses", ""))
    assert "head.repo.full_name" in upload["if"]  # fork PRs cannot upload
    action = yaml.safe_load((TEMPLATES / "github" / "action.yml").read_text())
    steps = action["runs"]["steps"]
    assert steps[0]["uses"] == "actions/cache@v4" and "pip" in steps[0]["with"]["path"]


def test_gitlab_job_reports_sast_caches_pip_and_installs_what_it_is_told() -> None:
    job = yaml.safe_load((TEMPLATES / "gitlab" / "petgov.gitlab-ci.yml").read_text())["petgov"]
    assert job["artifacts"]["reports"] == {"sast": "gl-sast-report.json"}  # MR widget
    assert any("-f gitlab-sast -o gl-sast-report.json" in s for s in job["script"])
    assert job["cache"]["paths"] == [".cache/pip"]
    assert job["variables"]["PIP_CACHE_DIR"].endswith(".cache/pip")
    assert any(
        'pip install --disable-pip-version-check "$PETGOV_PACKAGE"' in s for s in job["script"]
    )


def _install_line(path: Path) -> str:
    text = path.read_text()
    (line,) = [ln.strip().lstrip("- ") for ln in text.splitlines() if "pip install --disable" in ln]
    return line


@pytest.mark.slow
def test_D_B1_install_command_installs_a_local_wheel(tmp_path: Path) -> None:
    """Build the wheel, run each template's pip line into a fresh venv (dependencies come from
    this test venv, which already has them), then run the installed petgov elsewhere."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         "-w", str(dist), str(REPO)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = dist.glob("petgov-*.whl")
    for template in (CI_FILES[0], CI_FILES[2]):
        venv = tmp_path / f"venv-{template.stem}"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        env = {**os.environ, "PETGOV_PACKAGE": str(wheel), "PIP_NO_DEPS": "1"}
        env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
        env.pop("PYTHONPATH", None)
        res = subprocess.run(
            ["bash", "-c", _install_line(template)], env=env, capture_output=True, text=True
        )
        assert res.returncode == 0, res.stderr[-2000:]
        site = next((venv / "lib").glob("python*/site-packages"))
        (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir(exist_ok=True)
        out = subprocess.run(
            [str(venv / "bin" / "petgov"), "rules", "list"],
            env=env, cwd=elsewhere, capture_output=True, text=True,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert "PG-SER-001" in out.stdout
        where = subprocess.run(
            [str(venv / "bin" / "python"), "-c", "import petgov; print(petgov.__file__)"],
            env=env, cwd=elsewhere, capture_output=True, text=True, check=True,
        )  # fmt: skip
        assert where.stdout.startswith(str(venv)), where.stdout


def _git(cwd: Path, *args: str) -> None:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


@pytest.fixture
def hook_repo(tmp_path: Path) -> Path:
    """The shipped hooks, with language: system so the hook runs this checkout's petgov
    (entry, args, files and pass_filenames are exactly the shipped ones)."""
    hooks = yaml.safe_load(HOOKS.read_text())
    for hook in hooks:
        assert hook["language"] == "python"
        hook["language"] = "system"
    repo = tmp_path / "hooks"
    repo.mkdir()
    (repo / ".pre-commit-hooks.yaml").write_text(yaml.safe_dump(hooks, sort_keys=False))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "hooks")
    return repo


def _try_repo(hook_repo: Path, user: Path, hook: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(user.parent / "pc-home")}
    env["PATH"] = f"{BIN}:{env['PATH']}"
    return subprocess.run(
        [str(BIN / "pre-commit"), "try-repo", str(hook_repo), hook, "--all-files"],
        cwd=user, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


@pytest.mark.slow
def test_D_M6_rules_lint_hook_lints_the_users_pack(tmp_path: Path, hook_repo: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    subprocess.run(
        [str(BIN / "petgov"), "rules", "init", "rules"], cwd=user, check=True, capture_output=True
    )
    _git(user, "init", "-q")
    _git(user, "add", ".")
    ok = _try_repo(hook_repo, user, "petgov-rules-lint")
    assert ok.returncode == 0, ok.stdout
    rule = next((user / "rules").rglob("PG-ORG-*.yaml"))
    rule.write_text(rule.read_text().replace("when:", "when_typo:"))
    _git(user, "add", ".")
    broken = _try_repo(hook_repo, user, "petgov-rules-lint")
    assert broken.returncode == 1, broken.stdout  # the built-in pack would have passed


@pytest.mark.slow
def test_scan_hook_gates_the_users_files(tmp_path: Path, hook_repo: Path) -> None:
    user = tmp_path / "user"
    user.mkdir()
    (user / "w.safetensors").write_bytes(safetensors_bytes())
    _git(user, "init", "-q")
    _git(user, "add", ".")
    assert _try_repo(hook_repo, user, "petgov-scan").returncode == 0
    (user / "evil.pkl").write_bytes(harmless_payload_pickle())
    _git(user, "add", ".")
    res = _try_repo(hook_repo, user, "petgov-scan")
    assert res.returncode == 1 and "PG-SER-001" in res.stdout


def test_hook_manifest_is_shipped_once() -> None:
    assert shutil.which("git"), "git is needed by pre-commit"
    ids = [h["id"] for h in yaml.safe_load(HOOKS.read_text())]
    assert ids == ["petgov-scan", "petgov-rules-lint"]
