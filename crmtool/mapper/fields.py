"""The cleanse half of the map stage, for one mapping file: source columns to one text column per field.

`cleanse_fields` turns a read table (provenance + source columns as text) into one cleaned text
column per mapped target field: source columns combined (first non-empty, or joined by a concat
transform), transforms applied in order (cleanse rules through `crmtool.cleanse`, run once per distinct
value), the field's default filled in. A relationship field holds its lookup value (the cleansed
company name for `by: name`, the cleansed credit code for `by: credit_code`).

`cleanse_fields_and_attributes` also keeps what the rules found out about the values besides their clean
form (the region of a name, a phone, an address or a credit code, …), for the stages after it that
would otherwise run the rules again to learn it (the run's enrich stage): per field asked for, each
distinct value the rule returned valid, with the attributes asked for.
"""

from __future__ import annotations

import hashlib
from functools import cache
from typing import TYPE_CHECKING, Callable, Sequence
from typing import Mapping as MappingType

from crmtool.canon.blank import blank_to_na, strip_blanks
from crmtool.issues import PROVENANCE, concat_issues

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import FieldMapping, Mapping
    from crmtool.model import ObjectDef, ObjectModel


def cleanse_fields(table: "pd.DataFrame", mapping: "Mapping", model: "ObjectModel") -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """(fields, issues): provenance + one cleaned text column per mapped target field."""
    fields, _, issues = cleanse_fields_and_attributes(table, mapping, model, {})
    return fields, issues


def cleanse_fields_and_attributes(
    table: "pd.DataFrame", mapping: "Mapping", model: "ObjectModel",
    keep: "MappingType[str, tuple[str, Sequence[str]]]",
) -> tuple["pd.DataFrame", "pd.DataFrame", "pd.DataFrame"]:
    """(fields, attributes, issues): `cleanse_fields`, and for each field in `keep` ({field: (rule,
    attribute names)}) whose transforms run that cleanse rule, the attributes the rule gave: one row per
    distinct value the rule returned valid, columns `field`, `rule`, `value` (that clean value) and the
    attribute names (<NA> where the rule says nothing). A later transform may change the field's values
    again: the rows say what the rule's clean values are, not which rows still hold them."""
    import pandas as pd

    object_of(mapping, model)
    require_columns(table, mapping)
    columns = {c: table[c] for c in PROVENANCE if c in table}
    frames, kept = [], []
    for field, fm in mapping.fields.items():
        values, issues, attributes = field_values(table, field, fm, keep.get(field))
        columns[field] = values
        frames.append(issues)
        if attributes is not None:
            kept.append(attributes.assign(field=field, rule=keep[field][0]))
    columns_kept = ["field", "rule", "value", *dict.fromkeys(a for _, attrs in keep.values() for a in attrs)]
    attributes = pd.concat(kept, ignore_index=True) if kept else pd.DataFrame(columns=columns_kept)
    attributes = attributes.reindex(columns=columns_kept).astype("string")
    return pd.DataFrame(columns, index=table.index), attributes, concat_issues(frames)


def object_of(mapping: "Mapping", model: "ObjectModel") -> "ObjectDef":
    """The mapping's object; a ConfigFileError at the line of `object:` or of an unknown field."""
    from crmtool.config.files import ConfigFileError
    from crmtool.config.files import Finding as ConfigFinding

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
    from crmtool.config.files import ConfigFileError
    from crmtool.config.files import Finding as ConfigFinding

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


def field_values(table: "pd.DataFrame", field: str, fm: "FieldMapping",
                 keep: "tuple[str, Sequence[str]] | None" = None) -> tuple["pd.Series", "pd.DataFrame", "pd.DataFrame | None"]:
    """One field's cleaned values, the issues its cleanse rules found, and with `keep` = (rule,
    attribute names) what the last run of that rule found out: the distinct values it returned valid
    (`value`) with those attributes (None when the rule is not among the field's transforms)."""
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
    kept = None
    for t in fm.transforms:
        if isinstance(t, str):
            if t in CLEANSE_TRANSFORMS:
                values, issues, found = apply_cleanse_rule(table, values, t, field, origin,
                                                           keep[1] if keep and keep[0] == t else ())
                frames.append(issues)
                kept = found if keep and keep[0] == t else kept
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
        values, issues, found = apply_cleanse_rule(table, values, lookup_rule, field, origin,
                                                   keep[1] if keep and keep[0] == lookup_rule else ())
        frames.append(issues)
        kept = found if keep and keep[0] == lookup_rule else kept
    return values.astype("string"), concat_issues(frames), kept


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
                       origin: "str | pd.Series", attributes: "Sequence[str]" = ()
                       ) -> tuple["pd.Series", "pd.DataFrame", "pd.DataFrame | None"]:
    """A cleanse rule by name over the current values: its clean values, its issues (each naming the
    source column and, in the message, the target field) and, when `attributes` are named, per distinct
    value it returned valid (`value`) the attributes it found (else None). The kind's column-wise pass
    settles what it can first, as in `crmtool cleanse` (the same results: tests/cleanse/test_vector_rules.py)."""
    import pandas as pd

    from crmtool.cleanse.rule import run_rule
    from crmtool.cleanse.stage import rule_for

    rule = rule_for(kind)
    result = run_rule(table, field, rule.check, tuple(attributes), values=values, settle=rule.settle)
    found = None
    if attributes:
        valid = result.clean.notna().to_numpy()
        found = pd.DataFrame({"value": result.clean[valid], **{a: result.attrs[a][valid] for a in attributes}})
        found = found.drop_duplicates("value").reset_index(drop=True)
    return result.clean, label_issues(result.issues, table, field, origin), found


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
