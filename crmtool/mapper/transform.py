"""The map half of the map stage, for one mapping file: field columns to the object's rows.

`map_object` turns the columns of `crmtool.mapper.fields.cleanse_fields` into the object's rows in canonical text (docs/objects.md): value
maps applied, picklists checked, dates, datetimes, decimals, integers and booleans canonicalised,
references resolved to external ids through a `RelationIndex`, and every row either kept or
rejected with its reasons (no external id, a required field empty, a required reference not found,
an external id seen before).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Callable

from crmtool.canon.blank import blank_to_na
from crmtool.cleanse.rule import Finding, Outcome
from crmtool.issues import PROVENANCE, Severity, concat_issues, issues_for_rows, issues_frame
from crmtool.mapper.fields import label_issues, object_of, per_distinct, stable_hash

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import FieldMapping, Mapping
    from crmtool.mapper.relations import RelationIndex
    from crmtool.model import FieldDef, ObjectDef, ObjectModel

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


__all__ = ["MapResult", "map_object", "stable_hash"]
