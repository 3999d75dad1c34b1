"""Argument conversion without pydantic on the common path.

typer >= 0.29 converts every argument through a pydantic ``TypeAdapter`` built while argv is
parsed: importing pydantic and building ~20 adapters cost ~80 ms on every command. petgov's
parameters use a handful of plain types (str, Path, int, float, str enums, lists of them). A
well-formed value of those types is converted here with typer's own pydantic-free helpers;
anything else (a bad value, another type) goes to typer's converter, so its errors stay typer's.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args, get_origin

_INT = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_FLOAT = re.compile(r"[+-]?[0-9]{1,15}(\.[0-9]{1,15})?", re.ASCII)
_DEFER: tuple[bool, Any] = (False, None)


def install(command: Any) -> int:
    """Give every typer parameter of ``command`` (and its sub-commands) the plain converter.

    Returns how many parameters got it: 0 with a typer that converts without pydantic.
    """
    count = sum(_give(param) for param in getattr(command, "params", ()))
    made_help = getattr(command, "get_help_option", None)
    if made_help is not None:  # --help is made when first parsed, per command

        def get_help_option(ctx: Any) -> Any:
            option = made_help(ctx)
            if option is not None:
                _give(option)
            return option

        command.get_help_option = get_help_option
    for sub in getattr(command, "commands", {}).values():
        count += install(sub)
    return count


def _give(param: Any) -> bool:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or getattr(param, "_runtime_param", False) is not None:
        return False  # not typer's, or already converting
    plain = _plain_class()
    if plain is None:
        return False  # a typer whose internals moved: its own converter stays
    param._runtime_param = plain(
        parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
    )
    return True


@functools.cache
def _plain_class() -> type | None:
    try:  # typer's private module: a release that renames it must only cost speed, not work
        from typer._coercion import RuntimeParam, build_runtime_param, resolve_type_descriptor
    except ImportError:
        return None

    @dataclass(frozen=True)
    class PlainParam(RuntimeParam):
        """Converts the plain cases itself; builds typer's converter for the rest, once."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            done, converted = convert_plain(self.annotation, self.parameter_info, value, ctx)
            if done:
                return converted
            fallback = self.__dict__.get("_fallback")
            if fallback is None:
                descriptor = resolve_type_descriptor(self.annotation, self.parameter_info)
                fallback = build_runtime_param(descriptor)
                object.__setattr__(self, "_fallback", fallback)
            return fallback._coerce_value(value, param=param, ctx=ctx)

    return PlainParam


def convert_plain(annotation: Any, info: Any, value: Any, ctx: Any = None) -> tuple[bool, Any]:
    """``(True, converted)`` for a well-formed plain value; ``(False, None)`` to defer to typer."""
    if getattr(info, "parser", None) is not None or getattr(info, "click_type", None) is not None:
        return _DEFER
    if getattr(ctx, "token_normalize_func", None) is not None:
        return _DEFER
    if get_origin(annotation) is list:
        (element,) = get_args(annotation)
        if not isinstance(value, list | tuple):
            return _DEFER
        out = []
        for item in value:
            done, converted = _leaf(element, info, item)
            if not done:
                return _DEFER
            out.append(converted)
        return True, out
    return _leaf(annotation, info, value)


def _leaf(annotation: Any, info: Any, value: Any) -> tuple[bool, Any]:
    if annotation is bool:
        return (True, value) if type(value) is bool else _DEFER
    if annotation is str:
        return (True, value) if type(value) is str else _DEFER
    if annotation is Path:
        return _path(info, value)
    if annotation is int or annotation is float:
        return _number(annotation, info, value)
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return _choice(annotation, info, value)
    return _DEFER


def _path(info: Any, value: Any) -> tuple[bool, Any]:
    from typer._param_types import coerce_cli_path

    if not isinstance(value, str | Path) or value == "" or info.path_type not in (None, Path):
        return _DEFER
    try:  # with a Path in hand typer's path checks need no pydantic
        return True, coerce_cli_path(Path(value), info, path_type=Path)
    except Exception:  # its errors are raised again, with the parameter's name, by typer
        return _DEFER


def _number(kind: type, info: Any, value: Any) -> tuple[bool, Any]:
    if info.clamp:
        return _DEFER
    if type(value) is str:
        pattern = _INT if kind is int else _FLOAT
        if not pattern.fullmatch(value):
            return _DEFER
        number = kind(value)
    elif type(value) is kind:
        number = value
    else:
        return _DEFER
    if (info.min is not None and number < info.min) or (info.max is not None and number > info.max):
        return _DEFER  # typer words the range error
    return True, number


def _choice(annotation: type[enum.Enum], info: Any, value: Any) -> tuple[bool, Any]:
    if isinstance(value, annotation):
        return True, value
    if type(value) is not str:
        return _DEFER
    wanted = value if info.case_sensitive else value.casefold()
    for member in annotation:
        text = str(member.value)
        if (text if info.case_sensitive else text.casefold()) == wanted:
            return True, member
    return _DEFER
