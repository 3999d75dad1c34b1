"""The pydantic-free argument conversion gives exactly what typer's own converter gives.

Every parameter of every command gets a set of values (good, bad, edge); where the plain
converter takes the value it must agree with typer's pydantic converter, and a value it does not
take must still come out of `petgov` with typer's error.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
import typer
from typer._coercion import build_runtime_param, resolve_type_descriptor

from petgov.cli import convert
from petgov.cli.main import build_app, build_command, run


def _params(cmd: Any) -> Iterator[tuple[Any, Any]]:
    for param in cmd.params:
        yield cmd, param
    for sub in getattr(cmd, "commands", {}).values():
        yield from _params(sub)


PARAMS = list(_params(typer.main.get_command(build_app())))

TEXT = ["x", "", " 2", "2", "-1", "0", "1.0", "1.5", "1e3", "\uff11", "inf", "nan", "1_000", "+3"]


def _samples(annotation: Any, tmp: Path) -> list[Any]:
    leaf = get_args(annotation)[0] if get_origin(annotation) is list else annotation
    values: list[Any] = [*TEXT, str(tmp), str(tmp / "missing"), tmp, None, 3, 2.5, True]
    if isinstance(leaf, type) and issubclass(leaf, enum.Enum):
        for member in leaf:
            text = str(member.value)
            values += [member, text, text.upper(), text.title()]
    if get_origin(annotation) is list:
        return [[v] for v in values if v is not None] + [[], ["a", "b"], ("x",), "x"]
    return values


def _outcome(runtime: Any, value: Any, param: Any, ctx: Any) -> tuple[str, Any]:
    try:
        return "ok", runtime._coerce_value(value, param=param, ctx=ctx)
    except Exception as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def test_every_parameter_converts_like_typer(tmp_path: Path) -> None:
    compared = taken = 0
    for cmd, param in PARAMS:
        descriptor = param.type_descriptor
        ctx = cmd.make_context("petgov", [], resilient_parsing=True)
        reference = build_runtime_param(
            resolve_type_descriptor(descriptor.annotation, descriptor.parameter_info)
        )
        for value in _samples(descriptor.annotation, tmp_path):
            done, converted = convert.convert_plain(
                descriptor.annotation, descriptor.parameter_info, value, ctx
            )
            expected = _outcome(reference, value, param, ctx)
            compared += 1
            if done:
                taken += 1
                assert expected == ("ok", converted), (param.name, value)
                assert type(expected[1]) is type(converted), (param.name, value)
    assert compared > 1000
    assert taken > 200  # the plain path does carry the common values


def test_installed_on_every_parameter() -> None:
    command = build_command()
    params = [p for _, p in _params(command)]
    assert params
    assert all(type(p._runtime_param).__name__ == "PlainParam" for p in params)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["scan", "-f", "bogus", "x"], "'bogus' is not one of 'table', 'json'"),
        (["scan", "--max-depth", "-1", "x"], "greater than or equal to 0"),
        (["scan", "--timeout", "abc", "x"], "valid number"),
        (["scan", "--max-members", "\uff11", "x"], "valid integer"),
    ],
)
def test_bad_values_keep_typers_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as done:
        run(argv)
    assert done.value.code == 2
    assert message in capsys.readouterr().err


def test_a_typer_without_its_private_coercion_module_keeps_its_own_converter(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """typer._coercion is private: a release that moves it must cost speed, never a crash."""
    import sys
    import types

    convert._plain_class.cache_clear()
    try:
        with monkeypatch.context() as m:  # a typer._coercion without the names petgov borrows
            m.setitem(sys.modules, "typer._coercion", types.ModuleType("typer._coercion"))
            assert convert._plain_class() is None
        assert convert.install(typer.main.get_command(build_app())) == 0
        with pytest.raises(SystemExit) as done:
            config = tmp_path / "config.json"
            config.write_text('{"model_type": "bert"}')
            run(["scan", str(config), "-f", "json", "--severity", "low", "--no-cache"])
        assert done.value.code == 0
        assert '"findings"' in capsys.readouterr().out
    finally:
        convert._plain_class.cache_clear()
