"""The local PostgreSQL server the store tests run against (127.0.0.1:5432, trust auth, database test)."""

from __future__ import annotations

import pytest

PG_BASE = "postgresql://postgres@127.0.0.1:5432/test"


def require_postgres() -> None:
    """Skip (with the reason) when the local PostgreSQL server does not answer; under CI, where
    CRMTOOL_REQUIRE_POSTGRES=1 (.ci/run), fail instead: those tests must run there."""
    import os

    import psycopg

    try:
        with psycopg.connect(PG_BASE + "?connect_timeout=3") as con:
            con.execute("SELECT 1")
    except psycopg.Error as exc:
        message = f"PostgreSQL on 127.0.0.1:5432 (database test) is not reachable: {' '.join(str(exc).split())}"
        if os.environ.get("CRMTOOL_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (CRMTOOL_REQUIRE_POSTGRES=1)")
        pytest.skip(message)
