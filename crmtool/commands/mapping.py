"""`crmtool mapping check FILES…` and `crmtool mapping schema` (see docs/mapping.md)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.exitcodes import ExitCode

FORMATS = ("text", "json", "junit", "github")


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Check mapping files (for CI) and print their JSON Schema.", no_args_is_help=True,
                        rich_markup_mode=None)
    group.command("check")(check)
    group.command("schema")(schema)
    app.add_typer(group, name="mapping")


def check(
    files: List[Path] = typer.Argument(..., help="Mapping files (YAML).", show_default=False, metavar="FILES..."),
    sample: bool = typer.Option(False, "--sample", help="Also run each mapping on its own source file (source.file; every file of a pattern)."),
    sample_file: Optional[Path] = typer.Option(None, "--sample-file", metavar="DATA",
                                               help="Run every mapping given on DATA instead (implies --sample)."),
    objects: List[Path] = typer.Option([], "--objects", metavar="MODEL.yaml",
                                       help="A custom object model file; repeatable."),
    output: str = typer.Option("text", "--format", "-f", help="text, json, junit or github."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    max_rejected: float = typer.Option(0.5, "--max-rejected", min=0.0, max=1.0,
                                       help="Share of sample rows rejected above which it is an error (default 0.5)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the report to a file instead of stdout."),
    strict: bool = typer.Option(False, "--strict", help="Warnings fail too (exit 1), for CI."),
) -> int:
    """Check mapping files against the schema, the object model and (with --sample) the data.
    Exit 0 clean (warnings allowed unless --strict), 1 findings at error level (with --strict, at
    warning level too), 2 a file unreadable or invalid."""
    from crmtool.errors import ConfigError
    from crmtool.mapper import check_files
    from crmtool.model import load_object_model

    fmt = "json" if as_json else output
    if fmt not in FORMATS:
        raise ConfigError(f"--format {output}: one of {', '.join(FORMATS)}")
    model = load_object_model(*objects)
    report = check_files(files, model, sample=sample, sample_file=sample_file, max_rejected=max_rejected,
                         strict=strict)
    _emit(report, fmt, out)
    return report.exit_code


def _emit(report, fmt: str, out: Optional[Path]) -> None:
    import json

    from crmtool.mapper import to_github, to_junit

    if fmt == "text":
        if out is not None:
            from crmtool.mapper import finding_line, summary_line

            text = "\n".join([*(finding_line(f) for f in report.findings), summary_line(report)]) + "\n"
            _write(out, text)
        else:
            _print_text(report)
        return
    text = {"json": lambda: json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n",
            "junit": lambda: to_junit(report), "github": lambda: to_github(report)}[fmt]()
    if out is not None:
        _write(out, text)
    else:
        import sys

        sys.stdout.write(text)


def _write(path: Path, text: str) -> None:
    from crmtool.atomic import atomic_path

    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def _print_text(report) -> None:
    from rich.markup import escape

    from crmtool.console import out
    from crmtool.mapper import finding_line, summary_line

    colour = {"error": "red", "warning": "yellow", "info": "dim"}
    for f in report.findings:
        out.print(f"[{colour[f.severity]}]{escape(finding_line(f))}[/]", highlight=False)
    style = "green" if report.exit_code == 0 else "red"
    out.print(f"[{style}]{escape(summary_line(report))}[/]", highlight=False)


def schema(
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Write the JSON Schema to this file."),
) -> int:
    """Print (or write) the JSON Schema of mapping files, for editors (yaml-language-server) and CI."""
    from crmtool.config.mapping import schema_text

    text = schema_text()
    if out is None:
        import sys

        sys.stdout.write(text)
    else:
        _write(out, text)
        from crmtool.console import err

        err.print(f"wrote {out}", highlight=False)
    return ExitCode.OK
