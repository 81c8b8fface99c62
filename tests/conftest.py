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


@pytest.fixture
def pg_url():
    """A PostgreSQL URL with a schema of its own (xdist workers never share one), dropped afterwards."""
    import uuid

    import psycopg

    from pg import PG_BASE, require_postgres

    require_postgres()
    schema = f"crm_test_{uuid.uuid4().hex[:12]}"
    yield f"{PG_BASE}?schema={schema}"
    with psycopg.connect(PG_BASE, autocommit=True) as con:
        con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


@pytest.fixture(scope="session")
def spark():
    """One local SparkSession for the whole run (Spark tests: @pytest.mark.xdist_group("spark"))."""
    import os
    import sys

    pytest.importorskip("pyspark")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this interpreter and its crmtool
    from pyspark.sql import SparkSession

    session = (SparkSession.builder.master("local[2]").config("spark.sql.shuffle.partitions", "4")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
    yield session
    session.stop()
