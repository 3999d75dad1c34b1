"""Help text that reads like other command lines: ``petgov scan [OPTIONS] TARGETS...``.

Command lists show each docstring's whole first paragraph (click cut it at 45 characters, "...").
typer 0.29 prints a required argument as ``{targets}...`` in the usage line and its Python type
(``targets... <list[str]>``) in the Arguments list (D-m2). Users expect the POSIX convention:
upper-case names, ``[PACK]`` when optional, ``...`` when repeatable, and no type. Options that
take a plain string or number showed typer's type name (``--spark-master <str>``, ``--timeout
<float range>``); they are named after what the value is instead.
"""

from __future__ import annotations

from typing import Any


def plain_arguments(command: Any) -> None:
    """Give every positional argument of ``command`` and its subcommands a POSIX metavar, and
    every subcommand its whole summary."""
    stack = [command]
    while stack:
        cmd = stack.pop()
        stack.extend(getattr(cmd, "commands", {}).values())
        if cmd.short_help is None and cmd.help:
            cmd.short_help = " ".join(cmd.help.strip().split("\n\n")[0].split())
        for param in getattr(cmd, "params", []):
            kind = getattr(param, "param_type_name", "")
            if kind == "argument":
                _plain(param)
            elif kind == "option" and param.metavar is None:
                param.metavar = VALUE_NAMES.get(param.name)


# What the value of a str/int/float option is, by parameter name (a test keeps it complete).
VALUE_NAMES = {
    "nonce": "<hex>",
    "now": "<iso-time>",
    "artifact_sha256": "<hex>",
    "room_name": "<room>",
    "to": "<room>",
    "epsilon": "<epsilon>",
    "seed": "<n>",
    "rows": "<n>",
    "identity": "<email|uri>",
    "issuer": "<url>",
    "verify_identity": "<email|uri>",
    "verify_issuer": "<url>",
    "spark_master": "<url>",
    "max_depth": "<n>",
    "max_members": "<n>",
    "max_bytes": "<size>",
    "timeout": "<seconds>",
}


def _plain(param: Any) -> None:
    name = str(param.metavar or param.name).upper()
    if param.nargs != 1:
        name += "..."
    usage = name if param.required else f"[{name}]"
    param.metavar = name
    # Instance attributes shadow typer's methods: no braces in usage, no type in the list.
    param._usage_display_name = lambda: usage
    param.display_type_rich = lambda ctx: None
