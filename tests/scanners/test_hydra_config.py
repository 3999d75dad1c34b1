"""NeMo .nemo archives and Hydra configs: every _target_ is judged (CVE-2025-23304 class)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan


def _nemo(path: Path, config: str, *, gz: bool = False) -> Path:
    """A .nemo as NeMo writes it: a tar of ./model_config.yaml and ./model_weights.ckpt."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz" if gz else "w") as tf:
        for name, data in (
            ("./model_config.yaml", config.encode()),
            ("./model_weights.ckpt", b"\0" * 16),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    return path


def _targets(path: Path) -> list[tuple[Severity, str]]:
    report = scan([str(path)], ScanOptions(scanners=["hydra"]))
    return [
        (d.finding.severity, str(d.finding.evidence.get("target")))
        for d in report.decisions
        if d.finding.kind == "ser.config_target"
    ]


BENIGN = """\
sample_rate: 16000
encoder:
  _target_: nemo.collections.asr.modules.ConformerEncoder
  feat_in: 80
optim:
  name: adamw
  sched:
    _target_: torch.optim.lr_scheduler.CosineAnnealingLR
    T_max: 10
"""


@pytest.mark.parametrize(
    ("config", "at_least", "target"),
    [
        ("decoder:\n  _target_: builtins.exec\n  _args_: ['import os']\n", Severity.CRITICAL,
         "builtins.exec"),
        ("preprocessor:\n  _target_: os.system\n  command: id\n", Severity.CRITICAL, "os.system"),
        ("x:\n  _target_: posix.system\n  _partial_: true\n", Severity.CRITICAL, "posix.system"),
        ("x:\n  _target_: hydra.utils.get_method\n  path: os.system\n", Severity.CRITICAL,
         "hydra.utils.get_method"),
        ("x:\n  _target_: nemo.utils.model_utils.import_class_by_path\n  path: os.system\n",
         Severity.CRITICAL, "nemo.utils.model_utils.import_class_by_path"),
        ("x:\n  _target_: somepkg.tools.fetch\n  _args_: ['https://a.invalid/x']\n",
         Severity.HIGH, "somepkg.tools.fetch"),
        ("x:\n  _target_: _posixsubprocess.fork_exec\n", Severity.CRITICAL,
         "_posixsubprocess.fork_exec"),
        ("x:\n  cls: subprocess.Popen\n  params: {args: id}\n", Severity.CRITICAL,
         "subprocess.Popen"),
        ("x:\n  _target_: mylab.models.FancyEncoder\n  d: 4\n", Severity.MEDIUM,
         "mylab.models.FancyEncoder"),
    ],
)  # fmt: skip
def test_nemo_config_target_is_judged(
    tmp_path: Path, config: str, at_least: Severity, target: str
) -> None:
    found = _targets(_nemo(tmp_path / "model.nemo", BENIGN + config))
    assert any(sev >= at_least and t == target for sev, t in found), found


def test_gzipped_nemo_is_read_too(tmp_path: Path) -> None:
    found = _targets(_nemo(tmp_path / "m.nemo", "x:\n  _target_: os.system\n", gz=True))
    assert (Severity.CRITICAL, "os.system") in found


def test_stock_nemo_config_is_quiet(tmp_path: Path) -> None:
    assert _targets(_nemo(tmp_path / "ok.nemo", BENIGN)) == []


def test_training_config_outside_a_model_names_user_code_quietly(tmp_path: Path) -> None:
    conf = tmp_path / "train.yaml"
    conf.write_text("model:\n  _target_: src.models.MyNet\n  width: 4\ncls: a.b\n")
    assert _targets(conf) == []
    conf.write_text("model:\n  _target_: builtins.eval\n  _args_: ['1+1']\n")
    assert _targets(conf) == [(Severity.CRITICAL, "builtins.eval")]


def test_nested_yaml_aliases_are_walked_once(tmp_path: Path) -> None:
    """Regression: a 'billion laughs' config (9 levels of 9 aliases, 600 bytes) made the target
    walk visit 9^9 nodes and hang the scan; shared nodes are now walked once."""
    lines = ["_target_: os.system", "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    path = tmp_path / "model_config.yaml"
    path.write_text("\n".join(lines) + "\n")
    assert _targets(path) == [(Severity.CRITICAL, "os.system")]
