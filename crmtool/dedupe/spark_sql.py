"""The blocking SQL (blocking.py, written once in DuckDB's dialect) run on a SparkSession.

`SparkSQL` has the methods `blocking.block` calls on an engine (`register`, `unregister`, `execute`,
`sql`), so the Spark path runs the same function over the same rule statements. Statements are
translated by crmtool.engine.to_spark (sqlglot, plus where DuckDB's sense differs: 64-bit
`hash`, DISTINCT with QUALIFY, MATERIALIZED CTEs).

Temporary tables are Spark DataFrames held here, cached (computed at their first use, then kept):
`CREATE TEMP TABLE t AS SELECT`, `CREATE TEMP TABLE t (cols)` (empty), `INSERT INTO t SELECT` (appends a
part, computed at once and checkpointed: one job per rule, which never recomputes the rule's tables).
`DROP TABLE t` drops the name; the data is released by `close()`, since Spark evaluates lazily and a
table created from another may not have been computed yet.
"""

from __future__ import annotations

from crmtool.engine import to_spark, translate

_SPARK_TYPES = {"INTEGER": "int", "INT": "int", "TINYINT": "tinyint", "SMALLINT": "smallint", "BIGINT": "bigint",
                "BOOLEAN": "boolean", "VARCHAR": "string", "DOUBLE": "double"}


class SparkSQL:
    """The engine methods blocking.block uses, on a SparkSession; temporary tables as kept DataFrames."""

    def __init__(self, spark):
        self.spark = spark
        self.tables: dict[str, object] = {}
        self.dropped: list = []  # released by close(): a later statement's plan may still read them

    def register(self, name: str, table) -> None:
        """An Arrow table (or pandas DataFrame) as a temporary view (copied into Spark through Arrow)."""
        self._keep(name, self.spark.createDataFrame(table).cache())

    def unregister(self, name: str) -> None:
        self._drop(name)

    def frame(self, name: str):
        """The DataFrame of a temporary table."""
        return self.tables[name]

    def sql(self, query: str, params: list | None = None):
        """One query's result as Arrow."""
        return self.spark.sql(to_spark(query), args=params or None).toArrow()

    def execute(self, query: str, params: list | None = None) -> None:
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(query, read="duckdb")
        if isinstance(tree, exp.Create):
            name = tree.find(exp.Table).name
            if tree.expression is not None:
                query = translate(tree.expression).sql(dialect="spark")
                self._keep(name, self.spark.sql(query).cache())  # computed at its first use, then kept
                return
            columns = ", ".join(f"{c.name} {_SPARK_TYPES[c.args['kind'].sql(dialect='duckdb').upper()]}"
                                for c in tree.this.expressions if isinstance(c, exp.ColumnDef))
            self._keep(name, self.spark.createDataFrame([], columns))
            return
        if isinstance(tree, exp.Insert):
            name = tree.find(exp.Table).name
            # computed now: one job per rule, and its part never recomputes the rule's tables
            part = self.spark.sql(translate(tree.expression).sql(dialect="spark")).localCheckpoint()
            self.dropped.append(part)
            self._keep(name, self.tables[name].unionByName(part.toDF(*self.tables[name].columns)))
            return
        if isinstance(tree, exp.Drop):
            self._drop(tree.find(exp.Table).name)
            return
        self.spark.sql(to_spark(query), args=params or None).collect()

    def close(self) -> None:
        """Release every table (the computed DataFrames a caller took with `frame` stay usable)."""
        for name in list(self.tables):
            self._drop(name)
        for frame in self.dropped:
            frame.unpersist()
        self.dropped.clear()

    def _keep(self, name: str, frame) -> None:
        self.tables[name] = frame
        frame.createOrReplaceTempView(name)

    def _drop(self, name: str) -> None:
        frame = self.tables.pop(name, None)
        self.spark.catalog.dropTempView(name)
        if frame is not None:
            self.dropped.append(frame)
