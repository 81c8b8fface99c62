"""The Spark engine: the same SQL (translated by crmtool.engine.dialect) on a SparkSession.

pyspark is an optional extra (`pip install 'crmtool[spark]'`) imported only here, when Spark is chosen.
A local or standalone master needs Java (17 or 21) on this machine; a Spark Connect URL (`sc://host`)
does not (the JVM is the server's). Either missing is a ConfigError: one line, exit 2.

Results come back through Arrow (`spark.sql.execution.arrow.pyspark.enabled`, `DataFrame.toArrow()`);
the session's time zone is UTC, so that timestamps compare as DuckDB compares them.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from crmtool.engine.base import ArrowFunction
from crmtool.engine.dialect import to_spark
from crmtool.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

POSTGRES_JDBC_JAR = Path("/usr/share/java/postgresql.jar")  # Debian's libpostgresql-jdbc-java
SPARK_TYPES = {"VARCHAR": "string", "BOOLEAN": "boolean", "BIGINT": "bigint", "INTEGER": "int", "DOUBLE": "double"}
MASTER_FORMS = ("local", "local[N]", "local[*]", "spark://HOST:7077", "sc://HOST", "yarn", "k8s://URL")


def master_problem(master: str) -> str | None:
    """What is wrong with a Spark master URL, or None."""
    import re

    if re.fullmatch(r"local(\[(\*|[1-9][0-9]*)\])?|yarn", master) or re.match(r"(spark|sc|k8s)://.", master):
        return None
    return f"Spark master {master!r}: should be one of {', '.join(MASTER_FORMS)}"


def check_master(master: str) -> str:
    """The master URL, or a ConfigError naming the accepted forms."""
    problem = master_problem(master)
    if problem:
        raise ConfigError(problem)
    return master


def java_problem() -> str | None:
    """Why a local JVM cannot start (no java on PATH and none under JAVA_HOME), or None."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return None
    if shutil.which("java"):
        return None
    return ("the Spark engine needs Java 17 or 21: no java on PATH" + (f" nor in JAVA_HOME={home}" if home else "")
            + " (install a JDK, or use a Spark Connect server: --spark-master sc://HOST)")


def spark_session(master: str = "local[*]", *, app_name: str = "crmtool", conf: dict[str, str] | None = None):
    """A SparkSession for crmtool's SQL (getOrCreate: one per process). Local masters get small
    defaults fit for one machine (shuffle partitions = 2 × cores, no UI); `conf` overrides any."""
    return _session(master, app_name, conf)[0]


def _session(master: str, app_name: str, conf: dict[str, str] | None):
    """(session, whether this call started it: a session running already is shared, not replaced)."""
    check_master(master)
    try:
        with warnings.catch_warnings():  # pyspark warns about pandas 3 at import; crmtool's use is tested
            warnings.simplefilter("ignore", FutureWarning)
            from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(f"the Spark engine needs pyspark ({exc}): pip install 'crmtool[spark]'") from None
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    remote = master.startswith("sc://")
    if not remote:
        problem = java_problem()
        if problem:
            raise ConfigError(problem)
    settings = {"spark.sql.execution.arrow.pyspark.enabled": "true", "spark.sql.session.timeZone": "UTC",
                "spark.sql.ansi.enabled": "false"}
    if master.startswith("local"):
        settings.update({"spark.ui.enabled": "false", "spark.ui.showConsoleProgress": "false",
                         "spark.sql.shuffle.partitions": str(2 * (os.cpu_count() or 1))})
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the workers run this interpreter and its crmtool
    if not remote and POSTGRES_JDBC_JAR.is_file():
        settings["spark.jars"] = str(POSTGRES_JDBC_JAR)
    settings.update(conf or {})
    builder = SparkSession.builder.appName(app_name)
    builder = builder.remote(master) if remote else builder.master(master)
    for key, value in settings.items():
        builder = builder.config(key, value)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - a JVM or connection failure at start, in one line
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ConfigError(f"cannot start Spark (master {master}): {first}") from None
    if not remote:
        session.sparkContext.setLogLevel("ERROR")
    return session, True


class SparkEngine:
    """crmtool's SQL on a SparkSession. A session passed in (or running already in this process) is
    shared and left running by close(); one the engine started (from `master`) is stopped by it."""

    kind = "spark"

    def __init__(self, session=None, *, master: str = "local[*]", conf: dict[str, str] | None = None):
        self._owned = False
        if session is None:
            session, self._owned = _session(master, "crmtool", conf)
        self.session = session
        self._views: set[str] = set()

    def register(self, name: str, table: pd.DataFrame | pa.Table) -> None:
        """A temporary view of the rows (copied into Spark through Arrow)."""
        import pyarrow as pa

        if not isinstance(table, pa.Table):
            table = pa.Table.from_pandas(table, preserve_index=False)
        self.register_frame(name, self.session.createDataFrame(table))

    def register_frame(self, name: str, frame) -> None:
        """A Spark DataFrame (read from Parquet, JDBC, …) as a temporary view."""
        frame.createOrReplaceTempView(name)
        self._views.add(name)

    def read_parquet(self, name: str, path: str | Path) -> None:
        self.register_frame(name, self.session.read.parquet(str(path)))

    def unregister(self, name: str) -> None:
        self.session.catalog.dropTempView(name)
        self._views.discard(name)

    def frame(self, query: str, params: list | None = None):
        """The Spark DataFrame of one DuckDB-dialect query (lazy)."""
        return self.session.sql(to_spark(query), args=params or None)

    def sql(self, query: str, params: list | None = None) -> pa.Table:
        return self.frame(query, params).toArrow()

    def execute(self, query: str, params: list | None = None) -> None:
        self.frame(query, params).collect()

    def batches(self, query: str, rows: int) -> Iterator[pa.RecordBatch]:
        """Streamed a partition at a time, as Arrow all the way: each executor packs its partition's
        Arrow batches into IPC streams (one binary cell per `rows` rows, `mapInArrow`), the driver
        fetches one partition at a time (toLocalIterator) and reads them back, so it never holds the
        whole result and no row becomes a Python object. Batches have `rows` rows, the last fewer."""
        frame = self.frame(query)
        packed = frame.mapInArrow(partial(_pack_ipc, rows=rows), "ipc binary")
        unpacked = (batch for row in packed.toLocalIterator(prefetchPartitions=True) for batch in _unpack_ipc(row.ipc))
        yield from rebatch(unpacked, rows)

    def register_function(self, name: str, function: ArrowFunction, arguments: list[str], returns: str) -> str:
        """A Spark Arrow UDF (pyspark ≥ 4.1): the executors call `function` once per Arrow batch. The
        function is pickled by reference, so the executors need crmtool installed (docs/engines.md)."""
        from pyspark.sql.functions import arrow_udf

        def call(*columns):
            return function(*columns)

        self.session.udf.register(name, arrow_udf(call, SPARK_TYPES[returns.upper()]))
        return name

    def close(self) -> None:
        for name in list(self._views):
            self.unregister(name)
        if self._owned:
            self.session.stop()

    def __enter__(self) -> SparkEngine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _pack_ipc(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """On an executor: a partition's batches as IPC streams of about `rows` rows, one per output row."""
    pending, count = [], 0
    for batch in batches:
        pending.append(batch)
        count += batch.num_rows
        if count >= rows:
            yield _ipc_cell(pending)
            pending, count = [], 0
    if count:
        yield _ipc_cell(pending)


def _ipc_cell(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    import pyarrow as pa

    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batches[0].schema) as writer:
        for batch in batches:
            writer.write_batch(batch)
    return pa.RecordBatch.from_arrays([pa.array([sink.getvalue().to_pybytes()], pa.binary())], names=["ipc"])


def _unpack_ipc(cell: bytes) -> Iterator[pa.RecordBatch]:
    import pyarrow as pa

    with pa.ipc.open_stream(cell) as reader:
        yield from reader


def rebatch(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """The same rows in batches of exactly `rows` (the last fewer): slices are zero-copy, a batch made
    of several is concatenated once."""
    import pyarrow as pa

    pending, count = [], 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count == rows:
                yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)
                pending, count = [], 0
    if count:
        yield pending[0] if len(pending) == 1 else pa.concat_batches(pending)
