"""Shared test helpers: run the real CLI entry point in-process and capture its streams."""

from __future__ import annotations

from dataclasses import dataclass

import pytest


@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(capsys):
    """Call crmtool.cli.main (the console script's function) with arguments; returns code and output."""
    from crmtool.cli import main

    def run(*args: object) -> CliResult:
        capsys.readouterr()
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return CliResult(int(code), captured.out, captured.err)

    return run
