"""The petgov command line: one app, one error boundary, one table of exit codes.

Command modules register themselves in ``COMMANDS``; each is imported only to build the app,
and imports its heavy engines inside the command function.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from petgov.errors import PetgovError
from petgov.exitcodes import ExitCode

if TYPE_CHECKING:
    import typer

# Command modules, imported lazily; each exposes register(app).
COMMANDS: tuple[str, ...] = (
    "petgov.cli.scan",
    "petgov.cli.info",
    "petgov.cli.cleanroom",
    "petgov.cli.sign",
    "petgov.cli.verify",
    "petgov.cli.lock",
    "petgov.cli.attest",
    "petgov.cli.rules",
    "petgov.cli.db",
    "petgov.cli.cache",
    "petgov.cli.bom",
    "petgov.cli.shadow",
    "petgov.cli.diff",
    "petgov.cli.redact",
)

_state = {"debug": False}


def _loaded_cli() -> tuple[Any, Any]:
    """typer and click when this process imported them (not on the fast scan path)."""
    return sys.modules.get("typer"), sys.modules.get("click")


# typer >= 0.29 vendors click: its usage errors, Exit and Abort are not click's classes. With
# neither imported (the fast scan path) nothing raised can be one of theirs: empty tuples.
def _usage_errors() -> tuple[type[BaseException], ...]:
    typer_mod, click_mod = _loaded_cli()
    found = (getattr(typer_mod, "TyperException", None), getattr(click_mod, "ClickException", None))
    return tuple(c for c in found if c is not None)


def _exits() -> tuple[type[BaseException], ...]:
    typer_mod, click_mod = _loaded_cli()
    found = (getattr(typer_mod, "Exit", None), getattr(click_mod, "exceptions", None))
    return tuple(c for c in (found[0], getattr(found[1], "Exit", None)) if c is not None)


def _aborts() -> tuple[type[BaseException], ...]:
    typer_mod, click_mod = _loaded_cli()
    found = (getattr(typer_mod, "Abort", None), getattr(click_mod, "exceptions", None))
    return tuple(c for c in (found[0], getattr(found[1], "Abort", None)) if c is not None)


def _print_version(value: bool) -> None:
    if value:
        import typer

        import petgov

        typer.echo(f"petgov {petgov.__version__}")
        raise typer.Exit(ExitCode.OK)


def _root_callback() -> Any:
    import typer

    def _root(
        debug: bool = typer.Option(
            False, "--debug", help="Show tracebacks for errors (also accepted after the command)."
        ),
        version: bool = typer.Option(
            False,
            "--version",
            is_eager=True,
            callback=_print_version,
            help="Print petgov's version and exit.",
        ),
    ) -> None:
        """AI supply-chain security and privacy governance.

        Exit codes: 0 pass (or advisory findings only), 1 a policy gate failed,
        2 usage or input error.
        """
        _state["debug"] = debug

    return _root


# Commands run often (or timed against other tools): `petgov CMD ...` builds only CMD's module.
SOLE_MODULE = {"scan": "petgov.cli.scan", "attest": "petgov.cli.attest"}


def build_app(modules: Sequence[str] = COMMANDS) -> typer.Typer:
    """Assemble the typer app from command modules (all of them unless told)."""
    import typer

    app = typer.Typer(
        name="petgov",
        callback=_root_callback(),
        no_args_is_help=True,
        add_completion=True,  # --install-completion / --show-completion (bash, zsh, fish)
        pretty_exceptions_enable=False,
        rich_markup_mode=None,  # plain click help: rich's markdown stack costs ~90 ms per start
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    for module in modules:
        importlib.import_module(module).register(app)
    return app


def build_command(args: Sequence[str] = ()) -> Any:
    """The click command tree of the app (typer 0.29 vendors click: typed Any), converting
    arguments without pydantic. For `petgov scan ...` and the like only that command is built:
    importing and converting the other ten command modules cost ~30 ms per run."""
    import typer

    from petgov.cli import convert
    from petgov.cli.helptext import plain_arguments

    command = typer.main.get_command(build_app(_modules_for(args)))
    convert.install(command)
    plain_arguments(command)  # TARGETS..., [PACK] and whole summaries in --help (D-m2)
    return command


def _modules_for(args: Sequence[str]) -> Sequence[str]:
    """The command modules that ``petgov ARGS`` needs (every one for help or completion)."""
    if any(name.startswith("_PETGOV_COMPLETE") for name in os.environ):
        return COMMANDS
    name = next((a for a in args if not a.startswith("-")), None)
    sole = SOLE_MODULE.get(name or "")
    return COMMANDS if sole is None else (sole,)


def error_line(message: str) -> None:
    """Print one red error line on stderr."""
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {message}", markup=True
    )


def run(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the app, map every outcome to an exit code, never a bare traceback."""
    import gc

    # The process's own start (the console script, python -m petgov; not a caller's run(args)):
    # its imports make modules, classes and functions that live as long as the process, in
    # which the cyclic GC would look for garbage ~20 times (~3 ms) and never find any.
    collecting = argv is None and gc.isenabled()
    if collecting:
        gc.disable()
    try:
        args = list(sys.argv[1:] if argv is None else argv)
        args, debug = _take_debug(args)
        fast = quick = None
        scanning = "scan" in args[:2]
        if not scanning or args[-1] in ("--help", "-h"):
            from petgov.cli.quickhelp import reply

            quick = reply(args)  # help and --version are fixed text: no typer (~90 ms)
        hashing = scanning and quick is None
        if hashing:  # large files' digests run while petgov loads (first: nothing waits on them)
            from petgov.inventory import early

            early.start_from_argv(args)
        from petgov.util import dataclass_code

        dataclass_code.install()  # ~30 ms of every start: petgov's dataclass methods, compiled
        if hashing:  # a plain `petgov scan ...` runs without typer/click (~60 ms)
            from petgov.cli.fastscan import scan_arguments

            fast = scan_arguments(args)
            early.settle(fast)
        if fast is not None:
            import petgov.pipeline  # noqa: F401 - the scan's first import, made in this window
    finally:
        if collecting:  # kept out of every later collection, which then sees only new objects
            gc.freeze()
            gc.enable()
    try:
        if fast is not None:
            from petgov.cli import scanrun

            _state["debug"] = debug
            result: Any = scanrun.run(**fast)
        elif quick is not None:
            text, to_stderr = quick
            (sys.stderr if to_stderr else sys.stdout).write(text)
            result = ExitCode.USAGE_OR_INPUT if to_stderr else ExitCode.OK
        else:
            command = build_command(args)
            result = command.main(args=args, prog_name="petgov", standalone_mode=False)
        code = int(result) if isinstance(result, int) else ExitCode.OK
    except PetgovError as exc:
        if debug:
            traceback.print_exc()
        error_line(_escape(exc.one_line()))
        code = ExitCode.USAGE_OR_INPUT
    except _exits() as exc:  # evaluated when an exception is matched
        code = int(getattr(exc, "exit_code", ExitCode.OK))
    except _usage_errors() as exc:
        if debug:
            traceback.print_exc()
        message = str(getattr(exc, "format_message", exc.__str__)())
        if type(exc).__name__ == "NoArgsIsHelpError":  # bare `petgov` or a bare group: help
            print(message, file=sys.stderr)
        else:
            error_line(_escape(message) + " (hint: run with --help)")
        code = ExitCode.USAGE_OR_INPUT
    except _aborts():
        error_line("aborted")
        code = ExitCode.USAGE_OR_INPUT
    except KeyboardInterrupt:
        error_line("interrupted")
        code = ExitCode.USAGE_OR_INPUT
    except Exception as exc:  # a bug: one line, after the traceback under --debug
        if debug:
            traceback.print_exc()
        error_line(
            _escape(f"internal error: {type(exc).__name__}: {exc}")
            + " (hint: re-run with --debug and report the traceback)"
        )
        code = ExitCode.USAGE_OR_INPUT
    if hashing:
        early.cancel_all()  # what no scan adopted (an error came first): never waited for
    sys.exit(code)


def _take_debug(args: list[str]) -> tuple[list[str], bool]:
    """``--debug`` anywhere before ``--`` (people put it after the command): moved to the front,
    where the root option lives, so it never becomes 'No such option'."""
    end = args.index("--") if "--" in args else len(args)
    if "--debug" not in args[:end]:
        return args, False
    rest = [a for a in args[:end] if a != "--debug"] + args[end:]
    return ["--debug", *rest], True


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)
