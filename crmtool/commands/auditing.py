"""The audit of the commands that write a store or a run directory (docs/audit.md).

`@audited("run")` on a command function starts an audit record (crmtool.run.audit) when the command
starts and appends it when the command ends, however it ends: a return value, an exit, an error. The
command tells the record what it learns through `current()` (the run directory, the store, the inputs,
the counts). Writing the record never raises and never changes the exit code: what could not be
written is a warning. `cli.main` gives the command line (`set_command_line`), which the record keeps
with its secrets redacted.

crmtool.run is imported when an audited command runs, never at CLI start.
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING, Callable

from crmtool.exitcodes import ExitCode

if TYPE_CHECKING:
    from crmtool.run import AuditRecord

_command_line: list[str] | None = None
_records: list["AuditRecord"] = []


def set_command_line(args: list[str]) -> None:
    """The arguments crmtool was called with (after the program name)."""
    global _command_line
    _command_line = ["crmtool", *args]


def current() -> "AuditRecord":
    """The record of the audited command that is running."""
    if not _records:
        raise RuntimeError("no audited command is running")
    return _records[-1]


def audited(command: str) -> Callable:
    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            from crmtool.run import finish_audit, start_audit

            record = start_audit(command, _command_line or ["crmtool", *sys.argv[1:]])
            _records.append(record)
            code, error = ExitCode.OK, None
            try:
                result = function(*args, **kwargs)
                code = int(result) if isinstance(result, int) else ExitCode.OK
                return result
            except BaseException as exc:
                code, error = outcome_of(exc)
                raise
            finally:
                _records.remove(record)
                _finish(finish_audit, record, code, error)

        return wrapper

    return decorate


def _finish(finish_audit, record, code: int, error: str | None) -> None:
    try:
        warnings = finish_audit(record, code, error)
        if warnings:
            from crmtool.console import warn_line

            for warning in warnings:
                warn_line(warning)
    except Exception:  # noqa: BLE001 - nothing about the audit may replace the command's own outcome
        pass


def outcome_of(exc: BaseException) -> tuple[int, str | None]:
    """(exit code, error line) as cli.main turns the exception into them."""
    from crmtool.errors import CrmtoolError

    if isinstance(exc, CrmtoolError):
        return int(exc.exit_code), str(exc)
    if isinstance(exc, SystemExit):
        return (exc.code if isinstance(exc.code, int) else ExitCode.USAGE), None
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.USAGE, "interrupted"
    module = type(exc).__module__ or ""
    if module.startswith(("typer", "click")):
        if type(exc).__name__ == "Abort":
            return ExitCode.USAGE, "aborted"
        code = getattr(exc, "exit_code", ExitCode.USAGE)
        return int(code), (None if type(exc).__name__ == "Exit" else str(exc) or None)
    return ExitCode.INTERNAL, f"internal error: {type(exc).__name__}: {exc}"
