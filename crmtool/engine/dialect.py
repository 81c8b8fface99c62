"""SQL is written once, in DuckDB's dialect; `to_spark` translates it for Spark SQL with sqlglot.

sqlglot maps names, casts, literals and string escapes. What it leaves in DuckDB's words is fixed here:
`regexp_full_match(x, p)` (no Spark function) becomes `x RLIKE '^(?:p)$'` (Spark's RLIKE is a search,
so the pattern is anchored). DuckDB-only functions with no Spark form (list_position, suffix, strlen,
ord) must not reach this translation: kpi_sql writes the portable forms for engines other than DuckDB.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=256)
def to_spark(sql: str) -> str:
    """One DuckDB statement as Spark SQL."""
    import sqlglot
    from sqlglot import exp

    def rewrite(node):
        if isinstance(node, exp.RegexpFullMatch):
            pattern = node.expression
            if isinstance(pattern, exp.Literal) and pattern.is_string:
                anchored = exp.Literal.string(f"^(?:{pattern.this})$")
            else:
                anchored = exp.func("concat", exp.Literal.string("^(?:"), pattern, exp.Literal.string(")$"))
            return exp.RegexpLike(this=node.this, expression=anchored)
        return node

    tree = sqlglot.parse_one(sql, read="duckdb").transform(rewrite)
    return tree.sql(dialect="spark")
