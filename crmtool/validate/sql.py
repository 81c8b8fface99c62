"""Rules as SQL: one set-based pass per object over frames registered in DuckDB as Arrow (no copies).

Every primitive check (crmtool.validate.rules) has a SQL form that reads alike in DuckDB and
PostgreSQL (`check_sql`), so that the validity KPI of a field can be pushed down into either store
(`valid_sql`, used by crmtool.validate.kpis) and the verify stage can count and list every failing row.

Per object, one SELECT computes a boolean failure flag per rule (windows for unique, semi-joins for
relationships); the counts are one aggregate over it, and the failing rows are the flagged rows
unpivoted with `unnest(list_filter([...]))` — no Python per row, no caps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable, Literal, Mapping, Sequence

from crmtool.canon.blank import BLANK_CHARS
from crmtool.canon.uscc import ORG_CHECK_CHARS, ORG_WEIGHTS, USCC_CHARSET, USCC_SHAPE, USCC_WEIGHTS
from crmtool.validate.patterns import NUMBER, ascii_classes
from crmtool.validate.rules import (
    Between,
    Check,
    InKeys,
    InSet,
    Length,
    NotBlank,
    Regex,
    Rule,
    Unique,
    Uscc,
    field_value_checks,
)

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.model import FieldDef

Dialect = Literal["duckdb", "postgres"]
DIALECTS = ("duckdb", "postgres")
PROVENANCE = ("_row_id", "_source", "_sheet", "_row")
FAILURE_COLUMNS = ["object", "_row_id", "_source", "_sheet", "_row", "external_id", "rule_id", "severity", "column",
                   "value", "message"]
_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def ident(name: str) -> str:
    return '"' + str(name).replace('"', '""') + '"'


def literal(text: str) -> str:
    """A SQL string literal; backslashes stay as they are (standard strings in both dialects). A `%`
    is spelled chr(37), so that the SQL holds no `%` a driver could take for a placeholder (psycopg)."""
    quoted = "'" + str(text).replace("'", "''") + "'"
    return quoted.replace("%", "' || chr(37) || '") if "%" in quoted else quoted


def _dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r} (dialects: {', '.join(DIALECTS)})")
    return dialect


def as_text(column_sql: str) -> str:
    """Canonical text of a column of any type (DECIMAL(18,2) → 128000.00, BOOLEAN → true, DATE → 2024-03-15)."""
    return f"CAST({column_sql} AS VARCHAR)"


def blank_sql(value_sql: str, dialect: Dialect = "duckdb") -> str:
    """TRUE when a text value is empty: null, or nothing but blanks (crmtool.canon.blank.BLANK_CHARS).

    Only a value that starts with a blank (or is '') needs the regular expression; the test for that
    is cheap: in DuckDB (binary string order) three range comparisons on the first character, in
    PostgreSQL (whose order follows a collation) strpos of the first character among the blanks.
    DuckDB's trim(v, characters) would cost ten times as much on every row."""
    only_blanks = full_match_sql(value_sql, f"[{BLANK_CHARS}]*", dialect)
    if _dialect(dialect) == "duckdb":
        v = value_sql
        plain = (f"{v} >= {literal(chr(0x3001))} OR ({v} >= '!' AND {v} < {literal(chr(0xA0))}) "
                 f"OR ({v} >= {literal(chr(0xA1))} AND {v} < {literal(chr(0x3000))})")
    else:
        plain = f"{value_sql} <> '' AND strpos({literal(BLANK_CHARS)}, left({value_sql}, 1)) = 0"
    return f"({value_sql} IS NULL OR (CASE WHEN {plain} THEN FALSE ELSE {only_blanks} END))"


def full_match_sql(value_sql: str, pattern: str, dialect: Dialect = "duckdb") -> str:
    pattern = ascii_classes(pattern)
    if _dialect(dialect) == "duckdb":
        return f"regexp_full_match({value_sql}, {literal(pattern)})"
    return f"({value_sql} ~ {literal('^(?:' + pattern + ')$')})"


def _number(value: float) -> str:
    return repr(float(value))


def check_sql(check: Check, v: str, dialect: Dialect = "duckdb", keys_sql: str | None = None) -> str:
    """A SQL boolean, TRUE when the non-blank text value `v` passes `check`.

    Unique needs the whole table (a window, see compile_object) and InKeys the referred keys
    (`keys_sql`, a subquery with one column); the others read the value alone.
    """
    if isinstance(check, NotBlank):
        return f"NOT {blank_sql(v, dialect)}"
    if isinstance(check, Regex):
        return full_match_sql(v, check.pattern, dialect)
    if isinstance(check, Length):
        parts = ([f"length({v}) >= {int(check.min)}"] if check.min is not None else []) + \
                ([f"length({v}) <= {int(check.max)}"] if check.max is not None else [])
        return "(" + " AND ".join(parts or ["TRUE"]) + ")"
    if isinstance(check, InSet):
        return f"({v} IN ({', '.join(literal(x) for x in check.values)}))" if check.values else "FALSE"
    if isinstance(check, Between):
        number = f"CAST({v} AS {'DOUBLE' if dialect == 'duckdb' else 'DOUBLE PRECISION'})"  # IEEE, as GX's float64
        bounds = ([f"{number} >= {_number(check.min)}"] if check.min is not None else []) + \
                 ([f"{number} <= {_number(check.max)}"] if check.max is not None else [])
        return f"(CASE WHEN {full_match_sql(v, NUMBER, dialect)} THEN {' AND '.join(bounds or ['TRUE'])} ELSE TRUE END)"
    if isinstance(check, Uscc):
        return uscc_sql(v, dialect)
    if isinstance(check, InKeys):
        if keys_sql is None:
            raise ValueError(f"a relationship check needs the keys of {check.object}")
        return f"coalesce({v} IN ({keys_sql}), FALSE)"
    if isinstance(check, Unique):
        raise ValueError("unique needs the whole table: compile it with compile_object")
    raise TypeError(f"no SQL for {check!r}")


def uscc_sql(v: str, dialect: Dialect = "duckdb") -> str:
    """GB 32100 credit code validity as arithmetic over character positions (no macro, no UDF, so it
    runs in any store that has substr and strpos): charset, the GB 11714 check at position 17 over
    positions 9-16, the mod-31 check at position 18 over positions 1-17. `mod()`, not `%`: the SQL
    of this module holds no `%`, so a driver with %s placeholders (psycopg) can take it as it is."""
    def value(i: int, alphabet: str) -> str:
        return f"(strpos({literal(alphabet)}, substr({v}, {i}, 1)) - 1)"

    org = " + ".join(f"{value(9 + k, _ALNUM)} * {w}" for k, w in enumerate(ORG_WEIGHTS))
    uscc = " + ".join(f"{value(1 + k, USCC_CHARSET)} * {w}" for k, w in enumerate(USCC_WEIGHTS))
    pos17 = f"substr({v}, 17, 1) = substr({literal(ORG_CHECK_CHARS[1:] + ORG_CHECK_CHARS[0])}, 11 - mod({org}, 11), 1)"
    pos18 = f"substr({v}, 18, 1) = substr({literal(USCC_CHARSET)}, mod(31 - mod({uscc}, 31), 31) + 1, 1)"
    return f"(CASE WHEN {full_match_sql(v, USCC_SHAPE, dialect)} THEN ({pos17} AND {pos18}) ELSE FALSE END)"


def valid_sql(field_def: "FieldDef", column_sql: str, dialect: Dialect = "duckdb") -> str:
    """A SQL boolean that is TRUE when a non-empty value of the field is valid by its type (or
    credit code / phone / mobile / e-mail form), picklist values, pattern, length and range; NULL for
    an empty value (count it with `count(*) FILTER (WHERE …)` or `sum(CASE …)` over non-empty rows).
    The column may be of any SQL type: it is read as canonical text. Works in DuckDB and PostgreSQL."""
    v = as_text(column_sql)
    checks = field_value_checks(field_def)
    condition = " AND ".join(check_sql(c, v, dialect) for c in checks) or "TRUE"
    return f"(CASE WHEN {blank_sql(v, dialect)} THEN NULL ELSE ({condition}) END)"


# -- one object, one pass --------------------------------------------------------------------------

@dataclass
class ObjectSql:
    """The compiled SQL of one object's rules.

    - `counts`: one pass, one row: rows, n_<c> (non-blank values per column), failed_<i> per rule;
    - `flag`: one pass that keeps the rows failing any rule, with their flags, in the temp table `flagged`;
      then `checked` (rows and non-blank counts, a pass without the checks), `failed` (per rule, over
      `flagged`) and `failures` (one row per failing row and rule: FAILURE_COLUMNS + _ord, in rule order
      then row order) read it.
    """

    object: str
    rules: list[Rule]
    counts: str
    flag: str
    checked: str
    failed: str
    failures: str
    flagged: str
    columns: dict[str, str] = field(default_factory=dict)


def compile_object(obj: str, rules: Sequence[Rule], table: str, present: Iterable[str], external_id: str | None,
                   keys: Mapping[tuple[str, str], str] | None = None, meta_table: str | None = None,
                   first_index: int = 0, flagged: str = "crm_flagged") -> ObjectSql:
    """DuckDB SQL for `rules` (all of object `obj`) over `table`.

    `present`: the table's columns (a field that is absent reads as empty). `keys`: for each
    (object, key) a relationship refers to, the name of a one-column (k) table of its keys.
    `meta_table`: a table (i, rule_id, severity, column, template) that the failures query joins for
    the rule's id and message; rule i of this object has index `first_index + i` there.
    """
    present = set(present)
    fields = list(dict.fromkeys(r.field for r in rules))
    alias = {name: f"c{j}" for j, name in enumerate(fields)}

    def col(name: str | None) -> str:
        return f"CAST({ident(name)} AS VARCHAR)" if name and name in present else "CAST(NULL AS VARCHAR)"

    prov = [f"{ident(c)} AS {c}" if c in present else f"CAST(NULL AS {'BIGINT' if c == '_row' else 'VARCHAR'}) AS {c}"
            for c in PROVENANCE]
    src = ", ".join([*prov, f"{col(external_id)} AS _ext", "_ord", *(f"{col(n)} AS {alias[n]}" for n in fields)])
    blanks = ", ".join(f"{blank_sql(alias[n])} AS e{alias[n]}" for n in fields)
    flags = ", ".join(f"{_fail_sql(r, alias[r.field], keys or {}, table, r.field)} AS f{i}" for i, r in enumerate(rules))
    with_b = f"WITH src AS (SELECT {src} FROM {ident(table)}), b AS (SELECT *, {blanks} FROM src)"
    base = f"{with_b}, f AS (SELECT *, {flags} FROM b)"
    nonblank = ["count(*) AS rows", *(f"count(*) FILTER (WHERE NOT e{alias[n]}) AS n_{alias[n]}" for n in fields)]
    failed = [f"count(*) FILTER (WHERE f{i}) AS failed_{i}" for i in range(len(rules))]
    counts = f"{base} SELECT {', '.join([*nonblank, *failed])} FROM f"

    any_failed = " OR ".join(f"f{i}" for i in range(len(rules))) or "FALSE"
    kept = ", ".join(["_row_id", "_source", "_sheet", "_row", "_ext", "_ord", *alias.values(),
                      *(f"f{i}" for i in range(len(rules)))])
    flag = f"CREATE OR REPLACE TEMP TABLE {ident(flagged)} AS {base} SELECT {kept} FROM f WHERE {any_failed}"
    items = ", ".join(f"CASE WHEN f{i} THEN {{'i': {first_index + i}, 'v': {alias[r.field]}}} END"
                      for i, r in enumerate(rules))
    unpivot = (f"SELECT _row_id, _source, _sheet, _row, _ext, _ord, "
               f"unnest(list_filter([{items}], lambda x: x IS NOT NULL)) AS u FROM {ident(flagged)}")
    failures = (f"WITH fl AS ({unpivot}) "
                f"SELECT {literal(obj)} AS object, fl._row_id, fl._source, fl._sheet, fl._row, fl._ext AS external_id, "
                f"m.rule_id, m.severity, m.column, fl.u.v AS value, "
                f"replace(m.template, '{{value}}', coalesce(fl.u.v, '')) AS message, fl._ord "
                f"FROM fl JOIN {ident(meta_table or 'crm_rule_meta')} m ON m.i = fl.u.i ORDER BY m.i, fl._ord")
    return ObjectSql(obj, list(rules), counts, flag, f"{with_b} SELECT {', '.join(nonblank)} FROM b",
                     f"SELECT {', '.join(failed)} FROM {ident(flagged)}", failures, flagged,
                     {n: alias[n] for n in fields})


def _fail_sql(rule: Rule, c: str, keys: Mapping[tuple[str, str], str], table: str, column: str) -> str:
    """TRUE when the row fails the rule: blank for required; otherwise non-blank and not passing.

    Unique is a semi-join against the values that occur more than once (a hash aggregate over the
    table: much cheaper than a window over every row); blank values never fail it."""
    if rule.fails_blank:
        return f"e{c}"
    parts = []
    for check in rule.checks:
        if isinstance(check, Unique):
            parts.append(f"NOT coalesce({c} IN (SELECT CAST({ident(column)} AS VARCHAR) FROM {ident(table)} "
                         f"GROUP BY 1 HAVING count(*) > 1), FALSE)")
        elif isinstance(check, InKeys):
            parts.append(check_sql(check, c, keys_sql=f"SELECT k FROM {ident(keys[(check.object, check.key)])}"))
        else:
            parts.append(check_sql(check, c))
    return f"(NOT e{c} AND NOT coalesce({' AND '.join(parts)}, FALSE))"


# -- running ---------------------------------------------------------------------------------------

@dataclass
class SqlOutcome:
    """Per rule id: (checked, failed); every failing row (FAILURE_COLUMNS + _ord)."""

    counts: dict[str, tuple[int, int]]
    failures: "pd.DataFrame"
    rows: dict[str, int]


def run_sql(frames: Mapping[str, "pd.DataFrame"], rules: Sequence[Rule], external_ids: Mapping[str, str | None],
            known_keys: Mapping[str, Iterable[str]] | None = None, engine=None) -> SqlOutcome:
    """Evaluate `rules` over `frames` (object → frame of canonical text) in DuckDB.

    Relationship rules need their referred object among `frames` or in `known_keys` (object → its
    external ids already in the target); the caller drops those that have neither.
    """
    import pandas as pd
    import pyarrow as pa

    from crmtool.engine import DuckDBEngine

    own = engine is None
    engine = engine or DuckDBEngine()
    try:
        tables = {obj: f"crm_obj_{k}" for k, obj in enumerate(frames)}
        for obj, frame in frames.items():
            engine.register(tables[obj], to_arrow(frame))
        meta = pa.table({"i": pa.array(range(len(rules)), pa.int64()),
                         "rule_id": [r.rule_id for r in rules], "severity": [r.severity for r in rules],
                         "column": [r.field for r in rules], "template": [r.template() for r in rules]})
        engine.register("crm_rule_meta", meta)
        keys = _key_tables(engine, rules, frames, tables, known_keys or {})
        counts: dict[str, tuple[int, int]] = {}
        rows: dict[str, int] = {}
        failures = []
        for obj, frame in frames.items():
            index = [i for i, r in enumerate(rules) if r.object == obj]
            if not index:
                rows[obj] = len(frame)
                continue
            own_rules = [rules[i] for i in index]
            compiled = compile_object(obj, own_rules, tables[obj], frame.columns, external_ids.get(obj), keys,
                                      first_index=index[0])
            if index != list(range(index[0], index[0] + len(index))):
                raise ValueError("rules of one object must be contiguous")
            engine.execute(compiled.flag)
            got = {**engine.sql(compiled.checked).to_pylist()[0], **engine.sql(compiled.failed).to_pylist()[0]}
            rows[obj] = int(got["rows"])
            for i, rule in enumerate(own_rules):
                checked = rows[obj] if rule.fails_blank else int(got[f"n_{compiled.columns[rule.field]}"])
                counts[rule.rule_id] = (checked, int(got[f"failed_{i}"]))
            if any(got[f"failed_{i}"] for i in range(len(own_rules))):
                failures.append(engine.sql(compiled.failures).to_pandas())
            engine.execute(f"DROP TABLE {ident(compiled.flagged)}")
        frame = (pd.concat(failures, ignore_index=True) if failures
                 else pd.DataFrame({c: pd.Series(dtype="string") for c in [*FAILURE_COLUMNS, "_ord"]}))
        return SqlOutcome(counts, _typed_failures(frame), rows)
    finally:
        if own:
            engine.close()


def to_arrow(frame: "pd.DataFrame"):
    """The frame as an Arrow table (string columns are not copied) with its row order as `_ord`."""
    import pyarrow as pa

    table = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    return table.append_column("_ord", pa.array(range(len(frame)), pa.int64()))


def _key_tables(engine, rules: Sequence[Rule], frames: Mapping, tables: Mapping[str, str],
                known: Mapping[str, Iterable[str]]) -> dict[tuple[str, str], str]:
    """One table of distinct non-blank keys per (object, key) that a relationship rule refers to."""
    import pyarrow as pa

    out: dict[tuple[str, str], str] = {}
    for rule in rules:
        for check in rule.checks:
            if not isinstance(check, InKeys) or (check.object, check.key) in out:
                continue
            name = f"crm_keys_{len(out)}"
            parts = []
            if check.object in frames:
                k = f"CAST({ident(check.key)} AS VARCHAR)" if check.key in frames[check.object].columns else "NULL"
                parts.append(f"SELECT {k} AS k FROM {ident(tables[check.object])}")
            if check.object in known:
                engine.register(f"{name}_known", pa.table({"k": pa.array([str(x) for x in known[check.object]],
                                                                         pa.string())}))
                parts.append(f"SELECT k FROM {ident(name + '_known')}")
            union = " UNION ALL ".join(parts) or "SELECT CAST(NULL AS VARCHAR) AS k"
            engine.execute(f"CREATE OR REPLACE TEMP TABLE {ident(name)} AS SELECT DISTINCT k FROM ({union}) "
                           f"WHERE NOT {blank_sql('k')}")
            out[(check.object, check.key)] = name
    return out


def _typed_failures(frame: "pd.DataFrame") -> "pd.DataFrame":
    frame = frame[[*FAILURE_COLUMNS, "_ord"]]
    text = [c for c in FAILURE_COLUMNS if c != "_row"]
    frame = frame.astype({c: "string" for c in text})
    frame["_row"] = frame["_row"].astype("Int64")
    frame["_ord"] = frame["_ord"].astype("int64")
    return frame
