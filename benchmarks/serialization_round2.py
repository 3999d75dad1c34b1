"""Issue 23's side-by-side count: malicious files caught at high or above, benign files flagged.

The malicious set is the bypass classes the tests build (hand-assembled pickles, legacy torch
tars, containers, and round 2b: XGBoost/LightGBM native files, skops schemas, llamafiles, TFLite
custom ops, flax msgpack leaves: tests/scanners/serial_cases.py); the benign set is what the
real libraries write (tests/scanners/ml_artifacts.py). Totals are printed per class too.
Serialization and loaded-code findings (kinds ``ser.*``, ``remote_code.*``) count.
The files are built by this checkout and judged by the checkout given with ``--petgov`` (default:
this one), so two revisions are compared on the same bytes:

    python benchmarks/serialization_round2.py --petgov /path/to/other/checkout

Prints one line per file that is missed or flagged, then the two totals.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests.scanners.ml_artifacts import WRITERS  # noqa: E402
from tests.scanners.serial_cases import malicious_files  # noqa: E402

_JUDGE = """
import json, sys
from petgov.pipeline import ScanOptions, scan
out = {}
for path in sys.argv[1:]:
    report = scan([path], ScanOptions())
    kinds = ("ser.", "remote_code.")
    ser = [d.finding for d in report.decisions if d.finding.kind.startswith(kinds)]
    top = max(ser, key=lambda f: f.severity, default=None)
    out[path] = [top.severity.value, f"{top.rule_id} {top.message[:90]}"] if top else ["info", "-"]
print(json.dumps(out))
"""


def _judge(checkout: Path, paths: list[Path]) -> dict[str, tuple[str, str]]:
    env_path = str(checkout)
    res = subprocess.run(
        [sys.executable, "-c", _JUDGE, *map(str, paths)],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin", "KERAS_BACKEND": "torch"},
        cwd=checkout,
    )
    return {k: (v[0], v[1]) for k, v in json.loads(res.stdout.splitlines()[-1]).items()}


# Technique classes by file name or folder (issue 23 items 2b: native GBDT files, skops,
# llamafile, TFLite custom ops, flax msgpack; the rest from the first round).
_CLASSES = (
    ("gbdt", "xgboost/lightgbm native"),
    ("skops", "skops schema"),
    ("llamafile", "llamafile"),
    ("tflite", "tflite custom op"),
    ("flax", "flax msgpack"),
    ("legacy_tar", "torch legacy tar"),
    ("nemo", "nemo/hydra"),
    (".mar", "torchserve .mar"),
    ("keras", "keras"),
    ("gguf", "gguf header"),
    ("safetensors", "safetensors header"),
    ("onnx", "onnx external data"),
    ("ts/", "torchscript code"),
)


def _klass(path: Path) -> str:
    text = f"{path.parent.name}/{path.name}"
    return next((label for key, label in _CLASSES if key in text), "pickle gadget")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--petgov", type=Path, default=HERE, help="checkout whose petgov judges")
    args = parser.parse_args()
    from petgov.model import Severity

    with tempfile.TemporaryDirectory() as tmp:
        bad_dir, good_dir = Path(tmp, "bad"), Path(tmp, "good")
        bad_dir.mkdir()
        good_dir.mkdir()
        bad = malicious_files(bad_dir)
        good = [good_dir / n for write in WRITERS.values() for n in write(good_dir)]
        verdicts = _judge(args.petgov.resolve(), bad + good)
        caught = flagged = 0
        by_class: dict[str, list[int]] = {}
        for p in bad:
            sev, why = Severity(verdicts[str(p)][0]), verdicts[str(p)][1]
            caught += sev >= Severity.HIGH
            tally = by_class.setdefault(_klass(p), [0, 0])
            tally[0] += sev >= Severity.HIGH
            tally[1] += 1
            if sev < Severity.HIGH:
                print(f"missed  {p.name}: {sev.value} {why}")
        for p in good:
            sev, why = Severity(verdicts[str(p)][0]), verdicts[str(p)][1]
            flagged += sev >= Severity.MEDIUM
            if sev >= Severity.MEDIUM:
                print(f"flagged {p.name}: {sev.value} {why}")
        for klass, (hit, total) in sorted(by_class.items()):
            print(f"  {klass:<26} {hit}/{total}")
        print(f"malicious caught (>= high): {caught}/{len(bad)}")
        print(f"benign flagged (>= medium): {flagged}/{len(good)}")


if __name__ == "__main__":
    main()
