"""The command line: parse options, call one library function, render, exit with a code.

Command modules register themselves (crmtool/commands/*.py, each with `register(app)`); they import
pandas, drivers and the like inside the command functions, so `crmtool --help` stays fast.
"""

from __future__ import annotations

import importlib
import sys

import typer

from crmtool import __version__
from crmtool.exitcodes import ExitCode

COMMAND_MODULES = ["backup", "read", "profile", "cleanse", "synth", "dedupe", "dedupe_rules", "match", "serve", "review", "run", "mapping", "init", "scan", "verify", "targets", "rollback", "runs", "mask", "audit"]

app = typer.Typer(
    name="crmtool",
    help="Move customer data from Excel workbooks and legacy exports into a CRM: clean, deduplicated, verified.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state = {"debug": False}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"crmtool {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    debug: bool = typer.Option(False, "--debug", help="Show full tracebacks (accepted anywhere on the line)."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
) -> None:
    if debug:
        _state["debug"] = True


for _name in COMMAND_MODULES:
    importlib.import_module(f"crmtool.commands.{_name}").register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point. Known errors become one line and their exit code; tracebacks only with --debug."""
    args = list(sys.argv[1:] if argv is None else argv)
    from crmtool.commands.auditing import set_command_line

    set_command_line(args)  # what an audited command records, its secrets redacted (docs/audit.md)
    _state["debug"] = "--debug" in args
    if _state["debug"]:
        args.remove("--debug")
    try:
        result = app(args=args, prog_name="crmtool", standalone_mode=False)
        code = int(result) if isinstance(result, int) else ExitCode.OK
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        code = ExitCode.USAGE
    except KeyboardInterrupt:
        from crmtool.console import error_line

        error_line("interrupted")
        code = ExitCode.USAGE
    except Exception as exc:  # noqa: BLE001 - the one place that turns errors into exit codes
        code = _usage_error(exc) if _is_usage_error(exc) else _report(exc)
    if argv is None:
        sys.exit(code)
    return code


def _is_usage_error(exc: Exception) -> bool:
    """The option parser's own errors (bad option, missing argument) know how to show themselves."""
    return callable(getattr(exc, "show", None)) and hasattr(exc, "exit_code") and type(exc).__module__.startswith(("typer", "click"))


def _usage_error(exc: Exception) -> int:
    exc.show()
    return ExitCode.USAGE


def _report(exc: Exception) -> int:
    from crmtool.console import err, error_line
    from crmtool.errors import CrmtoolError

    if _state["debug"]:
        err.print_exception(show_locals=False)
    if isinstance(exc, CrmtoolError):
        error_line(str(exc))
        return exc.exit_code
    error_line(f"internal error: {type(exc).__name__}: {exc} (run again with --debug for the traceback)")
    return ExitCode.INTERNAL
