"""The profile in the terminal: one rich table per file (per sheet of a workbook)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmtool.profile.model import ColumnProfile, ProfileReport, TableProfile

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

MAX_CELL_CHARS = 24
"""Values longer than this are cut with an ellipsis in the terminal (the JSON and HTML keep them)."""


def print_profile(report: ProfileReport, console: "Console") -> None:
    for table in report.tables:
        console.print(profile_table_view(table))
        console.print()


def table_title(profile: TableProfile) -> str:
    where = profile.source + (f" · {profile.sheet}" if profile.sheet else "")
    return f"{where} — {profile.rows} rows, {len(profile.columns)} columns, {profile.fill_rate:.1%} of cells filled"


def profile_table_view(profile: TableProfile) -> "Table":
    from rich.table import Table
    from rich.text import Text

    view = Table(title=Text(table_title(profile), style="bold"), title_justify="left", caption_justify="left")
    view.add_column("column", overflow="fold")
    view.add_column("kind")
    view.add_column("fill", justify="right", no_wrap=True)
    view.add_column("distinct", justify="right")
    view.add_column("valid", justify="right")
    view.add_column("top values", overflow="fold")
    view.add_column("invalid examples", overflow="fold")
    for column in profile.columns:
        view.add_row(
            Text(column.name),
            _kind_cell(column),
            _fill_cell(column),
            str(column.distinct),
            _valid_cell(column),
            Text("\n".join(f"{_cut(v.value)} ×{v.count}" for v in column.top)),
            Text("\n".join(_cut(x) for x in column.kind.invalid_examples) if column.kind else "", style="red"),
        )
    if profile.read_issues:
        notes = "; ".join(profile.read_notes)
        more = " (`crmtool read` lists all)" if profile.read_issues > len(profile.read_notes) else ""
        view.caption = Text(f"read noted {profile.read_issues}{more}: {notes}", style="dim")
    return view


def _kind_cell(column: ColumnProfile) -> "Text":
    from rich.text import Text

    if column.kind is None:
        return Text("—", style="dim")
    return Text(column.kind.label, style="dim" if not column.kind.has_rule else "")


def _fill_cell(column: ColumnProfile) -> "Text":
    from rich.text import Text

    cell = Text(f"{column.fill_rate:.1%}", style=_grade(column.fill_rate))
    if column.placeholder:
        cell.append(f"\n+{column.placeholder} placeholder", style="yellow")
    return cell


def _valid_cell(column: ColumnProfile) -> "Text":
    from rich.text import Text

    if column.kind is None or not column.kind.has_rule or not column.filled:
        return Text("—", style="dim")
    return Text(f"{column.kind.valid_share:.1%}", style=_grade(column.kind.valid_share))


def _grade(share: float) -> str:
    return "green" if share >= 0.95 else "yellow" if share >= 0.7 else "red"


def _cut(value: str) -> str:
    value = value.replace("\n", "⏎")
    return value if len(value) <= MAX_CELL_CHARS else value[: MAX_CELL_CHARS - 1] + "…"
