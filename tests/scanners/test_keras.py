"""Keras configs in .keras zips and HDF5 files written here (zipfile, h5py); Keras never runs."""

from __future__ import annotations

import base64
import io
import json
import marshal
import zipfile
from pathlib import Path
from typing import Any

import h5py
import pytest

from petgov import filetypes as F
from petgov.formats.keras import read_h5_config, read_keras_zip
from petgov.model import Severity
from petgov.scanners.keras import KerasScanner
from tests.scanners.header_helpers import run_scanner


def layer(class_name: str, config: dict[str, Any], module: str = "keras.layers", **kw: Any) -> Any:
    return {"module": module, "class_name": class_name, "config": config, **kw}


def sequential(*layers: Any) -> dict[str, Any]:
    return {
        "module": "keras",
        "class_name": "Sequential",
        "config": {"name": "seq", "layers": list(layers)},
        "registered_name": None,
    }


DENSE = layer("Dense", {"name": "d", "units": 2, "activation": "relu"}, registered_name=None)


def keras_zip(config: Any, extra: dict[str, bytes] | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("config.json", config if isinstance(config, str) else json.dumps(config))
        zf.writestr("metadata.json", json.dumps({"keras_version": "3.5.0"}))
        zf.writestr("model.weights.h5", b"")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return buf.getvalue()


def h5(tmp_path: Path, model_config: Any, as_bytes: bool = False) -> Path:
    path = tmp_path / "model.h5"
    with h5py.File(path, "w") as f:
        if model_config is not None:
            text = model_config if isinstance(model_config, str) else json.dumps(model_config)
            f.attrs["model_config"] = text.encode() if as_bytes else text
            f.attrs["keras_version"] = "2.15.0"
        f.create_dataset("w", data=[1.0, 2.0])
    return path


def scan(data: bytes | Path, fmt: str = F.KERAS_ZIP) -> list[tuple[str, Severity, str]]:
    result = run_scanner(KerasScanner(), "m", fmt, data)
    assert "keras" in {c.engine for c in result.coverage}
    return [
        (f.rule_id, f.severity, str(f.evidence.get("name") or f.evidence.get("problem")))
        for f in result.findings
    ]


def marshalled() -> str:
    code = compile("lambda x: x * 2", "<test>", "eval")  # compiled here, never run
    return base64.b64encode(marshal.dumps(code)).decode()


def test_plain_models_are_clean(tmp_path: Path) -> None:
    cfg = sequential(layer("InputLayer", {"batch_shape": [None, 4]}), DENSE)
    parsed = read_keras_zip(io.BytesIO(keras_zip(cfg)))
    assert parsed.keras_version == "3.5.0" and "model.weights.h5" in parsed.members
    assert ("config.class_name", "Sequential") in list(parsed.strings())
    assert scan(keras_zip(cfg)) == []
    assert scan(h5(tmp_path, cfg), F.HDF5) == []


def test_hdf5_without_model_config_is_weights_only(tmp_path: Path) -> None:
    path = h5(tmp_path, None)
    with open(path, "rb") as fh:
        assert read_h5_config(fh) is None
    result = run_scanner(KerasScanner(), "w.h5", F.HDF5, path)
    assert result.findings == [] and "without a Keras model_config" in result.coverage[0].reason


@pytest.mark.parametrize(
    ("function", "severity"),
    [
        (
            {"class_name": "__lambda__", "config": {"code": marshalled(), "defaults": None}},
            "critical",
        ),
        ([marshalled(), None, None], "critical"),
        ("lambda x: __import__('os').system('id')", "critical"),
        ("lambda x: x + 1", "high"),
        ({"module": "keras.ops", "class_name": "function", "config": "relu"}, "high"),
    ],
)
def test_lambda_layers(tmp_path: Path, function: Any, severity: str) -> None:
    cfg = sequential(DENSE, layer("Lambda", {"name": "l", "function": function}))
    expected = Severity.parse(severity)
    for data, fmt in ((keras_zip(cfg), F.KERAS_ZIP), (h5(tmp_path, cfg, as_bytes=True), F.HDF5)):
        found = scan(data, fmt)
        assert found and found[0][0] == "PG-SER-331" and found[0][1] is expected, found


@pytest.mark.parametrize(
    ("obj", "rule", "severity"),
    [
        (layer("function", "system", module="os"), "PG-SER-332", Severity.CRITICAL),
        (layer("Popen", {}, module="subprocess"), "PG-SER-332", Severity.CRITICAL),
        (layer("Evil", {}, module="my_pkg.layers"), "PG-SER-332", Severity.HIGH),
        (
            layer("function", "enable_unsafe_deserialization", module="keras.config"),
            "PG-SER-332",
            Severity.CRITICAL,
        ),
        (
            layer("function", "keras.utils.get_file", module="keras.utils"),
            "PG-SER-332",
            Severity.HIGH,
        ),
        (
            layer("MyLayer", {}, module=None, registered_name="acme>MyLayer"),
            "PG-SER-333",
            Severity.MEDIUM,
        ),
    ],
)
def test_modules_and_custom_objects(obj: Any, rule: str, severity: Severity) -> None:
    nested = layer("Dense", {"units": 2, "kernel_initializer": obj})  # found however deep
    found = scan(keras_zip(sequential(nested)))
    assert [(r, s) for r, s, _ in found] == [(rule, severity)]


def test_keras_namespaces_are_not_flagged() -> None:
    objs = [
        layer("GlorotUniform", {}, module="keras.initializers", registered_name=None),
        layer("Gemma", {}, module="keras_hub.src.models", registered_name="keras_hub>Gemma"),
        layer("function", "relu", module="keras.activations"),
    ]
    assert scan(keras_zip(sequential(*objs))) == []


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"PK\x03\x04 not really a zip", "bad_zip"),
        (keras_zip("{not json"), "bad_json"),
    ],
)
def test_damaged_zip_is_a_finding(data: bytes, code: str) -> None:
    assert scan(data) == [("PG-SER-334", Severity.MEDIUM, code)]


def test_zip_without_config() -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("metadata.json", "{}")
    assert scan(buf.getvalue()) == [("PG-SER-334", Severity.MEDIUM, "no_config")]


def test_damaged_hdf5_and_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 64)
    assert scan(bad, F.HDF5) == [("PG-SER-334", Severity.MEDIUM, "bad_hdf5")]
    assert scan(h5(tmp_path, "{oops"), F.HDF5) == [("PG-SER-334", Severity.MEDIUM, "bad_json")]


def test_hdf5_in_memory_member() -> None:
    buf = io.BytesIO()
    with h5py.File(buf, "w") as f:
        f.attrs["model_config"] = json.dumps(
            sequential(layer("Lambda", {"function": "lambda x: x"}))
        )
    assert scan(buf.getvalue(), F.HDF5)[0][:2] == ("PG-SER-331", Severity.HIGH)


def test_cli_blocks_lambda_keras(tmp_path: Path, cli: Any, validate_report: Any) -> None:
    cfg = sequential(layer("Lambda", {"function": [marshalled(), None, None]}))
    (tmp_path / "evil.keras").write_bytes(keras_zip(cfg))
    res = cli("scan", str(tmp_path), "--format", "json")
    doc = res.json()
    validate_report(doc)
    assert res.code == 1
    assert {f["rule_id"] for f in doc["findings"] if f["rule_id"].startswith("PG-SER")} == {
        "PG-SER-331"
    }


def test_large_weights_member_streamed_from_the_zip_is_read(tmp_path: Path) -> None:
    """Members over the inline size stream without seeking; h5py and zipfile still read them."""
    import numpy as np

    from petgov.pipeline import ScanOptions
    from petgov.pipeline import scan as scan_target
    from petgov.targets.archive import INLINE_MEMBER_BYTES

    weights = tmp_path / "w.h5"
    with h5py.File(weights, "w") as f:
        f.create_dataset("w", data=np.ones(INLINE_MEMBER_BYTES // 4 + 1024, dtype="float32"))
    target = tmp_path / "model.keras"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("config.json", json.dumps(sequential(DENSE)))
        zf.writestr("metadata.json", "{}")
        zf.write(weights, "model.weights.h5")
    weights.unlink()
    report = scan_target([str(target)], ScanOptions(scanners=["keras"]))
    assert [d.finding.message for d in report.decisions] == []
    member = [c for c in report.coverage if c.path.endswith("model.weights.h5")]
    assert [c.status.value for c in member] == ["scanned"], member
