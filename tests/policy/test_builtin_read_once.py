"""The built-in rule folder is read once per process: the catalog and the pack loader share it."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from petgov.errors import PolicyError
from petgov.policy import packs
from petgov.policy.packs import builtin_pack_dir, load_pack

_PROBE = """
import collections, json, pathlib, pickle, sys
reads = collections.Counter()
real = pathlib.Path.read_bytes
def counting(self):
    reads[str(self)] += 1
    return real(self)
pathlib.Path.read_bytes = counting
from petgov.pipeline import scan
from petgov.util.shipped import shipped_dir
report = scan([sys.argv[1]])
rules = str(shipped_dir("rules"))
print(json.dumps({"rules": report.policy.packs[0]["rules"],
                  "ids": sorted({d.finding.rule_id for d in report.decisions}),
                  "reads": {k: v for k, v in reads.items() if k.startswith(rules)}}))
"""


def test_a_scan_reads_each_builtin_rule_file_once(tmp_path: Path) -> None:
    import pickle

    target = tmp_path / "tiny.pkl"
    target.write_bytes(pickle.dumps({"a": 1}))
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(target)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["ids"] == ["PG-PROV-001"]  # the catalog was consulted: a finding was built
    assert out["rules"] > 60  # and the pack loaded
    assert len(out["reads"]) >= out["rules"]
    assert set(out["reads"].values()) == {1}


def test_the_builtin_pack_equals_a_copy_of_its_folder(tmp_path: Path) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(builtin_pack_dir(), copy)
    builtin, copied = load_pack(builtin_pack_dir()), load_pack(copy)
    assert [(r.id, r.title, r.severity, r.when) for r in builtin.rules] == [
        (r.id, r.title, r.severity, r.when) for r in copied.rules
    ]
    assert (builtin.name, builtin.version) == (copied.name, copied.version)


def test_the_size_limit_holds_for_the_builtin_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "pack"
    shutil.copytree(builtin_pack_dir(), copy)
    monkeypatch.setattr(packs, "MAX_RULE_BYTES", 64)
    with pytest.raises(PolicyError) as from_copy:
        load_pack(copy)
    with pytest.raises(PolicyError) as from_builtin:
        load_pack(builtin_pack_dir())
    assert str(from_copy.value).replace(str(copy), "ROOT") == str(from_builtin.value).replace(
        str(builtin_pack_dir()), "ROOT"
    )
