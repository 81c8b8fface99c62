"""`crmtool init SOURCES…`: draft a migration.yaml and one mapping per source (see docs/mapping.md)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    sources: List[Path] = typer.Argument(..., help="Source files or folders (.xlsx .xls .csv .txt …).",
                                         show_default=False, metavar="SOURCES..."),
    object_name: Optional[str] = typer.Option(None, "--object", help="The object every source maps to "
                                              "(default: guessed per table from its name and columns)."),
    out: Path = typer.Option(Path("."), "--out", "-o", help="The project folder: migration.yaml and mappings/ go here."),
    sheet: Optional[str] = typer.Option(None, "--sheet", "-s", help="Sheet name or 1-based position (default: the "
                                        "first sheet holding data)."),
    all_sheets: bool = typer.Option(False, "--all-sheets", help="One mapping per sheet that holds data."),
    force: bool = typer.Option(False, "--force", help="Overwrite files that exist."),
    as_json: bool = typer.Option(False, "--json", help="Print the drafts (suggestions with confidences) as JSON."),
) -> int:
    """Draft migration.yaml and a mapping per source, each column matched to a field by header and
    content, with its confidence as a comment. Nothing is overwritten without --force."""
    from crmtool.console import out as console
    from crmtool.console import print_json
    from crmtool.mapper import init_project

    sheet_arg = int(sheet) if sheet and sheet.isdigit() else sheet
    result = init_project(sources, out, object_name=object_name, sheet=sheet_arg, all_sheets=all_sheets, force=force)
    if as_json:
        print_json(result.to_dict())
        return ExitCode.OK
    from rich.markup import escape

    for draft in result.drafts:
        mapped = sum(1 for s in draft.fields if s.columns)
        console.print(f"[green]wrote[/] {escape(draft.path or '')}: {escape(Path(draft.source).name)}"
                      + (f" › {escape(draft.sheet)}" if draft.sheet else "")
                      + f" → {draft.object} ({escape(draft.object_reason)}); {mapped} field(s) suggested, "
                      f"{len(draft.unmatched)} column(s) unmatched"
                      + (f", [yellow]required not mapped: {', '.join(draft.missing_required)}[/]"
                         if draft.missing_required else ""), highlight=False)
    console.print(f"[green]wrote[/] {escape(result.migration)}; next: check each mapping, then "
                  f"`crmtool mapping check {escape(str(Path(result.out_dir) / 'mappings'))}/*.yaml --sample`",
                  highlight=False)
    return ExitCode.OK
