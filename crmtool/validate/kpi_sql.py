"""The KPI query: every field and object KPI of one object as one SQL statement returning one row.

Written once, for three engines (DuckDB, PostgreSQL, Spark) and two kinds of source (a typed store table, a
frame of canonical text); `frame_kpis` and `store_kpis` both run this statement, so each KPI has one
definition (docs/kpis.md gives the formulas). The statement joins three one-row aggregates:

- `agg`, the field KPIs in one scan: per row and field the value as text (`x<i>`; typed columns as
  they are) and its missing flag (`m<i>`: NULL, blank or a placeholder); then rows, non-missing and
  valid counts, and timely rows. Validity (crmtool.validate.sql's checks, the definition verify uses)
  is counted on non-missing values only;
- `uni<i>`, distinct non-missing values of each unique field, each in a scan of its own column;
- `con`, the contradiction counts, in a scan of the few columns the consistency checks read, with the
  lookups they join (referenced ids, regions).

Cost matters here (a scan reads every value of every field): DuckDB's `trim(x, chars)` costs about
2.5 s per million values, so values are trimmed only when they start or end with a blank (`ord`,
`suffix`), and compared with the placeholders as they are first; except in columns with few distinct
values, where the plain exact tests run once per distinct value. docs/kpis.md has the one
approximation this makes, and the other things that keep it fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from crmtool.canon.blank import BLANK_CHARS
from crmtool.canon.uscc import USCC_SHAPE
from crmtool.validate.kpi_regions import ADDRESS_REGION_PATTERN, province_codes, regions_values_sql
from crmtool.validate.patterns import EMAIL, EMAIL_LOCAL_LENGTH
from crmtool.validate.rules import Between, InSet, Regex, Uscc, field_value_rules
from crmtool.validate.scan_store import quote_ident, quote_literal
from crmtool.validate.sql import check_sql, full_match_sql

TEXT_TYPES = ("VARCHAR", "TEXT", "CHARACTER VARYING", "CHARACTER", "STRING", "CHAR", "BPCHAR")
# Model types whose rule of kind "type" a typed store column guarantees by its own type.
TYPED_BY_COLUMN = {"integer": ("BIGINT", "INTEGER", "HUGEINT", "SMALLINT", "NUMERIC", "DECIMAL"),
                   "decimal": ("DECIMAL", "NUMERIC"), "boolean": ("BOOLEAN",),
                   "date": ("DATE",), "datetime": ("TIMESTAMP",)}
PAD_BYTES = 8  # blank padding after a placeholder that the fast missing test still recognises


@dataclass
class Plan:
    """What the aggregate row's columns mean."""

    fields: list[tuple[int, str]] = field(default_factory=list)  # (index, field name) of the measured fields
    unique: list[int] = field(default_factory=list)
    constrained: list[int] = field(default_factory=list)  # unique fields distinct by a store constraint
    checks: dict[str, str] = field(default_factory=dict)  # contradiction name → its SQL condition
    timeliness: bool = False
    skipped: list[str] = field(default_factory=list)  # notes: checks that could not run and why


@dataclass
class Source:
    """Where an object's rows are: the relation, its columns (with SQL types for a store), referenced objects."""

    relation: str
    columns: set[str] | dict[str, str]
    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # object → (relation, external id column)
    typed: bool = True
    regions: str | None = None  # relation of the region lookup (Store.regions()); None: inline VALUES
    constrained: set[str] = field(default_factory=set)  # columns a PRIMARY KEY / UNIQUE constraint keeps distinct
    low_cardinality: set[str] = field(default_factory=set)  # text columns with few distinct values (store stats)
    uscc_function: str | None = None  # the store's vectorised credit-code check (kpi_uscc), if it has one

    def column_type(self, name: str) -> str:
        if not self.typed or not isinstance(self.columns, dict):
            return "VARCHAR"
        return self.columns.get(name, "VARCHAR")


class Dialect:
    """How the KPI statement is written for an engine. DuckDB gets its fast forms (list_position, ord,
    suffix, strlen: see `missing`); Spark gets the plain forms, written in DuckDB's dialect (`written`)
    and translated by crmtool.engine.to_spark; PostgreSQL its own."""

    def __init__(self, name: str):
        if name not in ("duckdb", "postgres", "spark"):
            raise ValueError(f"unknown SQL dialect {name!r}")
        self.name = name
        self.written = "postgres" if name == "postgres" else "duckdb"  # the dialect the SQL text is in

    def text(self, expr: str) -> str:
        return f"CAST({expr} AS {'VARCHAR' if self.written == 'duckdb' else 'text'})"

    def trim(self, expr: str) -> str:
        return f"{'trim' if self.written == 'duckdb' else 'btrim'}({expr}, {quote_literal(BLANK_CHARS)})"

    def member(self, expr: str, values: list[str]) -> str:
        """`expr` is one of the values. DuckDB gets list_position: its optimizer turns an IN list into a
        hash join (about 0.5 s per million rows, and it computes the argument for every row even inside
        a CASE branch), while a scalar function over a dictionary-compressed column runs once per
        distinct value."""
        listed = ", ".join(quote_literal(v) for v in values)
        if self.name == "duckdb":
            return f"(list_position([{listed}], {expr}) IS NOT NULL)"
        return f"({expr} IN ({listed}))"

    def count_if(self, condition: str) -> str:
        """Rows where the condition holds (DuckDB's count_if is cheaper than a FILTER clause)."""
        if self.name == "duckdb":
            return f"coalesce(count_if({condition}), 0)"  # count_if of no rows is NULL
        return f"count(*) FILTER (WHERE {condition})"

    def starts_blank(self, expr: str, first: str | None = None) -> str:
        """A cheap superset test: the first character is a control character, a space or another blank.
        first: the value's first code point (`ord`) when the query has it already."""
        first = first or f"ord({expr})"
        wide = [ord(c) for c in BLANK_CHARS if ord(c) > 32]
        return f"({first} <= 32 OR {first} IN ({', '.join(map(str, wide))}))"

    def edge_blank(self, expr: str) -> str:
        """The text starts or ends with a blank character (cheap tests before the costly trim)."""
        ends = " OR ".join(f"suffix({expr}, {quote_literal(c)})" for c in BLANK_CHARS)
        return f"({self.starts_blank(expr)} OR {ends})"

    def clean(self, expr: str) -> str:
        """The text trimmed of blanks (crmtool.canon.blank.BLANK_CHARS)."""
        if self.name != "duckdb":
            return self.trim(expr)
        return f"(CASE WHEN {self.edge_blank(expr)} THEN {self.trim(expr)} ELSE {expr} END)"

    def missing_exact(self, expr: str, placeholders: list[str]) -> str:
        """The missing test as one plain expression: costly per value, but DuckDB runs it once per
        distinct value of a dictionary-compressed (low-cardinality) column."""
        return f"({expr} IS NULL OR {self.member(f'lower({self.trim(expr)})', ['', *placeholders])})"

    def missing(self, expr: str, placeholders: list[str], first: str | None = None) -> str:
        """NULL, blank, or a placeholder once trimmed and lower-cased.

        DuckDB gets the exact test only for values that could need it, the rest exit early: a value
        starting with a blank is trimmed and compared; a value longer than any placeholder (plus
        PAD_BYTES of trailing blanks) is present; so is one whose first character starts no placeholder
        (in either case); the few left are compared as they are, then trimmed at the end, then
        lower-cased. first: the value's first code point (`ord(expr)`), computed once per value by the
        caller."""
        exact = self.member(f"lower({self.trim(expr)})", ["", *placeholders])
        if self.name != "duckdb":
            return f"({expr} IS NULL OR {exact})"
        longest = max((len(p.encode()) for p in placeholders), default=0)
        firsts = sorted({ord(c) for p in placeholders for c in {p[0], p[0].upper(), p[0].lower()}})
        cased = [p for p in placeholders if p.upper() != p]
        ends = " OR ".join(f"suffix({expr}, {quote_literal(c)})" for c in BLANK_CHARS)
        cased_branch = (f"WHEN strlen({expr}) <= {max(len(p.encode()) for p in cased)} "
                        f"THEN {self.member(f'lower({expr})', cased)} " if cased else "")
        first = first or f"ord({expr})"
        return (f"({expr} IS NULL OR {expr} = '' OR CASE WHEN {self.starts_blank(expr, first)} THEN {exact} "
                f"WHEN strlen({expr}) > {longest + PAD_BYTES} THEN FALSE "
                f"WHEN list_position({list(firsts)}, {first}) IS NULL THEN FALSE "
                f"WHEN {self.member(expr, placeholders)} THEN TRUE "
                f"WHEN {ends} THEN {exact} "
                f"{cased_branch}ELSE FALSE END)")

    def extract(self, expr: str, pattern: str) -> str:
        if self.written == "duckdb":
            return f"regexp_extract({expr}, {quote_literal(pattern)}, 1)"
        return f"substring({expr} from {quote_literal(pattern)})"

    def as_type(self, expr: str, sql_type: str) -> str:
        """A text or typed value as DATE / TIMESTAMP; an unreadable text gives NULL in DuckDB."""
        return f"{'TRY_CAST' if self.written == 'duckdb' else 'CAST'}({expr} AS {sql_type})"


def object_query(object_name: str, obj, source: Source, dialect: str, *, placeholders: list[str],
                 timeliness_field: str = "updated_at", timeliness_days: int = 365,
                 as_of: datetime | None = None, consistency: bool = True, timeliness: bool = True,
                 ) -> tuple[str, Plan]:
    """(SQL, plan) of the KPI query of one object over `source`: one statement, one row.

    consistency / timeliness False: only the field KPIs (completeness, validity, uniqueness)."""
    d = Dialect(dialect)
    plan = Plan()
    present = [(i, name) for i, name in enumerate(obj.fields) if name in source.columns]
    plan.fields = present
    plan.unique = [i for i, name in present if obj.fields[name].unique]
    plan.constrained = [i for i in plan.unique if dict(present)[i] in source.constrained]
    index = {name: i for i, name in present}
    typed = {name for name in index if _typed(obj.fields[name], source.column_type(name))}
    parts = [("agg", _field_query(obj, present, source, d, typed, placeholders, plan, timeliness_field,
                                  timeliness_days, as_of, timeliness))]
    names = dict(present)
    for i in plan.unique:
        if i not in plan.constrained:
            parts.append((f"uni{i}", _distinct_query(obj, i, names[i], source, d, typed, placeholders)))
    regions = False
    if consistency:
        con, regions = _consistency_query(object_name, obj, index, source, d, typed, placeholders, plan)
        if con:
            parts.append(("con", con))
    with_regions = ""
    if regions:
        with_regions = f"regions AS ({f'SELECT * FROM {source.regions}' if source.regions else regions_values_sql()}), "
    sql = "WITH " + with_regions + ", ".join(f"{name} AS ({body})" for name, body in parts)
    return sql + " SELECT * FROM " + ", ".join(name for name, _ in parts), plan


def _field_query(obj, present, source: Source, d: Dialect, typed, placeholders, plan: Plan, timeliness_field,
                 timeliness_days, as_of, timeliness: bool) -> str:
    """Rows, non-missing and valid counts of every field, and timely rows, in one aggregate."""
    index = dict((name, i) for i, name in present)
    cols = [f"{f'b.{quote_ident(name)}' if name in typed else d.text(f'b.{quote_ident(name)}')} AS x{i}"
            for i, name in present]
    if "_crm_loaded_at" in source.columns:
        cols.append("b._crm_loaded_at AS r_loaded")
    low = {i for i, name in present if name in source.low_cardinality and name not in typed and d.name == "duckdb"}
    firsts = {i for i, name in present if name not in typed and i not in low and d.name == "duckdb"}
    cols += [f"ord({d.text(f'b.{quote_ident(name)}')}) AS o{i}" for i, name in present if i in firsts]
    cols.append("1 AS one")
    flags = []
    for i, name in present:
        if i in low:  # plain expressions of the value: evaluated once per distinct value
            valid = validity_sql(obj.fields[name], f"x.x{i}", d.name, uscc_function=source.uscc_function)
            flags.append(f"{d.missing_exact(f'x.x{i}', placeholders)} AS m{i}, coalesce({valid}, FALSE) AS v{i}")
        else:
            first = f"x.o{i}" if i in firsts else None
            flags.append(f"{_missing(d, f'x.x{i}', obj.fields[name], name in typed, placeholders, first)} AS m{i}, x.x{i}")
    timestamp = _timeliness(source, index, d, timeliness_field) if timeliness else None
    if timestamp:
        plan.timeliness = True
        flags.append(f"{timestamp} AS ts")
    aggregates = ["count(*) AS n_rows"]
    for i, name in present:
        aggregates.append(f"{d.count_if(f'NOT m{i}')} AS n{i}")
        if i in low:
            aggregates.append(f"{d.count_if(f'NOT m{i} AND v{i}')} AS ok{i}")
            continue
        valid = validity_sql(obj.fields[name], f"x{i}", d.name, typed=name in typed,
                             uscc_function=source.uscc_function)
        aggregates.append(f"{d.count_if(f'CASE WHEN m{i} THEN FALSE ELSE coalesce({valid}, FALSE) END')} AS ok{i}")
    if timestamp:
        cutoff = f"ts >= TIMESTAMP '{_cutoff(as_of, timeliness_days)}'"
        aggregates.append(f"{d.count_if(cutoff)} AS timely")
    return (f"SELECT {', '.join(aggregates)} FROM (SELECT {', '.join(flags) or 'x.one'} "
            f"FROM (SELECT {', '.join(cols)} FROM {source.relation} AS b) AS x) AS f")


def _distinct_query(obj, i: int, name: str, source: Source, d: Dialect, typed, placeholders) -> str:
    """Distinct non-missing values of one unique field, as stored, in a scan of its own column (a
    DISTINCT in the field aggregate, or two in one aggregate, make DuckDB materialise every column)."""
    column = f"b.{quote_ident(name)}"
    text = column if name in typed else d.text(column)
    missing = _missing(d, "u", obj.fields[name], name in typed, placeholders)
    return (f"SELECT count(DISTINCT u) AS d{i} FROM (SELECT {text} AS u FROM {source.relation} AS b) AS v "
            f"WHERE NOT {missing}")


def _consistency_query(object_name, obj, index, source: Source, d: Dialect, typed, placeholders,
                       plan: Plan) -> tuple[str | None, bool]:
    """(the contradiction counts' aggregate or None, whether it needs the regions lookup).

    Its own scan of the few columns it reads: the lookups are joins, and a join in the field aggregate
    would carry every column through it."""
    keyed = _key_fields(obj, index)
    cols = []
    for name in sorted(keyed, key=index.get):
        i = index[name]
        column = f"b.{quote_ident(name)}"
        text = column if name in typed else d.text(column)
        cols.append(f"{d.clean(d.text(column))} AS s{i}")
        cols.append(f"{_missing(d, text, obj.fields[name], name in typed, placeholders)} AS m{i}")
    for name in ("created_at", "updated_at"):
        if name in index:
            cols.append(f"b.{quote_ident(name)} AS x{index[name]}")
    cols.append("1 AS one")
    flags, joins = ["x.*"], []
    _reference_checks(object_name, obj, source, index, d, plan, flags, joins)
    regions = _region_checks(obj, index, d, plan, flags, joins)
    _date_checks(index, d, plan, flags)
    if not plan.checks:
        return None, False
    aggregates = [f"{d.count_if(condition)} AS c{k}" for k, condition in enumerate(plan.checks.values())]
    aggregates.append(f"{d.count_if(' OR '.join(f'({c})' for c in plan.checks.values()))} AS c_any")
    return (f"SELECT {', '.join(aggregates)} FROM (SELECT {', '.join(flags)} FROM (SELECT {', '.join(cols)} "
            f"FROM {source.relation} AS b) AS x {' '.join(joins)}) AS f"), regions


def validity_sql(field_def, column: str, dialect: str, *, typed: bool = False,
                 uscc_function: str | None = None) -> str:
    """TRUE when a non-missing value is valid: the checks of crmtool.validate.sql.valid_sql (the field's
    type or semantic form, picklist, pattern, length, range) without its blank test, which the
    missing flag has made already. In a typed store column the column type guarantees the type rule,
    and a range is compared as a number. uscc_function: the store's vectorised credit-code check
    (crmtool.validate.kpi_uscc), used instead of the SQL arithmetic."""
    d = Dialect(dialect)
    parts = []
    rules = field_value_rules("_", "_", field_def)
    email = any(c == Regex(EMAIL) for rule in rules for c in rule.checks)
    for rule in rules:
        if typed and rule.kind == "type":
            continue
        for check in rule.checks:
            if email and check == Regex(EMAIL_LOCAL_LENGTH):
                # EMAIL has one "@" and an ASCII local part: its length is the position of the "@" − 1
                parts.append(f"strpos({column}, '@') <= 65")
            elif typed and isinstance(check, Between):
                parts += [f"{column} >= {float(check.min)!r}"] if check.min is not None else []
                parts += [f"{column} <= {float(check.max)!r}"] if check.max is not None else []
            elif isinstance(check, Uscc) and uscc_function and not typed:
                parts.append(f"{uscc_function}({column})")
            elif isinstance(check, InSet):  # the same membership test, without DuckDB's IN-to-join rewrite
                parts.append(d.member(column if not typed else d.text(column), list(check.values)))
            else:
                parts.append(check_sql(check, column if not typed else d.text(column), d.written))
    return "(" + " AND ".join(parts) + ")" if parts else "TRUE"


def _typed(field_def, column_type: str) -> bool:
    """A store column whose SQL type is the field's own (not text): its values are of the type by construction."""
    base = column_type.split("(")[0].strip().upper().split(" ")[0]
    return base in TYPED_BY_COLUMN.get(field_def.type, ()) and base not in TEXT_TYPES


CANONICAL = {"integer": r"-?(0|[1-9][0-9]*)", "decimal": r"-?(0|[1-9][0-9]*)\.[0-9]{2}", "boolean": r"true|false",
             "date": r"[0-9]{4}-[0-9]{2}-[0-9]{2}",
             "datetime": r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"}


def _missing(d: Dialect, expr: str, field_def, typed: bool, placeholders: list[str], first: str | None = None) -> str:
    """The missing flag. A typed value is never blank, and a placeholder only when one is written like
    the type's canonical text (say "0" for an integer): only those are compared."""
    if not typed:
        return d.missing(expr, placeholders, first)
    import re

    pattern = re.compile(CANONICAL[field_def.type])
    alike = [p for p in placeholders if pattern.fullmatch(p)]
    if not alike:
        return f"({expr} IS NULL)"
    return f"({expr} IS NULL OR {d.member(d.text(expr), alike)})"


def _key_fields(obj, index: dict[str, int]) -> set[str]:
    """Fields the consistency checks read trimmed (references, province, city, address, credit code)."""
    names = set(obj.references)
    names |= {n for n, f in obj.fields.items() if f.type in ("credit_code", "address")}
    names |= {"province", "city"}
    return {n for n in names if n in index}


def _reference_checks(object_name, obj, source: Source, index, d: Dialect, plan: Plan, flags, joins) -> None:
    """orphan:<field>: a non-empty reference whose target record does not exist."""
    for field_name, target in obj.references.items():
        if field_name not in index:
            continue
        if target not in source.references:
            plan.skipped.append(f"{object_name}.{field_name}: orphan check skipped ({target} is not in the store)")
            continue
        relation, key = source.references[target]
        i = index[field_name]
        alias = f"ref{i}"
        joins.append(f"LEFT JOIN (SELECT DISTINCT {d.clean(d.text(quote_ident(key)))} AS k FROM {relation}) AS {alias} "
                     f"ON {alias}.k = x.s{i}")
        flags.append(f"({alias}.k IS NULL) AS o{i}")
        plan.checks[f"orphan:{field_name}"] = f"NOT m{i} AND o{i}"


REGION_PAIRS = [("credit_code", "province"), ("credit_code", "city"), ("credit_code", "address"),
                ("province", "city"), ("province", "address")]


def _region_checks(obj, index, d: Dialect, plan: Plan, flags, joins) -> bool:
    """Contradictions between a credit code's region, the province and city fields and the address.

    Returns whether the query needs the regions lookup."""
    fields = obj.fields
    present = {
        "credit_code": next((n for n, f in fields.items() if f.type == "credit_code" and n in index), None),
        "province": "province" if "province" in index and fields["province"].type == "string" else None,
        "city": "city" if "city" in index and fields["city"].type == "string" else None,
        "address": next((n for n, f in fields.items() if f.type == "address" and n in index), None),
    }
    pairs = [(a, b) for a, b in REGION_PAIRS if present[a] is not None and present[b] is not None]
    used = {side for pair in pairs for side in pair}
    for side in ("credit_code", "province", "city", "address"):
        if side not in used:
            continue
        i = index[present[side]]
        if side == "credit_code":
            shape = full_match_sql(f"x.s{i}", USCC_SHAPE, d.written)
            known = d.member(f"substr(x.s{i}, 3, 2)", list(province_codes()))
            flags.append(f"CASE WHEN {shape} AND {known} THEN substr(x.s{i}, 3, 2) END AS g_credit_code")
            continue
        cls = {"province": "p", "city": "c", "address": "a"}[side]
        key = d.extract(f"x.s{i}", ADDRESS_REGION_PATTERN) if side == "address" else f"x.s{i}"
        joins.append(f"LEFT JOIN regions AS reg_{cls} ON reg_{cls}.cls = '{cls}' AND reg_{cls}.name = {key}")
        flags.append(f"reg_{cls}.code AS g_{side}")
    for a, b in pairs:  # a NULL region (unknown, or no credit code's shape) is no contradiction
        plan.checks[f"region:{a}~{b}"] = f"g_{a} <> g_{b}"
    return any(side != "credit_code" for side in used)


def _date_checks(index, d: Dialect, plan: Plan, flags) -> None:
    """dates:created_at>updated_at: a record created after its last update."""
    if "created_at" in index and "updated_at" in index:
        c, u = index["created_at"], index["updated_at"]
        flags.append(f"({d.as_type(f'x.x{c}', 'DATE')} > {d.as_type(f'x.x{u}', 'DATE')}) AS dt")
        plan.checks["dates:created_at>updated_at"] = "dt"


def _timeliness(source: Source, index, d: Dialect, field_name: str) -> str | None:
    """The row's last update: the update field, else (per row) when the store last wrote it."""
    parts = []
    if field_name in index:
        parts.append(d.as_type(f"x.x{index[field_name]}", "TIMESTAMP"))
    if "_crm_loaded_at" in source.columns:
        parts.append(d.as_type("x.r_loaded", "TIMESTAMP"))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def _cutoff(as_of: datetime | None, days: int) -> str:
    from datetime import timedelta, timezone

    now = as_of or datetime.now(timezone.utc)
    if now.tzinfo is not None:
        now = now.astimezone(timezone.utc).replace(tzinfo=None)
    return (now - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
