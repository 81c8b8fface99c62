"""Profile tables and files: stats per column plus the kind crmtool.cleanse.detect sees in it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from crmtool.profile.model import ColumnProfile, KindSummary, ProfileReport, TableProfile
from crmtool.profile.stats import as_text, cell_classes, column_stats, data_columns

if TYPE_CHECKING:
    import pandas as pd

READ_NOTES = 5
"""How many of read_table's issue messages a profile repeats (the count covers all of them)."""


def profile_table(
    table: "pd.DataFrame", *, top: int = 5, kinds: bool = True, issues: "pd.DataFrame | None" = None
) -> TableProfile:
    """Profile every data column of `table` (provenance columns are ignored).

    `source` and `sheet` come from the provenance columns when read_table produced the table; `issues`
    (read_table's issue table) is summarised as a count and the first few messages.
    With `kinds=False` the kind detection is skipped (`kind` is None), e.g. for a quick look at a huge file.
    """
    columns = tuple(
        _profile_column(str(label), table[label], top=top, kinds=kinds) for label in data_columns(table)
    )
    return TableProfile(
        source=_first(table, "_source"),
        sheet=_first(table, "_sheet"),
        rows=len(table),
        columns=columns,
        read_issues=0 if issues is None else len(issues),
        read_notes=_notes(issues),
    )


def profile_files(
    paths: Iterable[str | Path],
    sheet: str | int | None = None,
    *,
    all_sheets: bool = False,
    header_row: int | None = None,
    encoding: str | None = None,
    top: int = 5,
    kinds: bool = True,
) -> ProfileReport:
    """Read each file with crmtool.read and profile it: one TableProfile per file, in the order given.

    `sheet` picks one worksheet (name or 1-based position; default: the first with data);
    `all_sheets=True` profiles every worksheet that holds data instead (one TableProfile each).
    Read errors (CrmtoolError, e.g. InputError) propagate: a profile of half the files would mislead.
    """
    from crmtool.read import read_sheets, read_table

    tables: list[TableProfile] = []
    for path in paths:
        if all_sheets:
            results = read_sheets(path, header_row=header_row, encoding=encoding)
        else:
            results = [read_table(path, sheet=sheet, header_row=header_row, encoding=encoding)]
        for result in results:
            profile = profile_table(result.table, top=top, kinds=kinds, issues=result.issues)
            if not profile.source:
                profile = replace(profile, source=Path(path).name)
            tables.append(profile)
    return ProfileReport(tables=tuple(tables))


def _profile_column(name: str, series: "pd.Series", *, top: int, kinds: bool) -> ColumnProfile:
    text = as_text(series)
    empty, placeholder = cell_classes(text)
    stats = column_stats(text, top=top, classes=(empty, placeholder))
    return ColumnProfile(
        name=name,
        rows=stats.rows,
        filled=stats.filled,
        placeholder=stats.placeholder,
        empty=stats.empty,
        distinct=stats.distinct,
        untrimmed=stats.untrimmed,
        min_length=stats.min_length,
        max_length=stats.max_length,
        top=stats.top,
        placeholders=stats.top_placeholders,
        kind=_detect(name, text.mask(empty | placeholder)) if kinds else None,
    )


def _detect(name: str, values: "pd.Series") -> KindSummary:
    """Ask the detector about the filled values only.

    Empty cells and placeholders are <NA> in `values`: they are reported as fill figures already, and
    counting "无" as an invalid mobile number would make the valid share say the same thing twice.
    The detector estimates shares from a weighted sample, which can overshoot 1 by a rounding error:
    the share is clamped to [0, 1].
    """
    from crmtool.cleanse.detect import detect_kind

    report = detect_kind(name, values)
    kind = getattr(report.kind, "value", report.kind)
    return KindSummary(
        kind=str(kind),
        confidence=float(report.confidence),
        valid_share=None if report.valid_share is None else min(max(float(report.valid_share), 0.0), 1.0),
        invalid_examples=tuple(str(x) for x in report.invalid_examples),
        by=str(getattr(report.by, "value", report.by)),
    )


def _notes(issues: "pd.DataFrame | None") -> tuple[str, ...]:
    if issues is None or "message" not in issues.columns:
        return ()
    return tuple(str(m) for m in issues["message"].head(READ_NOTES).tolist())


def _first(table: "pd.DataFrame", column: str) -> str:
    if column not in table.columns or table.empty:
        return ""
    import pandas as pd

    value = table[column].iloc[0]
    return "" if pd.isna(value) else str(value)
