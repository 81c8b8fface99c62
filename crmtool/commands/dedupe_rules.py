"""`crmtool dedupe-rules show|check|schema`: the dedupe rules in force, a check for CI, the JSON Schema."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Dedupe rules files: show the rules in force, check files (for CI), print the JSON Schema.",
                        no_args_is_help=True, rich_markup_mode=None)
    group.command("show")(show)
    group.command("check")(check)
    group.command("schema")(schema)
    app.add_typer(group, name="dedupe-rules")


def show(
    rules: Optional[Path] = typer.Argument(None, metavar="[FILE]", help="A rules file; without one, the built-in rules."),
    object_name: str = typer.Option("accounts", "--object", help="The object whose built-in rules FILE goes over."),
) -> int:
    """Print the complete rules in force (FILE over the built-in rules) as a rules file."""
    import yaml

    from crmtool.dedupe.rules import load_rules

    effective = load_rules(rules, object_name).model_dump(exclude_none=True)
    typer.echo(yaml.safe_dump(effective, allow_unicode=True, sort_keys=False), nl=False)
    return ExitCode.OK


def check(
    files: List[Path] = typer.Argument(..., metavar="FILES...", help="Rules files (YAML).", show_default=False),
    object_name: str = typer.Option("accounts", "--object", help="The object whose built-in rules the files go over."),
) -> int:
    """Check rules files; exit 0 when every file is valid, 2 at the first that is not (file, line, field)."""
    from crmtool.console import out
    from crmtool.dedupe.rules import load_rules

    for path in files:
        load_rules(path, object_name)
        out.print(f"{path}: ok", highlight=False)
    return ExitCode.OK


def schema() -> int:
    """Print the JSON Schema of rules files (for editors: `# yaml-language-server: $schema=…`)."""
    from crmtool.config.dedupe import schema_text

    typer.echo(schema_text(), nl=False)
    return ExitCode.OK
