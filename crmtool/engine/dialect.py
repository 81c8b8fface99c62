"""SQL is written once, in DuckDB's dialect; `to_spark` translates it for Spark SQL with sqlglot.

sqlglot maps names, casts, literals and string escapes. What it leaves in DuckDB's sense is fixed here:

- `regexp_full_match(x, p)` (no Spark function) becomes `x RLIKE '^(?:p)$'` (Spark's RLIKE is a search,
  so the pattern is anchored);
- `hash(...)` is DuckDB's 64-bit hash; Spark's `hash` is 32-bit murmur3, whose collisions would merge
  blocking keys (more candidate pairs, other block sizes), so it becomes `xxhash64`;
- `SELECT DISTINCT … QUALIFY …` filters before DISTINCT in DuckDB; sqlglot's rewrite for Spark (a
  window column in a subquery) would apply DISTINCT to the rows with their row numbers, so the query is
  wrapped: `SELECT DISTINCT * FROM (SELECT … QUALIFY …)`;
- `WITH x AS MATERIALIZED` (a DuckDB planner hint) loses the hint.

DuckDB-only functions with no Spark form (list_position, suffix, strlen, ord) must not reach this
translation: kpi_sql writes the portable forms for engines other than DuckDB.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def to_spark(sql: str) -> str:
    """One DuckDB statement as Spark SQL."""
    import sqlglot

    return translate(sqlglot.parse_one(sql, read="duckdb")).sql(dialect="spark")


def translate(tree):
    """A parsed DuckDB statement (sqlglot) rewritten where Spark differs (see the module docstring)."""
    from sqlglot import exp

    def rewrite(node):
        if isinstance(node, exp.RegexpFullMatch):
            pattern = node.expression
            if isinstance(pattern, exp.Literal) and pattern.is_string:
                anchored = exp.Literal.string(f"^(?:{pattern.this})$")
            else:
                anchored = exp.func("concat", exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$"))
            return exp.RegexpLike(this=node.this, expression=anchored)
        if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hash":
            return exp.Anonymous(this="xxhash64", expressions=node.expressions)
        if isinstance(node, exp.CTE) and node.args.get("materialized"):
            node.set("materialized", None)
        return node

    tree = tree.transform(rewrite)
    for select in list(tree.find_all(exp.Select)):
        if select.args.get("distinct") and select.args.get("qualify"):
            select.set("distinct", None)
            wrapped = exp.select("*").distinct().from_(select.copy().subquery("_q"))
            select.replace(wrapped)
            if select is tree:
                tree = wrapped
    return tree
