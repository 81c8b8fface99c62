"""The cleanse stage: run the field rule of each column's kind; add columns, collect issues.

For each cleansed column C the table gains `C__clean`, `C__status` (ok / fixed / invalid / empty)
and `C__<attribute>` for each derived attribute; every input column stays as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Mapping

from crmtool.cleanse.rule import Finding, Outcome, RuleResult, Settled, run_rule
from crmtool.issues import Severity, concat_issues

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

    from crmtool.cleanse.picklist import Picklist


@dataclass(frozen=True)
class Rule:
    kind: str
    check: Callable[[str], Outcome]
    attributes: tuple[str, ...]
    settle: "Callable[[pa.Array], Settled] | None" = None  # the column-wise pass, where the kind has one


def _phone_of_type(expected: str) -> Callable[[str], Outcome]:
    from crmtool.cleanse.phone import check_phone

    def check(value: str) -> Outcome:
        out = check_phone(value)
        found = out.attrs.get("phone_type")
        if out.valid and found != expected:
            out.findings.append(Finding("phone.type_mismatch", Severity.WARNING,
                                        f"a {found} number in a {expected} column"))
        return out

    return check


def rule_for(kind: str) -> Rule:
    """The rule that cleanses columns of `kind` (one of detect.KINDS, or picklist via cleanse_table)."""
    from crmtool.cleanse import (address, amount, company_name, credit_code, date, email, free_text, id_number,
                                 person_name, phone)

    rules = {
        "company_name": (company_name.check_company_name, company_name.ATTRIBUTES),
        "credit_code": (credit_code.check_credit_code, credit_code.ATTRIBUTES),
        "mobile": (_phone_of_type("mobile"), phone.ATTRIBUTES),
        "landline": (_phone_of_type("landline"), phone.ATTRIBUTES),
        "phone": (phone.check_phone, phone.ATTRIBUTES),
        "email": (email.check_email, email.ATTRIBUTES),
        "date": (date.check_date, date.ATTRIBUTES),
        "id_number": (id_number.check_id_number, id_number.ATTRIBUTES),
        "amount": (amount.check_amount, amount.ATTRIBUTES),
        "person_name": (person_name.check_person_name, person_name.ATTRIBUTES),
        "address": (address.check_address, address.ATTRIBUTES),
        "free_text": (free_text.check_free_text, free_text.ATTRIBUTES),
    }
    if kind not in rules:
        raise KeyError(kind)
    check, attributes = rules[kind]
    return Rule(kind, check, tuple(attributes), _settle_for(kind))


def _settle_for(kind: str) -> "Callable[[pa.Array], Settled] | None":
    """The column-wise pass that settles a kind's common values before the per-value check."""
    if kind == "credit_code":
        from crmtool.cleanse.credit_code_columns import settle_credit_codes

        return settle_credit_codes
    if kind == "email":
        from crmtool.cleanse.email_columns import settle_emails

        return settle_emails
    if kind == "company_name":
        from crmtool.cleanse.company_name_columns import settle_company_names

        return settle_company_names
    if kind in ("phone", "mobile", "landline"):
        from functools import partial

        from crmtool.cleanse.phone_columns import settle_phones

        return partial(settle_phones, expected=None if kind == "phone" else kind)
    return None


def cleanse_column(table: "pd.DataFrame", column: str, kind: str, picklist: "Picklist | None" = None,
                   *, columnwise: bool = True) -> RuleResult:
    """One column through its kind's rule. `columnwise=False` checks every distinct value one by one
    (the definition the column-wise passes are held to)."""
    if kind == "picklist":
        if picklist is None:
            raise ValueError(f"column {column}: kind picklist needs a picklist")
        return run_rule(table, column, picklist.check, ())
    rule = rule_for(kind)
    return run_rule(table, column, rule.check, rule.attributes, settle=rule.settle if columnwise else None)


def cleanse_table(
    table: "pd.DataFrame",
    kinds: Mapping[str, str],
    picklists: "Mapping[str, Picklist] | None" = None,
) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    """(table with the added columns, issues) for the columns named in `kinds` ({column: kind})."""
    import pandas as pd

    missing = [c for c in kinds if c not in table.columns]
    if missing:
        raise KeyError(", ".join(missing))
    added: dict[str, pd.Series] = {}
    issues = []
    for column, kind in kinds.items():
        result = cleanse_column(table, column, kind, (picklists or {}).get(column))
        added.update(result.columns(column))
        issues.append(result.issues)
    out = pd.concat([table, pd.DataFrame(added, index=table.index)], axis=1) if added else table.copy()
    return out, concat_issues(issues)


@dataclass
class CleanseResult:
    table: "pd.DataFrame"
    issues: "pd.DataFrame"
    kinds: dict[str, str]
    detected: dict[str, object]  # column → KindReport, for columns whose kind was detected
    info: dict


def parse_kind_options(options: list[str]) -> dict[str, str]:
    """["客户名称=company_name", …] → {column: kind}; a ConfigError names what is wrong."""
    from crmtool.cleanse.detect import KINDS
    from crmtool.errors import ConfigError

    kinds = {}
    for option in options:
        column, sep, kind = option.rpartition("=")
        column, kind = column.strip(), kind.strip()
        if not sep or not column:
            raise ConfigError(f"--as {option}: expected COLUMN=KIND, e.g. --as 统一社会信用代码=credit_code")
        if kind not in KINDS and kind != "picklist":
            raise ConfigError(f"--as {option}: unknown kind {kind!r} (one of: {', '.join(KINDS)}, picklist)")
        kinds[column] = kind
    return kinds


def detect_kinds(table: "pd.DataFrame", min_confidence: float = 0.5) -> tuple[dict[str, str], dict[str, object]]:
    """Kinds for every data column that detection is reasonably sure of (free text is left alone)."""
    from crmtool.cleanse.detect import detect_kind
    from crmtool.issues import PROVENANCE

    kinds, reports = {}, {}
    for column in table.columns:
        if column in PROVENANCE or "__" in str(column):
            continue
        report = detect_kind(str(column), table[column])
        reports[column] = report
        if report.kind != "free_text" and report.confidence >= min_confidence:
            kinds[column] = report.kind
    return kinds, reports


def cleanse_file(
    path,
    kinds: Mapping[str, str] | None = None,
    picklists: "Mapping[str, Picklist] | None" = None,
    *,
    sheet: str | int | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
) -> CleanseResult:
    """Read `path` (anything `read` accepts), cleanse the columns given (or detected), return all of it."""
    from crmtool.errors import ConfigError
    from crmtool.read import read_table

    read = read_table(path, sheet=sheet, header_row=header_row, encoding=encoding)
    table = read.table
    detected: dict[str, object] = {}
    if kinds:
        kinds = dict(kinds)
        missing = [c for c in kinds if c not in table.columns]
        if missing:
            data_columns = [c for c in table.columns if not str(c).startswith("_")]
            raise ConfigError(f"{path}: no column {', '.join(missing)} (columns: {', '.join(map(str, data_columns))})")
    else:
        kinds, detected = detect_kinds(table)
    for column, kind in kinds.items():
        if kind == "picklist" and column not in (picklists or {}):
            raise ConfigError(f"--as {column}=picklist needs --picklist {column}=FILE")
    out, issues = cleanse_table(table, kinds, picklists)
    from crmtool.issues import concat_issues

    return CleanseResult(out, concat_issues([read.issues, issues]), dict(kinds), detected, dict(read.info))


def status_counts(result: CleanseResult) -> list[dict]:
    """Per cleansed column: kind and how many cells are ok / fixed / invalid / empty."""
    rows = []
    for column, kind in result.kinds.items():
        counts = result.table[f"{column}__status"].value_counts()
        rows.append({"column": column, "kind": kind, **{s: int(counts.get(s, 0)) for s in
                                                         ("ok", "fixed", "invalid", "empty")}})
    return rows
