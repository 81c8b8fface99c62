"""The pipeline's cleanse and map stages for one mapping file.

`cleanse_fields` turns a read table (provenance + source columns as text) into one cleaned text
column per mapped target field: source columns combined (first non-empty, or joined by a concat
transform), transforms applied in order (cleanse rules through `crmtool.cleanse`, run once per distinct
value), the field's default filled in. A relationship field holds its lookup value (the cleansed
company name for `by: name`, the cleansed credit code for `by: credit_code`).

`map_object` turns those columns into the object's rows in canonical text (docs/objects.md): value
maps applied, picklists checked, dates, datetimes, decimals, integers and booleans canonicalised,
references resolved to external ids through a `RelationIndex`, and every row either kept or
rejected with its reasons (no external id, a required field empty, a required reference not found,
an external id seen before).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TYPE_CHECKING, Callable

from crmtool.canon.blank import blank_to_na, strip_blanks
from crmtool.cleanse.rule import Finding, Outcome
from crmtool.issues import PROVENANCE, Severity, concat_issues, issues_for_rows, issues_frame

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import FieldMapping, Mapping
    from crmtool.model import FieldDef, ObjectDef, ObjectModel
    from crmtool.mapper.relations import RelationIndex

TRUE_WORDS = ("是", "y", "yes", "true", "t", "1", "对", "有")
FALSE_WORDS = ("否", "n", "no", "false", "f", "0", "错", "无")


@dataclass
class MapResult:
    """The map stage's output for one mapping: loadable rows, rejected rows with reasons, issues."""

    rows: "pd.DataFrame"
    rejected: "pd.DataFrame"
    issues: "pd.DataFrame"

    @property
    def counts(self) -> dict[str, int]:
        return {"mapped": len(self.rows), "rejected": len(self.rejected), "issues": len(self.issues)}


# ----------------------------------------------------------------------------------------------- cleanse


def cleanse_fields(table: "pd.DataFrame", mapping: "Mapping", model: "ObjectModel") -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """(fields, issues): provenance + one cleaned text column per mapped target field."""
    import pandas as pd

    object_of(mapping, model)
    require_columns(table, mapping)
    columns = {c: table[c] for c in PROVENANCE if c in table}
    frames = []
    for field, fm in mapping.fields.items():
        values, issues = field_values(table, field, fm)
        columns[field] = values
        frames.append(issues)
    return pd.DataFrame(columns, index=table.index), concat_issues(frames)


def object_of(mapping: "Mapping", model: "ObjectModel") -> "ObjectDef":
    """The mapping's object; a ConfigFileError at the line of `object:` or of an unknown field."""
    from crmtool.config.files import ConfigFileError, Finding as ConfigFinding

    where = str(mapping.path or "mapping")
    if mapping.object not in model:
        raise ConfigFileError([ConfigFinding(where, mapping.line_of("object"), "object",
                                             f"no object {mapping.object!r} (objects: {', '.join(model.names())})")])
    obj = model[mapping.object]
    unknown = [f for f in mapping.fields if f not in obj.fields]
    if unknown:
        raise ConfigFileError([ConfigFinding(where, mapping.line_of("fields", f), f"fields.{f}",
                                             f"{mapping.object} has no field {f!r} (`crmtool mapping check` names "
                                             f"the closest)") for f in unknown])
    return obj


def require_columns(table: "pd.DataFrame", mapping: "Mapping") -> None:
    """Every source column the mapping reads is in the table, else a ConfigFileError at its line."""
    from crmtool.config.files import ConfigFileError, Finding as ConfigFinding

    available = [str(c) for c in table.columns if c not in PROVENANCE]
    findings = []
    for field, fm in mapping.fields.items():
        for column in fm.columns:
            if column not in table.columns:
                keys = ("fields", field, "relationship", "from") if fm.relationship else ("fields", field, "from")
                findings.append(ConfigFinding(str(mapping.path or "mapping"), mapping.line_of(*keys), f"fields.{field}",
                                              f"no column {column!r} in the source (columns: {', '.join(available)})"))
    if findings:
        raise ConfigFileError(findings)


def field_values(table: "pd.DataFrame", field: str, fm: "FieldMapping") -> tuple["pd.Series", "pd.DataFrame"]:
    """One field's cleaned values and the issues its cleanse rules found."""
    import pandas as pd

    from crmtool.config.mapping import CLEANSE_TRANSFORMS, Concat, Constant, Default, Format, Regex, Split

    columns = fm.columns
    concat = next((t for t in fm.transforms if isinstance(t, Concat)), None)
    if fm.constant is not None:
        values = pd.Series(fm.constant, index=table.index, dtype="string")
        origin: str | pd.Series = field
    elif columns:
        values, origin = combine(table, columns, concat.concat.sep if concat else None)
    else:
        values, origin = pd.Series(pd.NA, index=table.index, dtype="string"), field
    frames = []
    for t in fm.transforms:
        if isinstance(t, str):
            if t in CLEANSE_TRANSFORMS:
                values, issues = apply_cleanse_rule(table, values, t, field, origin)
                frames.append(issues)
            else:
                values = SIMPLE[t](values)
        elif isinstance(t, Split):
            values = blank_to_na(values.str.split(t.split.sep, regex=False).str.get(t.split.index))
        elif isinstance(t, Regex):
            values = blank_to_na(per_distinct(values, regex_group(t.regex.pattern, t.regex.group)))
        elif isinstance(t, Format):
            values = fill_template(values, t.format)
        elif isinstance(t, Default):
            values = values.fillna(t.default)
        elif isinstance(t, Constant):
            values = pd.Series(t.constant, index=table.index, dtype="string")
    if fm.default is not None:
        values = values.fillna(fm.default)
    lookup_rule = lookup_cleanse_rule(fm)
    if lookup_rule and lookup_rule not in fm.cleanse_rules:
        values, issues = apply_cleanse_rule(table, values, lookup_rule, field, origin)
        frames.append(issues)
    return values.astype("string"), concat_issues(frames)


def lookup_cleanse_rule(fm: "FieldMapping") -> str | None:
    """The rule that puts a relationship's lookup values into the form the index keys on."""
    if fm.relationship is None:
        return None
    return {"name": "company_name", "credit_code": "credit_code"}.get(fm.relationship.by)


def combine(table: "pd.DataFrame", columns: list[str], sep: str | None) -> tuple["pd.Series", "str | pd.Series"]:
    """(values, origin): the first non-empty column per row (origin = that column), or with `sep` all
    non-empty columns joined (origin = the columns joined by +)."""
    import pandas as pd

    parts = [blank_to_na(table[c]) for c in columns]
    if len(parts) == 1:
        return parts[0], columns[0]
    if sep is not None:
        joined = parts[0]
        for part in parts[1:]:
            joined = joined.mask(joined.isna(), part).mask(joined.notna() & part.notna(), joined + sep + part)
        return joined.astype("string"), "+".join(columns)
    values = parts[0]
    origin = pd.Series(pd.NA, index=table.index, dtype="string").mask(values.notna(), columns[0])
    for column, part in zip(columns[1:], parts[1:]):
        take = values.isna() & part.notna()
        values = values.mask(take, part)
        origin = origin.mask(take, column)
    return values, origin.fillna(columns[0])


def fill_template(values: "pd.Series", template: str) -> "pd.Series":
    """`template` with each {value} replaced; empty values stay empty."""
    import pandas as pd

    pieces = template.split("{value}")
    out = pd.Series(pieces[0], index=values.index, dtype="string")
    for piece in pieces[1:]:
        out = out + values + piece
    return out.mask(values.isna(), pd.NA)


def per_distinct(values: "pd.Series", fn: Callable[[str], str | None]) -> "pd.Series":
    """fn over each distinct non-empty value, mapped back to the rows (exports repeat values a lot)."""
    import pandas as pd

    codes, uniques = pd.factorize(values.astype("string"), use_na_sentinel=True)
    done = pd.array([fn(v) for v in uniques.tolist()] + [None], dtype="string")
    codes = codes.copy()
    codes[codes < 0] = len(uniques)
    return pd.Series(done.take(codes), index=values.index, dtype="string")


def regex_group(pattern: str, group: int | str) -> Callable[[str], str | None]:
    """The text of `group` (0: the whole match) of the first match of `pattern`; no match → empty."""
    import re

    compiled = re.compile(pattern)

    def extract(value: str) -> str | None:
        found = compiled.search(value)
        return found.group(group) if found else None

    return extract


def stable_hash(value: str) -> str:
    """A stable 16-hex-digit id: the first 64 bits of the value's SHA-256."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:16]


@cache
def _t2s():
    import opencc

    return opencc.OpenCC("t2s")


def _simplified(value: str) -> str:
    return _t2s().convert(value)


def _halfwidth(value: str) -> str:
    from crmtool.cleanse.text import nfkc

    return nfkc(value)


SIMPLE: dict[str, Callable[["pd.Series"], "pd.Series"]] = {
    "strip": lambda s: blank_to_na(strip_blanks(s)),
    "upper": lambda s: s.str.upper(),
    "lower": lambda s: s.str.lower(),
    "traditional_to_simplified": lambda s: per_distinct(s, _simplified),
    "fullwidth_to_halfwidth": lambda s: per_distinct(s, _halfwidth),
    "hash": lambda s: per_distinct(s, stable_hash),
}


def apply_cleanse_rule(table: "pd.DataFrame", values: "pd.Series", kind: str, field: str,
                       origin: "str | pd.Series") -> tuple["pd.Series", "pd.DataFrame"]:
    """A cleanse rule by name over the current values: its clean values and its issues, each issue
    naming the source column and, in the message, the target field."""
    from crmtool.cleanse.rule import run_rule
    from crmtool.cleanse.stage import rule_for

    rule = rule_for(kind)
    result = run_rule(table, field, rule.check, (), values=values)
    return result.clean, label_issues(result.issues, table, field, origin)


def label_issues(issues: "pd.DataFrame", table: "pd.DataFrame", field: str, origin: "str | pd.Series") -> "pd.DataFrame":
    """Issues of a field: `column` = the source column the value came from, message prefixed `field: `."""
    import pandas as pd

    if not len(issues):
        return issues
    issues = issues.copy()
    if isinstance(origin, str):
        issues["column"] = origin
    else:
        by_row = pd.Series(origin.to_numpy(), index=table["_row_id"].to_numpy())
        issues["column"] = issues["_row_id"].map(by_row).astype("string")
    issues["message"] = (f"{field}: " + issues["message"]).astype("string")
    return issues


# ----------------------------------------------------------------------------------------------- map


def map_object(fields: "pd.DataFrame", mapping: "Mapping", model: "ObjectModel",
               relations: "dict[str, RelationIndex]", *, resolve_references: bool = True) -> MapResult:
    """The object's rows in canonical text, the rows that cannot be loaded, and the issues.

    `relations` holds an index per referred object (accounts for contacts): this run's mapped rows and
    the store's. A referred object without an index resolves nothing (a required reference rejects the
    row). With `resolve_references=False` references are left empty and not judged: mapping check
    does this on a sample, where the referred records are not at hand.
    """
    import pandas as pd

    from crmtool.mapper.relations import RelationIndex

    obj = object_of(mapping, model)
    if resolve_references:
        relations = {**{t: RelationIndex(model[t]) for t in obj.references.values() if t in model}, **relations}
    out = {c: fields[c] for c in PROVENANCE if c in fields}
    frames: list[pd.DataFrame] = []
    reasons: list[pd.DataFrame] = []
    for field, fm in mapping.fields.items():
        fdef = obj.fields[field]
        source = fm.columns[0] if fm.columns else field
        values = blank_to_na(fields[field]) if field in fields else pd.Series(pd.NA, index=fields.index, dtype="string")
        if fm.value_map:
            values = apply_value_map(values, fm.value_map) if fdef.type != "picklist" else values
        if fdef.type == "reference":
            values, issues, why = resolve_reference(fields, values, field, fm, fdef, relations, source,
                                                    required_field(field, fm, obj))
            frames.append(issues)
            reasons.append(why)
        else:
            values, issues = canonical(fields, values, field, fdef, fm, source)
            frames.append(issues)
        out[field] = values
    rows = pd.DataFrame(out, index=fields.index)
    reasons.append(required_reasons(rows, mapping, obj))
    reason_frame = pd.concat([r for r in reasons if len(r)] or [_no_reasons()], ignore_index=True)
    reason_frame = pd.concat([reason_frame, duplicate_reasons(rows, mapping, obj, reason_frame)], ignore_index=True)
    rejected_mask = rows.index.isin(reason_frame["index"])
    frames.append(reason_issues(rows, reason_frame))
    rejected = rows.loc[rejected_mask, [c for c in PROVENANCE if c in rows]].copy()
    joined = reason_frame.groupby("index", sort=False)["message"].agg("; ".join)
    rejected["reasons"] = joined.reindex(rejected.index).astype("string")
    return MapResult(rows.loc[~rejected_mask].reset_index(drop=True), rejected.reset_index(drop=True),
                     concat_issues(frames))


def required_field(field: str, fm: "FieldMapping", obj: "ObjectDef") -> bool:
    """Required by the object model (which a mapping cannot relax), by `required: true`, or the external id."""
    return field == obj.external_id or obj.fields[field].required or bool(fm.required)


def apply_value_map(values: "pd.Series", value_map: dict[str, str]) -> "pd.Series":
    """Source value → mapped value, matched ignoring case, width and spaces; other values unchanged."""
    from crmtool.cleanse.picklist import picklist_key

    lookup = {picklist_key(k): v for k, v in value_map.items()}
    return per_distinct(values, lambda v: lookup.get(picklist_key(v), v))


def canonical(fields: "pd.DataFrame", values: "pd.Series", field: str, fdef: "FieldDef", fm: "FieldMapping",
              source: str) -> tuple["pd.Series", "pd.DataFrame"]:
    """Values of a typed field in canonical text (docs/objects.md); invalid ones empty, with an issue."""
    from crmtool.cleanse.rule import run_rule
    from crmtool.issues import issues_frame as empty

    if fdef.type == "picklist":
        return check_picklist(fields, values, field, fdef, fm, source)
    check = CANONICAL.get(fdef.type)
    if check is None:
        return values, empty()
    result = run_rule(fields, field, check, (), values=values)
    return result.clean, label_issues(result.issues, fields, field, source)


def check_picklist(fields: "pd.DataFrame", values: "pd.Series", field: str, fdef: "FieldDef", fm: "FieldMapping",
                   source: str) -> tuple["pd.Series", "pd.DataFrame"]:
    """Value map and allowed list; a value outside the list stays, with an error issue for verify to judge."""
    from crmtool.cleanse.picklist import Picklist
    from crmtool.cleanse.rule import run_rule

    allowed = list(fdef.values or [])
    good_map = {k: v for k, v in (fm.value_map or {}).items() if v in allowed}
    picklist = Picklist(good_map, allowed)
    result = run_rule(fields, field, picklist.check, (), values=values)
    issues = result.issues[result.issues["rule"] != "picklist.mapped"]
    kept = result.clean.mask(result.status == "invalid", values)
    return kept.astype("string"), label_issues(issues.reset_index(drop=True), fields, field, source)


def _date_check(value: str) -> Outcome:
    from crmtool.cleanse.date import check_date

    out = check_date(value)
    if out.valid and len(out.clean) == 7:
        return Outcome(None, False, {}, [Finding("map.date_partial", Severity.ERROR,
                                                 f"only a month ({out.clean}), not a date", f"{out.clean}-01")])
    return Outcome(out.clean[:10] if out.valid else None, out.valid, {}, out.findings)


def _datetime_check(value: str) -> Outcome:
    out = _date_check(value)
    if not out.valid:
        return out
    from crmtool.cleanse.date import check_date

    iso = check_date(value).clean
    text = iso.replace("T", " ") if "T" in iso else f"{iso} 00:00:00"
    return Outcome(text, True, {}, out.findings)


def _decimal_check(value: str) -> Outcome:
    from crmtool.cleanse.amount import check_amount

    out = check_amount(value)
    if not out.valid:
        return out
    return Outcome(str(Decimal(out.clean).quantize(Decimal("0.01"))), True, {}, out.findings)


def _integer_check(value: str) -> Outcome:
    text = value.strip().replace(",", "").replace("，", "")
    try:
        number = Decimal(text)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        return Outcome(None, False, {}, [Finding("map.integer", Severity.ERROR, "not a whole number")])
    return Outcome(str(int(number)), True)


def _boolean_check(value: str) -> Outcome:
    key = value.strip().casefold()
    if key in TRUE_WORDS:
        return Outcome("true", True)
    if key in FALSE_WORDS:
        return Outcome("false", True)
    return Outcome(None, False, {}, [Finding("map.boolean", Severity.ERROR,
                                             "not a yes/no value (是/否, Y/N, true/false, 1/0)")])


CANONICAL: dict[str, Callable[[str], Outcome]] = {
    "date": _date_check, "datetime": _datetime_check, "decimal": _decimal_check, "integer": _integer_check,
    "boolean": _boolean_check,
}


def _reasons(index, rule: str, column: str, message, original=None) -> "pd.DataFrame":
    import pandas as pd

    frame = pd.DataFrame({"index": index})
    frame["rule"] = rule
    frame["column"] = column
    frame["message"] = message if not isinstance(message, pd.Series) else message.to_numpy()
    frame["original"] = original.to_numpy() if isinstance(original, pd.Series) else original
    return frame


def _no_reasons() -> "pd.DataFrame":
    return _reasons([], "", "", "")


def resolve_reference(fields: "pd.DataFrame", values: "pd.Series", field: str, fm: "FieldMapping", fdef: "FieldDef",
                      relations: "dict[str, RelationIndex]", source: str,
                      required: bool) -> tuple["pd.Series", "pd.DataFrame", "pd.DataFrame"]:
    """(external ids, issues, rejection reasons) of a reference field."""
    import pandas as pd

    target = fm.relationship.object if fm.relationship else fdef.to
    by = fm.relationship.by if fm.relationship else "external_id"
    empty_ids = pd.Series(pd.NA, index=values.index, dtype="string")
    index = relations.get(target)
    if index is None:
        return empty_ids, issues_frame(), _no_reasons()
    found = index.match(values, by)
    ids = found["id"]
    how = found["how"]
    frames = []
    fuzzy = ids.notna() & (how == "trade_name")
    if fuzzy.any():
        frames.append(issues_for_rows(fields, fuzzy, column=source, rule="map.reference_trade_name",
                                      severity=Severity.WARNING, original=values, suggestion=ids,
                                      message=(f"{field}: matched {target} " + found["candidates"]
                                               + " by trade name only; check it").astype("string")))
    missing = values.notna() & ids.isna()
    ambiguous = missing & (found["matches"] > 1)
    not_found = missing & ~ambiguous
    what = {"external_id": "external id", "name": "name", "credit_code": "credit code"}[by]
    msg_none = (f"{field}: no {target} record with {what} " + values.fillna("")).astype("string")
    msg_many = (f"{field}: {what} " + values.fillna("") + f" matches several {target} records ("
                + found["candidates"].fillna("") + ")").astype("string")
    reasons = _no_reasons()
    if required:
        reasons = pd.concat([_reasons(values.index[not_found], "map.reference_not_found", source, msg_none[not_found],
                                      values[not_found]),
                             _reasons(values.index[ambiguous], "map.reference_ambiguous", source, msg_many[ambiguous],
                                      values[ambiguous])], ignore_index=True)
    else:
        frames.append(issues_for_rows(fields, not_found, column=source, rule="map.reference_not_found",
                                      severity=Severity.WARNING, original=values,
                                      message=(msg_none + "; left empty").astype("string")))
        frames.append(issues_for_rows(fields, ambiguous, column=source, rule="map.reference_ambiguous",
                                      severity=Severity.WARNING, original=values,
                                      message=(msg_many + "; left empty").astype("string")))
    return ids.astype("string"), concat_issues(frames), reasons


def required_reasons(rows: "pd.DataFrame", mapping: "Mapping", obj: "ObjectDef") -> "pd.DataFrame":
    """A reason per row and required field that is empty (a reference handles its own misses)."""
    import pandas as pd

    frames = []
    for field in [obj.external_id, *[f for f in obj.fields if f != obj.external_id]]:
        fm = mapping.fields.get(field)
        if fm is None or not required_field(field, fm, obj):
            continue
        if obj.fields[field].type == "reference" and fm is not None:
            continue
        empty = rows[field].isna() if field in rows else pd.Series(True, index=rows.index)
        rule = "map.no_external_id" if field == obj.external_id else "map.required_missing"
        message = (f"{field}: no external id" if field == obj.external_id else f"{field}: required, but empty")
        source = fm.columns[0] if fm and fm.columns else field
        frames.append(_reasons(rows.index[empty], rule, source, message))
    return pd.concat(frames, ignore_index=True) if frames else _no_reasons()


def duplicate_reasons(rows: "pd.DataFrame", mapping: "Mapping", obj: "ObjectDef", reasons: "pd.DataFrame") -> "pd.DataFrame":
    """Rows whose external id an earlier loadable row already has (rows rejected for other reasons
    do not claim an id)."""
    ext = obj.external_id
    if ext not in rows:
        return _no_reasons()
    ok = rows.loc[~rows.index.isin(reasons["index"]) & rows[ext].notna()]
    dup = ok[ext].duplicated(keep="first")
    if not dup.any():
        return _no_reasons()
    first = ok.loc[~dup].set_index(ext)["_row_id"]
    again = ok.loc[dup]
    message = (f"{ext}: " + again[ext] + " repeats row " + again[ext].map(first).astype("string")).astype("string")
    fm = mapping.fields.get(ext)
    return _reasons(again.index, "map.duplicate_id", fm.columns[0] if fm and fm.columns else ext, message, again[ext])


def reason_issues(rows: "pd.DataFrame", reasons: "pd.DataFrame") -> "pd.DataFrame":
    """One error issue per rejection reason, pointing at the row."""
    import pandas as pd

    if not len(reasons):
        return issues_frame()
    hit = rows.loc[reasons["index"], [c for c in PROVENANCE if c in rows]].reset_index(drop=True)
    frame = pd.DataFrame({
        **{c: hit[c] for c in hit.columns},
        "column": reasons["column"].to_numpy(), "rule": reasons["rule"].to_numpy(), "severity": Severity.ERROR.value,
        "original": reasons["original"].to_numpy(), "suggestion": None,
        "message": ("rejected: " + reasons["message"].astype("string")).to_numpy(),
    })
    for column in PROVENANCE:
        if column not in frame:
            frame[column] = None
    return concat_issues([frame])


__all__ = ["MapResult", "cleanse_fields", "map_object", "stable_hash"]
