"""`crmtool mapping check`: is a mapping file right, before a run finds out? (docs/mapping.md)

Three layers, each adding findings (crmtool.config.files.Finding: file, line, field, message, severity,
rule): the file parses and validates against the schema (else it is *invalid*, exit 2); it fits the
object model (the object and fields exist, required fields are mapped, transforms, value maps and
relationships suit the field types); and with a sample, it fits the data (every source column exists,
the share of rows that would be rejected, columns whose values are mostly invalid, picklist values the
value map does not cover). The report is data, frictionless style: `valid`, `stats`, `findings`,
and per file its object and sample statistics; the CLI's JSON is exactly `CheckReport.to_dict()`.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from crmtool.config.files import ConfigFileError, Finding

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.mapping import FieldMapping, Mapping
    from crmtool.model import FieldDef, ObjectDef, ObjectModel

SEVERITIES = ("error", "warning", "info")

# Field types each cleanse rule may feed; string and text fields take any rule's output.
RULE_TYPES: dict[str, tuple[str, ...]] = {
    "company_name": ("company_name",), "credit_code": ("credit_code",), "mobile": ("mobile", "phone"),
    "landline": ("phone",), "phone": ("phone", "mobile"), "email": ("email",), "date": ("date", "datetime"),
    "id_number": ("id_number",), "amount": ("decimal", "integer"), "person_name": ("person_name",),
    "address": ("address",), "free_text": ("text",),
}
ANY_TEXT = ("string", "text")
# Field types whose cleanse rule a mapping should name (date, datetime and decimal are canonicalised
# by the map stage anyway).
RULE_OF_TYPE = {"company_name": "company_name", "credit_code": "credit_code", "mobile": "mobile", "phone": "phone",
                "email": "email", "person_name": "person_name", "address": "address", "id_number": "id_number"}
SCHEMA_KEYS = ("version", "object", "source", "fields", "dedupe", "file", "sheet", "header_row", "encoding", "from",
               "transforms", "value_map", "default", "constant", "required", "relationship", "by", "concat", "split",
               "regex", "format", "sep", "index", "pattern", "group")
TRANSFORM_KEYS = ("concat", "split", "regex", "format", "default", "constant")
DEFAULT_MAX_REJECTED = 0.5


@dataclass
class FileReport:
    """One mapping file's result: `status` is valid, errors (findings at error level) or invalid
    (unreadable, not YAML, against the schema, or its sample unreadable)."""

    file: str
    object: str | None = None
    status: str = "valid"
    findings: list[Finding] = field(default_factory=list)
    sample: dict | None = None

    def add(self, line: int, field_path: str, message: str, severity: str = "error", rule: str = "mapping") -> None:
        self.findings.append(Finding(self.file, line, field_path, message, severity, rule))

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}

    def settle(self) -> "FileReport":
        if self.status != "invalid":
            self.status = "errors" if self.counts()["error"] else "valid"
        return self

    def to_dict(self) -> dict:
        return {"file": self.file, "object": self.object, "status": self.status, "valid": self.status == "valid",
                "stats": self.counts(), "findings": [asdict(f) for f in self.findings], "sample": self.sample}


@dataclass
class CheckReport:
    files: list[FileReport]
    strict: bool = False
    """Warnings fail too (exit 1): for CI that wants a clean mapping, not only a loadable one."""

    @property
    def findings(self) -> list[Finding]:
        return [f for r in self.files for f in r.findings]

    @property
    def valid(self) -> bool:
        return self.exit_code == 0

    @property
    def exit_code(self) -> int:
        """0 clean (warnings allowed unless strict), 1 findings at error level (or, strict, at warning
        level), 2 a file unreadable or invalid."""
        if any(r.status == "invalid" for r in self.files):
            return 2
        failed = any(r.status == "errors" for r in self.files)
        warned = self.strict and any(f.severity == "warning" for f in self.findings)
        return 1 if failed or warned else 0

    def stats(self) -> dict[str, int]:
        counts = {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}
        return {"files": len(self.files), "invalid": sum(r.status == "invalid" for r in self.files),
                "findings": len(self.findings), "errors": counts["error"], "warnings": counts["warning"],
                "infos": counts["info"]}

    def to_dict(self) -> dict:
        return {"valid": self.valid, "exit_code": self.exit_code, "strict": self.strict, "stats": self.stats(),
                "findings": [asdict(f) for f in self.findings], "files": [r.to_dict() for r in self.files]}


# ----------------------------------------------------------------------------------------------- entry


def check_files(paths: Sequence[str | Path], model: "ObjectModel | None" = None, *, sample: bool = False,
                sample_file: str | Path | None = None, max_rejected: float = DEFAULT_MAX_REJECTED,
                strict: bool = False) -> CheckReport:
    """Check mapping files against the object model, and with `sample` against data: each mapping's own
    source file, or `sample_file` for every mapping given. `strict`: warnings fail too."""
    from crmtool.model import load_object_model

    model = model or load_object_model()
    return CheckReport([check_file(p, model, sample=sample or sample_file is not None, sample_file=sample_file,
                                   max_rejected=max_rejected) for p in paths], strict=strict)


def check_file(path: str | Path, model: "ObjectModel", *, sample: bool = False, sample_file: str | Path | None = None,
               max_rejected: float = DEFAULT_MAX_REJECTED) -> FileReport:
    from crmtool.config.mapping import load_mapping

    report = FileReport(str(path))
    try:
        mapping = load_mapping(path)
    except ConfigFileError as exc:
        report.status = "invalid"
        report.findings.extend(explain_schema_findings(exc.findings, path))
        return report
    report.object = mapping.object
    report.findings.extend(check_mapping(mapping, model, str(path)))
    if sample and mapping.object in model and not any(f.rule == "mapping.unknown_field" for f in report.findings):
        check_sample(mapping, model, report, sample_file, max_rejected)
    return report.settle()


# ----------------------------------------------------------------------------------------------- schema


def explain_schema_findings(findings: list[Finding], path: str | Path) -> list[Finding]:
    """Schema findings with a hint: the closest known key for an unknown one, the closest transform
    name for an unknown transform."""
    from crmtool.config.files import load_yaml

    try:
        data, _ = load_yaml(path)
    except ConfigFileError:
        data = None
    out = []
    for f in findings:
        message = f.message
        parts = f.field.split(".") if f.field else []
        if message.startswith("unknown key") and parts:
            near = closest_key(parts[-1], keys_at(parts[:-1]))
            if near:
                message = f"unknown key {parts[-1]!r}: did you mean {near!r}?"
        elif len(parts) >= 4 and parts[-2] == "transforms" and parts[-1].isdigit():
            from crmtool.config.mapping import CLEANSE_TRANSFORMS, SIMPLE_TRANSFORMS

            value = _at(data, parts)
            if isinstance(value, str):
                near = closest(value, CLEANSE_TRANSFORMS + SIMPLE_TRANSFORMS)
                message = f"unknown transform {value!r}" + (f": did you mean {near!r}?" if near else
                                                            " (see docs/mapping.md for the transforms)")
            elif isinstance(value, dict) and len(value) == 1:
                key = str(next(iter(value)))
                near = closest_key(key, TRANSFORM_KEYS)
                message = f"unknown transform {{{key}: …}}" + (f": did you mean {{{near}: …}}?" if near else
                                                              f" (one of {', '.join(TRANSFORM_KEYS)})")
        message = message.removeprefix("value error, ")
        out.append(Finding(str(path), f.line, f.field, message, "error", f.rule))
    return out


def keys_at(parent: list[str]) -> list[str]:
    """The keys allowed under a key path of a mapping file."""
    from crmtool.config.mapping import FieldMapping, Mapping, Relationship, Source

    def keys(model) -> list[str]:
        return [f.alias or name for name, f in model.model_fields.items() if name != "path"]

    if not parent:
        return keys(Mapping)
    if parent == ["source"]:
        return keys(Source)
    if parent[0] == "fields" and len(parent) == 2:
        return keys(FieldMapping)
    if parent[0] == "fields" and len(parent) == 3 and parent[2] == "relationship":
        return keys(Relationship)
    return list(SCHEMA_KEYS)


def closest_key(word: str, choices: Sequence[str]) -> str | None:
    """The key a typo meant: by edit distance with transpositions (form → from, not format)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    hit = process.extractOne(word, list(choices), scorer=OSA.normalized_similarity, score_cutoff=0.5)
    return hit[0] if hit else None


def _at(data, parts: list[str]):
    for part in parts:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def closest(word: str, choices: Sequence[str], cutoff: float = 60) -> str | None:
    """The choice most like `word` (rapidfuzz), or None when nothing is close."""
    from rapidfuzz import fuzz, process

    hit = process.extractOne(str(word), list(choices), scorer=fuzz.WRatio, score_cutoff=cutoff)
    return hit[0] if hit else None


# ----------------------------------------------------------------------------------------------- model


def check_mapping(mapping: "Mapping", model: "ObjectModel", file: str | None = None) -> list[Finding]:
    """Findings of a mapping against the object model (no data needed)."""
    report = FileReport(file or str(mapping.path or "mapping"))
    if mapping.object not in model:
        near = closest(mapping.object, model.names())
        report.add(mapping.line_of("object"), "object", f"no object {mapping.object!r}" +
                   (f": did you mean {near!r}?" if near else f" (objects: {', '.join(model.names())})"),
                   rule="mapping.unknown_object")
        return report.findings
    obj = model[mapping.object]
    for name, fm in mapping.fields.items():
        if name not in obj.fields:
            near = closest(name, list(obj.fields))
            report.add(mapping.line_of("fields", name), f"fields.{name}",
                       f"{mapping.object} has no field {name!r}" + (f": did you mean {near!r}?" if near else
                                                                    f" (fields: {', '.join(obj.fields)})"),
                       rule="mapping.unknown_field")
            continue
        check_field(report, mapping, model, obj, name, fm)
        check_column_names(report, mapping, name, fm)
    check_required(report, mapping, obj)
    return report.findings


def check_column_names(report: FileReport, mapping: "Mapping", name: str, fm: "FieldMapping") -> None:
    """A `from` column whose name holds a value (联系方式/13812345678) was named after a data row that a
    reader took into the header: that row's record is missing from the source as the mapping sees it."""
    for column in fm.columns:
        if looks_like_data(column):
            keys = ("fields", name, "relationship", "from") if fm.relationship else ("fields", name, "from")
            report.add(mapping.line_of(*keys), f"fields.{name}", f"column {column!r} is named after a value, not a "
                       "header: its first data row was read as part of the header; re-read the source (crmtool read) "
                       "and map the column by its header", "warning", "mapping.column_looks_like_data")


def looks_like_data(column: str) -> bool:
    """A column name one of whose "/"-parts is a value: a phone number, a credit code, an amount, a date."""
    return any(_DATA_IN_NAME.match(part.strip()) for part in str(column).split("/"))


def check_required(report: FileReport, mapping: "Mapping", obj: "ObjectDef") -> None:
    required = [obj.external_id, *[f for f in obj.required_fields if f != obj.external_id]]
    for name in required:
        fm = mapping.fields.get(name)
        if fm is None:
            what = "the external id (every record needs one: map an id column, or generate one with the hash " \
                   "transform)" if name == obj.external_id else "required by the object model"
            report.add(mapping.line_of("fields"), f"fields.{name}", f"{name} is not mapped: {what}",
                       rule="mapping.required_unmapped")
        elif fm.required is False:
            report.add(mapping.line_of("fields", name, "required"), f"fields.{name}.required",
                       "required: false cannot relax a field the object model requires (or the external id)",
                       rule="mapping.required_relaxed")


def check_field(report: FileReport, mapping: "Mapping", model: "ObjectModel", obj: "ObjectDef", name: str,
                fm: "FieldMapping") -> None:
    from crmtool.config.mapping import Concat

    fdef = obj.fields[name]
    path = f"fields.{name}"
    for i, t in enumerate(fm.transforms):
        if isinstance(t, str) and t in RULE_TYPES and not rule_fits(t, fdef, fm):
            report.add(mapping.line_of("fields", name, "transforms", i), f"{path}.transforms.{i}",
                       f"transform {t!r} makes {t.replace('_', ' ')} values, but {name} is a {fdef.type} field"
                       + _suggest_rule(fdef), rule="mapping.type_mismatch")
        if isinstance(t, Concat):
            if len(fm.columns) < 2:
                report.add(mapping.line_of("fields", name, "transforms", i), f"{path}.transforms.{i}",
                           "concat joins several source columns, but from: names one", "warning", "mapping.concat")
            elif i:
                report.add(mapping.line_of("fields", name, "transforms", i), f"{path}.transforms.{i}",
                           "concat joins the source columns before any other transform; write it first",
                           "warning", "mapping.concat")
    if fdef.type == "reference" or fm.relationship is not None:
        check_reference(report, mapping, model, name, fm, fdef)
    elif fdef.type in RULE_OF_TYPE and not fm.cleanse_rules and fm.constant is None and fm.columns:
        report.add(mapping.line_of("fields", name), path,
                   f"{name} is a {fdef.type} field: add transforms: [{RULE_OF_TYPE[fdef.type]}] to normalise and "
                   "validate it (else it is loaded as written)", "info", "mapping.cleanse_missing")
    check_values(report, mapping, name, fm, fdef)


def rule_fits(rule: str, fdef: "FieldDef", fm: "FieldMapping") -> bool:
    if fm.relationship is not None:
        return rule in {"name": ("company_name",), "credit_code": ("credit_code",)}.get(fm.relationship.by, ())
    return fdef.type in ANY_TEXT or fdef.type in RULE_TYPES[rule]


def _suggest_rule(fdef: "FieldDef") -> str:
    if fdef.cleanse_kind:
        return f" (its rule is {fdef.cleanse_kind!r})"
    return ""


def check_reference(report: FileReport, mapping: "Mapping", model: "ObjectModel", name: str, fm: "FieldMapping",
                    fdef: "FieldDef") -> None:
    from crmtool.mapper.relations import code_field, name_field

    rel = fm.relationship
    line = mapping.line_of("fields", name, "relationship") if rel else mapping.line_of("fields", name)
    if fdef.type != "reference":
        report.add(line, f"fields.{name}.relationship",
                   f"{name} is a {fdef.type} field, not a reference: a relationship only fills reference fields",
                   rule="mapping.relationship_field")
        return
    if rel is None:
        if fm.columns:
            report.add(line, f"fields.{name}", f"{name} refers to {fdef.to}: its values are taken as {fdef.to} "
                       f"external ids (write relationship: {{object: {fdef.to}, by: name, from: …}} to find them by "
                       "name or credit code)", "info", "mapping.reference_by_id")
        return
    obj_line = mapping.line_of("fields", name, "relationship", "object")
    if rel.object not in model:
        report.add(obj_line, f"fields.{name}.relationship.object", f"no object {rel.object!r}"
                   + (f": did you mean {closest(rel.object, model.names())!r}?" if closest(rel.object, model.names())
                      else ""), rule="mapping.relationship_object")
        return
    if rel.object != fdef.to:
        report.add(obj_line, f"fields.{name}.relationship.object",
                   f"{name} refers to {fdef.to}, but the relationship looks in {rel.object}",
                   rule="mapping.relationship_object")
        return
    target = model[rel.object]
    needed = {"name": name_field(target), "credit_code": code_field(target)}
    if rel.by in needed and needed[rel.by] is None:
        report.add(mapping.line_of("fields", name, "relationship", "by"), f"fields.{name}.relationship.by",
                   f"{rel.object} has no {'company name' if rel.by == 'name' else 'credit code'} field to match by",
                   rule="mapping.relationship_by")
    if fm.value_map:
        report.add(mapping.line_of("fields", name, "value_map"), f"fields.{name}.value_map",
                   "a value map on a reference field is applied to the lookup values", "warning",
                   "mapping.value_map_not_picklist")


def check_values(report: FileReport, mapping: "Mapping", name: str, fm: "FieldMapping", fdef: "FieldDef") -> None:
    """Value maps, constants and defaults against the picklist."""
    if fm.value_map and fdef.type not in ("picklist", "reference"):
        report.add(mapping.line_of("fields", name, "value_map"), f"fields.{name}.value_map",
                   f"{name} is a {fdef.type} field, not a picklist: the value map still replaces the values it lists",
                   "warning", "mapping.value_map_not_picklist")
    if fdef.type != "picklist":
        return
    allowed = list(fdef.values or [])
    for source, target in (fm.value_map or {}).items():
        if target not in allowed:
            near = closest(target, allowed)
            report.add(mapping.line_of("fields", name, "value_map", source), f"fields.{name}.value_map.{source}",
                       f"{target!r} is not one of {name}'s values" + (f": did you mean {near!r}?" if near else
                                                                      f" ({', '.join(allowed)})"),
                       rule="mapping.value_map_target")
    for key in ("constant", "default"):
        value = getattr(fm, key)
        if value is not None and value not in allowed and (fm.value_map or {}).get(value) not in allowed:
            report.add(mapping.line_of("fields", name, key), f"fields.{name}.{key}",
                       f"{value!r} is not one of {name}'s values ({', '.join(allowed)})", rule="mapping.value_not_allowed")


# ----------------------------------------------------------------------------------------------- sample


def check_sample(mapping: "Mapping", model: "ObjectModel", report: FileReport, sample_file: str | Path | None,
                 max_rejected: float) -> None:
    """Run the cleanse and map stages on the sample and report what the data says about the mapping."""
    from crmtool.errors import CrmtoolError
    from crmtool.issues import concat_issues
    from crmtool.mapper.fields import cleanse_fields
    from crmtool.mapper.transform import map_object
    from crmtool.mapper.source import SourceFile, read_source, source_files

    path = Path(sample_file) if sample_file is not None else mapping.source_path()
    try:
        files = [SourceFile(path, path.name)] if sample_file is not None else source_files(mapping)
        read = read_source(mapping, files)
    except CrmtoolError as exc:
        report.status = "invalid"
        report.add(mapping.line_of("source") if sample_file is None else 0, "source",
                   f"sample {path} cannot be read: {exc}", rule="sample.unreadable")
        return
    table = read.table
    files = [str(f.path) for f in files]
    report_header_data(report, mapping, read.info.get("header_rows") or [], read.data_columns)
    missing = check_columns(report, mapping, table)
    if missing:
        report.sample = {"source": str(path), "files": files, "rows": len(table), "checked": False}
        return
    fields, cleanse_issues = cleanse_fields(table, mapping, model)
    result = map_object(fields, mapping, model, {}, resolve_references=False)
    obj = model[mapping.object]
    skipped = [n for n, fm in mapping.fields.items() if obj.fields[n].type == "reference"]
    if skipped:
        report.add(mapping.line_of("fields", skipped[0]), f"fields.{skipped[0]}",
                   f"references not resolved on a sample ({', '.join(skipped)}): that needs the referred records; "
                   "a run resolves them", "info", "sample.references_skipped")
    rows = len(table)
    share = len(result.rejected) / rows if rows else 0.0
    issues = concat_issues([cleanse_issues, result.issues])
    report.sample = {"source": str(path), "files": files, "rows": rows, "checked": True, "mapped": len(result.rows),
                     "rejected": len(result.rejected), "rejected_share": round(share, 4),
                     "issues": {s: int((issues["severity"] == s).sum()) for s in SEVERITIES}}
    report_rejections(report, mapping, result.rejected, result.issues, share, max_rejected)
    report_invalid_columns(report, mapping, table, fields, obj)
    report_picklists(report, mapping, fields, obj)
    report_unmapped_columns(report, mapping, table, obj)


# A part of a column name that is a value, not a label: a phone number, a credit code, an amount, a date.
_DATA_IN_NAME = re.compile(r"^[+\d][\d\s\-()（）.,:/]{5,}$|^[0-9A-Z]{18}$|^\d{4}[-/.年]\d{1,2}([-/.月]\d{1,2}日?)?$")
_KNOWN_KINDS = ("credit_code", "id_number", "email", "mobile", "landline", "phone", "date")
"""Content kinds sure enough to say that an unmapped column holds something the CRM has a field for."""


def report_header_data(report: FileReport, mapping: "Mapping", header_rows: list[int], columns: list[str]) -> None:
    """Column names that hold values (联系方式/13812345678): the header took in a data row, whose customer
    is lost to the load. Names the row and the columns, with the fix."""
    looks = [c for c in columns if looks_like_data(c)]
    if not looks:
        return
    rows = [r + 1 for r in header_rows] if header_rows else []
    where = f"the header is read from rows {', '.join(map(str, rows))}; " if len(rows) > 1 else ""
    report.add(mapping.line_of("source"), "source", f"{where}column names hold data ({', '.join(looks[:3])}): a data "
               "row was taken into the header and its record would be lost; set source.header_row to the header's "
               "row", "warning", "sample.header_looks_like_data")


def report_unmapped_columns(report: FileReport, mapping: "Mapping", table: "pd.DataFrame", obj: "ObjectDef") -> None:
    """A sample column whose content is clearly a known kind (credit codes, mobiles, e-mails …) that no
    field maps (a column that only feeds a generated id's hash counts as unmapped): data the CRM has a
    place for would be left behind."""
    from crmtool.cleanse.detect import detect_kind
    from crmtool.issues import PROVENANCE

    used = {c for fm in mapping.fields.values() if "hash" not in fm.transforms for c in fm.columns}
    for column in [c for c in table.columns if c not in PROVENANCE and c not in used]:
        found = detect_kind(str(column), table[column])
        sure = found.valid_share >= 0.8 or (found.by == "header+content" and found.valid_share >= 0.5)
        if found.kind not in _KNOWN_KINDS or not sure:
            continue
        free = [n for n, f in obj.fields.items() if n not in mapping.fields and _fits(found.kind, f.type)]
        hint = f"map it to {' or '.join(free)}" if free else "no free field of that type takes it (a custom field could)"
        report.add(mapping.line_of("fields"), "fields", f"column {column!r} holds {found.kind.replace('_', ' ')} values "
                   f"({found.valid_share:.0%} valid) but no field maps it; {hint}", "warning" if free else "info",
                   "sample.unmapped_column")


def _fits(kind: str, field_type: str) -> bool:
    fitting = {"landline": ("phone",), "mobile": ("mobile", "phone"), "phone": ("phone", "mobile"),
               "date": ("date", "datetime")}
    return field_type in fitting.get(kind, (kind,))


def check_columns(report: FileReport, mapping: "Mapping", table: "pd.DataFrame") -> bool:
    from crmtool.issues import PROVENANCE

    available = [str(c) for c in table.columns if c not in PROVENANCE]
    missing = False
    for name, fm in mapping.fields.items():
        for column in fm.columns:
            if column in table.columns:
                continue
            missing = True
            keys = ("fields", name, "relationship", "from") if fm.relationship else ("fields", name, "from")
            near = closest(column, available)
            report.add(mapping.line_of(*keys), f"fields.{name}", f"no column {column!r} in the sample"
                       + (f": did you mean {near!r}?" if near else "") + f" (columns: {', '.join(available)})",
                       rule="sample.missing_column")
    return missing


def report_rejections(report: FileReport, mapping: "Mapping", rejected: "pd.DataFrame", issues: "pd.DataFrame",
                      share: float, max_rejected: float) -> None:
    rows = report.sample["rows"]
    summary = f"{len(rejected)} of {rows} sample rows would be rejected ({share:.0%})"
    if not len(rejected):
        report.add(mapping.line_of("fields"), "", f"{summary}", "info", "sample.rejected")
        return
    reasons = issues.loc[issues["message"].str.startswith("rejected: ").fillna(False), "rule"].value_counts()
    why = ", ".join(f"{k} {v}×" for k, v in reasons.head(3).items())
    first = rejected["reasons"].iloc[0]
    severity = "error" if share > max_rejected else "warning"
    limit = f" (more than --max-rejected {max_rejected:.0%}: is the mapping right?)" if severity == "error" else ""
    report.add(mapping.line_of("fields"), "", f"{summary}{limit}; {why}; e.g. row "
               f"{rejected['_row'].iloc[0]}: {first}", severity, "sample.rejected")


def report_invalid_columns(report: FileReport, mapping: "Mapping", table: "pd.DataFrame", fields: "pd.DataFrame",
                           obj: "ObjectDef") -> None:
    """A field whose source values mostly fail its cleanse rules: the wrong column, or the wrong rule."""
    from crmtool.canon.blank import blank_to_na

    for name, fm in mapping.fields.items():
        if not fm.cleanse_rules or not fm.columns or len(fm.columns) > 1:
            continue
        given = blank_to_na(table[fm.columns[0]]).notna()
        if given.sum() < 3:
            continue
        lost = given & fields[name].isna()
        share = lost.sum() / given.sum()
        if share >= 0.5:
            examples = ", ".join(table.loc[lost, fm.columns[0]].astype(str).drop_duplicates().head(3))
            report.add(mapping.line_of("fields", name, "transforms"), f"fields.{name}",
                       f"{share:.0%} of the values of {fm.columns[0]!r} fail {'/'.join(fm.cleanse_rules)} "
                       f"(e.g. {examples}): the wrong column or the wrong rule?", "warning", "sample.mostly_invalid")


def report_picklists(report: FileReport, mapping: "Mapping", fields: "pd.DataFrame", obj: "ObjectDef") -> None:
    """Sample values of a picklist field that neither the list nor the value map covers."""
    from crmtool.canon.blank import blank_to_na
    from crmtool.cleanse.picklist import Picklist
    from crmtool.mapper.transform import apply_value_map

    for name, fm in mapping.fields.items():
        fdef = obj.fields[name]
        if fdef.type != "picklist" or name not in fields:
            continue
        values = blank_to_na(fields[name]).dropna()
        if fm.value_map:
            values = apply_value_map(values, fm.value_map)
        picklist = Picklist(allowed=fdef.values or [])
        counts = values.value_counts()
        outside = [(v, int(n)) for v, n in counts.items() if not picklist.check(str(v)).valid]
        if outside:
            listed = ", ".join(f"{v!r} ({n}×)" for v, n in outside[:8]) + (" …" if len(outside) > 8 else "")
            line = mapping.line_of("fields", name, "value_map") or mapping.line_of("fields", name)
            report.add(line, f"fields.{name}.value_map",
                       f"{len(outside)} sample value(s) of {name} not in the picklist and not in the value map: {listed}",
                       "warning", "sample.picklist_uncovered")
