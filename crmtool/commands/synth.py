"""`crmtool synth`: write a synthetic messy account file (and its duplicate truth) for tests and benchmarks."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)


def synth(
    n: int = typer.Argument(..., min=0, help="Number of records to generate."),
    out: Path = typer.Option(..., "--out", "-o", help="Output file; the format follows the suffix: .xlsx .csv .tsv .txt .parquet"),
    truth: Optional[Path] = typer.Option(None, "--truth", help="Also write the truth (record_id -> entity_id) to this CSV."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same seed gives the same files."),
    duplicates: float = typer.Option(0.3, "--duplicates", min=0.0, max=0.95, help="Share of records that are extra copies of a company."),
    kind: str = typer.Option("accounts", "--kind", help="accounts (companies), contacts (people at accounts, with person-level mess and look-alikes) or leads (N leads, some of them known contacts or at known accounts, with the CRM's accounts and contacts; docs/synth.md)."),
    accounts_out: Optional[Path] = typer.Option(None, "--accounts-out", help="With --kind leads: write the CRM's accounts (the contacts' account_id) here."),
    contacts_out: Optional[Path] = typer.Option(None, "--contacts-out", help="With --kind leads: write the CRM's contacts (2N records) here."),
    hard: bool = typer.Option(False, "--hard", help="Add dense one-character trade-name neighbours in one city and same-name companies of other cities written without their region."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Text encoding for .csv/.tsv: utf-8-sig (csv default), gb18030, utf-16 (tsv default)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> int:
    """Generate N messy Chinese account (or contact) records with a known duplicate truth."""
    import time

    from crmtool.errors import ConfigError
    from crmtool.synth import generate_accounts, generate_contacts, output_format, write_records, write_truth

    if kind not in ("accounts", "contacts", "leads"):
        raise ConfigError(f"--kind {kind}: should be accounts, contacts or leads")
    if kind != "accounts" and hard:
        raise ConfigError("--hard is for accounts; contacts and leads always carry their look-alikes")
    crm_files = (accounts_out, contacts_out)
    if (kind == "leads" and None in crm_files) or (kind != "leads" and any(crm_files)):
        raise ConfigError("--kind leads needs --accounts-out and --contacts-out (the CRM the leads are matched to); "
                          "other kinds take neither")
    for path in (out, accounts_out, contacts_out):
        if path is not None:
            output_format(path)  # fail on a bad suffix before spending time generating
    started = time.perf_counter()
    extra = {}
    if kind == "leads":
        from crmtool.synth import generate_leads

        crm_accounts, crm_contacts, records, truth_table = generate_leads(n, seed=seed)
        write_records(crm_accounts, accounts_out, encoding=encoding)
        write_records(crm_contacts, contacts_out, encoding=encoding)
        extra = {"accounts": len(crm_accounts), "contacts": len(crm_contacts),
                 "accounts_out": str(accounts_out), "contacts_out": str(contacts_out)}
    elif kind == "contacts":
        records, truth_table = generate_contacts(n, seed=seed, duplicate_share=duplicates)
    else:
        records, truth_table = generate_accounts(n, seed=seed, duplicate_share=duplicates, hard=hard)
    write_records(records, out, encoding=encoding)
    if truth is not None:
        write_truth(truth_table, truth)
    summary = {
        "kind": kind,
        "records": len(records),
        "entities": int(truth_table["entity_id"].nunique()),
        **({"duplicates": int((truth_table["role"] == "duplicate").sum()),
            "hard_negatives": int(truth_table["relation"].fillna("").ne("").sum())} if kind != "leads" else
           {f"leads_{k}": int(v) for k, v in truth_table["kind"].value_counts().sort_index().items()}),
        **extra,
        "out": str(out),
        "truth": str(truth) if truth is not None else None,
        "seed": seed,
        "hard": hard,
        "seconds": round(time.perf_counter() - started, 2),
    }
    _render(summary, as_json)
    return ExitCode.OK


def _render(summary: dict, as_json: bool) -> None:
    from crmtool.console import out, print_json

    if as_json:
        print_json(summary)
        return
    from rich.table import Table

    table = Table(show_header=False, box=None)
    for key, value in summary.items():
        if value is not None:
            table.add_row(key, str(value))
    out.print(table)
