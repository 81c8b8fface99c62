"""The --engine and --spark-master options, shared by the commands that do set work (docs/engines.md)."""

from __future__ import annotations

from enum import Enum

import typer


class EngineKind(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


ENGINE_HELP = "Where the set work runs: duckdb (in-process, the default) or spark (pip install 'crmtool[spark]'; docs/engines.md)."
MASTER_HELP = 'Spark master: local[*] (default), local[N], spark://HOST:7077, sc://HOST (Spark Connect), yarn.'


def engine_option() -> EngineKind | None:
    return typer.Option(None, "--engine", help=ENGINE_HELP, case_sensitive=False)


def master_option() -> str | None:
    return typer.Option(None, "--spark-master", metavar="URL", help=MASTER_HELP)
