"""The engine seam: the same DuckDB-dialect SQL and the same Arrow functions give the same results on
DuckDB and on Spark (local mode, the session shared by the run)."""

from __future__ import annotations

import pyarrow as pa
import pytest

from crmtool.engine import DuckDBEngine, Engine, SparkEngine, open_engine, to_spark
from crmtool.errors import ConfigError
from crmtool.validate.kpi_uscc import USCC_FUNCTION, valid_codes
from crmtool.engine.spark import rebatch

pytestmark = pytest.mark.xdist_group("spark")

VALUES = pa.table({
    "k": [1, 2, 3, 4, 5, 6, 7, 8],
    "v": ["91350100M000100Y43", "91350100M000100Y44", " 北京\u3000", "2024-02-30", "2024-02-29", "abc1", None, "50%"],
})
QUERY = f"""
SELECT k,
       {USCC_FUNCTION}(v) AS uscc,
       regexp_full_match(v, '[a-z]+') AS letters,
       regexp_full_match(v, '[a-z]+[0-9]') AS letters_digit,
       trim(v, ' \u3000') AS trimmed,
       TRY_CAST(v AS DATE) AS day,
       strpos(v, '%') AS percent,
       length(v) AS chars,
       CAST(k AS VARCHAR) || '-' || coalesce(v, '∅') AS label
FROM "values" ORDER BY k
"""
AGGREGATE = """
SELECT count(*) AS n, count(*) FILTER (WHERE v IS NOT NULL) AS present, coalesce(count_if(length(v) > 4), 0) AS long,
       count(DISTINCT substr(v, 1, 2)) AS prefixes
FROM "values"
"""


def _run(engine: Engine, query: str) -> list[dict]:
    engine.register("values", VALUES)
    engine.register_function(USCC_FUNCTION, valid_codes, ["VARCHAR"], "BOOLEAN")
    return engine.sql(query).to_pylist()


def test_the_same_sql_and_functions_give_the_same_rows_on_both_engines(spark):
    with DuckDBEngine() as duck, SparkEngine(spark) as sparked:
        assert isinstance(duck, Engine) and isinstance(sparked, Engine)
        rows = {query: _run(duck, query) for query in (QUERY, AGGREGATE)}
        for query, expected in rows.items():
            assert _run(sparked, query) == expected
    assert [row["uscc"] for row in rows[QUERY]] == [True, False, False, False, False, False, False, False]
    assert [row["letters_digit"] for row in rows[QUERY]][5:7] == [True, None]


def test_spark_batches_stream_every_row(spark):
    with SparkEngine(spark) as engine:
        engine.register("values", VALUES)
        batches = list(engine.batches('SELECT k, v FROM "values" ORDER BY k', 3))
    assert [b.num_rows for b in batches] == [3, 3, 2]
    assert pa.Table.from_batches(batches).to_pydict() == VALUES.to_pydict()


def test_spark_batches_keep_the_order_and_types_across_partitions(spark):
    many = pa.table({"k": pa.array(range(10_000), pa.int64()),
                     "v": pa.array([None if i % 7 == 0 else f"值{i}" for i in range(10_000)], pa.string())})
    with SparkEngine(spark) as engine:
        engine.register_frame("many", spark.createDataFrame(many).repartition(5))
        batches = list(engine.batches("SELECT k, v FROM many ORDER BY k DESC", 999))
    assert [b.num_rows for b in batches] == [999] * 10 + [10]
    got = pa.Table.from_batches(batches)
    assert got.schema.field("k").type == pa.int64() and got.schema.field("v").type in (pa.string(), pa.large_string())
    assert got.column("k").to_pylist() == list(range(9_999, -1, -1))
    assert got.column("v").to_pylist() == [None if i % 7 == 0 else f"值{i}" for i in range(9_999, -1, -1)]


def test_rebatch_cuts_and_joins_batches_to_the_size_asked():
    parts = [pa.record_batch({"x": list(range(start, start + n))}) for start, n in ((0, 2), (2, 5), (7, 1), (8, 4))]
    out = list(rebatch(parts, 3))
    assert [b.num_rows for b in out] == [3, 3, 3, 3]
    assert pa.Table.from_batches(out).column("x").to_pylist() == list(range(12))
    assert list(rebatch([], 3)) == []


def test_a_shared_session_outlives_the_engine_and_its_views_do_not(spark):
    with SparkEngine(spark) as engine:
        engine.register("values", VALUES)
    assert not spark.catalog.tableExists("values")
    assert spark.range(1).count() == 1


def test_full_match_is_anchored_in_spark_sql():
    assert to_spark("SELECT regexp_full_match(x, 'a|b') FROM t") == "SELECT x RLIKE '^(?:a|b)$' FROM t"


def test_unknown_engine_and_master_are_config_errors():
    with pytest.raises(ConfigError, match="engine 'flink'"):
        open_engine("flink")
    with pytest.raises(ConfigError, match="Spark master 'local\\[two\\]'"):
        open_engine("spark", master="local[two]")


def test_spark_translation_keeps_duckdb_s_sense_of_hash_distinct_qualify_and_materialized():
    assert to_spark("SELECT hash(a, b) AS k FROM t") == "SELECT XXHASH64(a, b) AS k FROM t"
    query = to_spark("SELECT DISTINCT a FROM t QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) <= 1")
    assert query.startswith("SELECT DISTINCT * FROM (") and query.endswith(") AS _q")
    assert "MATERIALIZED" not in to_spark("WITH x AS MATERIALIZED (SELECT 1 AS a) SELECT a FROM x").upper()
