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


SPARK_TEST_CONF = {"spark.sql.shuffle.partitions": "4", "spark.default.parallelism": "2", "spark.ui.enabled": "false",
                   "spark.driver.memory": "1g", "spark.sql.adaptive.coalescePartitions.enabled": "true"}


@pytest.fixture(scope="session")
def spark():
    """One SparkSession (local[2], small settings) for the whole run, built by crmtool's own session
    function. Spark tests carry @pytest.mark.xdist_group("spark") and scripts/test.sh runs
    `--dist loadgroup`, so one xdist worker starts the JVM. Skipped without pyspark or Java (failed
    instead with CRMTOOL_REQUIRE_SPARK=1)."""
    import os

    from crmtool.engine import spark_session
    from crmtool.errors import ConfigError

    try:
        session = spark_session("local[2]", app_name="crmtool-tests", conf=SPARK_TEST_CONF)
    except ConfigError as exc:
        if os.environ.get("CRMTOOL_REQUIRE_SPARK") == "1":
            pytest.fail(f"{exc} (CRMTOOL_REQUIRE_SPARK=1)")
        pytest.skip(str(exc))
    yield session
    session.stop()
