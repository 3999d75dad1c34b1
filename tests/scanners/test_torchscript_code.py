"""TorchScript code/ members: a real scripted model, then its code rewritten the way an attacker
would (the archive is only ever scanned, never torch.jit.load-ed)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import torch  # a test extra

from petgov.model import Severity
from petgov.pipeline import ScanOptions, scan


def _scripted(path: Path) -> Path:
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU())
    torch.jit.script(model).save(str(path))
    return path


def _rewrite(path: Path, inject: str) -> Path:
    """Append ``inject`` to the top-level class's code member, keeping every other member."""
    with zipfile.ZipFile(path) as zf:
        members = [(i.filename, zf.read(i)) for i in zf.infolist()]
    out = path.with_name("evil.pt")
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members:
            # container.py, or container/___torch_mangle_N.py when torch scripted one before
            if "/code/__torch__/torch/nn/modules/container" in name and name.endswith(".py"):
                data = data + inject.encode()
            zf.writestr(name, data)
    return out


def _found(path: Path) -> list[tuple[Severity, str]]:
    report = scan([str(path)], ScanOptions())
    return [
        (d.finding.severity, d.finding.message)
        for d in report.decisions
        if d.finding.kind == "ser.torchscript_op"
    ]


SETSTATE_READS = """
  def __setstate__(self: __torch__.torch.nn.modules.container.Sequential,
    state: Tuple[Tensor, bool]) -> NoneType:
    t = torch.from_file("/etc/passwd", False, 4096, dtype=0)
    return None
"""

FOREIGN_OP = """
  def helper(self: __torch__.torch.nn.modules.container.Sequential, x: Tensor) -> Tensor:
    return ops.evilns.run(x)
"""


def test_scripted_model_code_is_quiet(tmp_path: Path) -> None:
    assert _found(_scripted(tmp_path / "ok.pt")) == []


def test_setstate_reading_a_host_file_is_high(tmp_path: Path) -> None:
    found = _found(_rewrite(_scripted(tmp_path / "m.pt"), SETSTATE_READS))
    assert any(s == Severity.HIGH and "__setstate__" in m for s, m in found), found


def test_foreign_operator_namespace_is_medium(tmp_path: Path) -> None:
    found = _found(_rewrite(_scripted(tmp_path / "m.pt"), FOREIGN_OP))
    assert [s for s, _ in found] == [Severity.MEDIUM], found
