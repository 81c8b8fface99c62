"""Errors a user can act on. Each carries its exit code; the CLI prints the message as one line."""

from __future__ import annotations

from crmtool.exitcodes import ExitCode


class CrmtoolError(Exception):
    """Base class: `str(err)` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.USAGE


class ConfigError(CrmtoolError):
    exit_code = ExitCode.USAGE


class InputError(CrmtoolError):
    """A source file could not be read: names the file and what is wrong with it."""

    exit_code = ExitCode.INPUT_UNREADABLE

    def __init__(self, path: object, problem: str):
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{self.path}: {problem}")


class GateFailed(CrmtoolError):
    exit_code = ExitCode.GATE_FAILED


class TargetError(CrmtoolError):
    exit_code = ExitCode.TARGET_FAILED
