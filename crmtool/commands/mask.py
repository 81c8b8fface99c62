"""`crmtool mask INPUT --out OUT [--key-env VAR] [--as COLUMN=KIND …]`: a desensitised copy (see docs/mask.md)."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("mask")(mask)


def mask(
    input: Path = typer.Argument(..., metavar="INPUT", help="A file `crmtool read` accepts (.xlsx .xls .csv …)."),
    out: Path = typer.Option(..., "--out", "-o", help="Where to write the masked copy (.csv, .xlsx or .parquet)."),
    key_env: Optional[str] = typer.Option(None, "--key-env", metavar="VAR", help="Keyed pseudonyms (HMAC-SHA256) with the key in the environment variable VAR: the same value always gives the same token."),
    kinds: List[str] = typer.Option([], "--as", metavar="COLUMN=KIND", help="Repeatable. Kinds: id_number mobile landline phone email person_name address credit_code free_text. Default: detected."),
    valid_codes: bool = typer.Option(False, "--valid-codes", help="With --key-env: pseudonymous credit codes get valid check characters."),
    sheet: Optional[str] = typer.Option(None, "--sheet", "-s", help="Sheet name or 1-based position."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> int:
    """Write a desensitised (脱敏) copy of a table: ID numbers, phones, e-mails, names, addresses and
    credit codes keep only their documented part; every other column is scrubbed of those patterns."""
    from crmtool.cleanse.stage import parse_kind_options
    from crmtool.console import out as console, print_json
    from crmtool.errors import ConfigError
    from crmtool.mask import MASK_KINDS, key_from_env, mask_file

    chosen = parse_kind_options(kinds)
    wrong = {c: k for c, k in chosen.items() if k not in MASK_KINDS}
    if wrong:
        column, kind = next(iter(wrong.items()))
        raise ConfigError(f"--as {column}={kind}: not a kind mask knows (one of: {', '.join(MASK_KINDS)})")
    if valid_codes and not key_env:
        raise ConfigError("--valid-codes needs --key-env: without a key credit codes are masked with *")
    key = key_from_env(key_env) if key_env else None
    sheet_arg = int(sheet) if sheet and sheet.isdigit() else sheet
    summary = mask_file(input, out, chosen, key, valid_codes=valid_codes, sheet=sheet_arg)
    if as_json:
        print_json(summary)
    else:
        kinds_text = ", ".join(f"{c}={k}" for c, k in summary["columns"].items() if k != "free_text")
        console.print(f"[green]masked[/] {summary['rows']:,} rows ({kinds_text or 'free text only'}) → {out}"
                      + (" with keyed pseudonyms" if key else ""), highlight=False)
    return ExitCode.OK
