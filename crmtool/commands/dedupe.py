"""`crmtool dedupe`: find duplicate accounts, cluster them, and write clusters, pairs and a review workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.commands.engine_options import EngineKind, engine_option, master_option
from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("dedupe")(dedupe)


def dedupe(
    input_path: Path = typer.Argument(..., metavar="INPUT", help="Any file `crmtool read` accepts, with columns name, credit_code, phone, address (accounts) or name, mobile, phone, email, account_id, title, department (contacts); any may be absent."),
    key: str = typer.Option(..., "--key", help="The column that identifies a row (e.g. an account id, or _row_id)."),
    out: Path = typer.Option(..., "--out", help="CLUSTERS: one row per input row: key, cluster_id, is_survivor, reasons (.csv, .xlsx, .parquet)."),
    pairs: Path | None = typer.Option(None, "--pairs", help="PAIRS: key_a, key_b, score, decision, reasons for every scored pair above the floor."),
    review: Path | None = typer.Option(None, "--review", help="Review workbook (.xlsx) of the uncertain pairs with a 是/否 column."),
    against: Path | None = typer.Option(None, "--against", help="Existing accounts: a CRM store (.duckdb with an accounts table) or any file `crmtool read` accepts; match the input against them."),
    leads: bool = typer.Option(False, "--leads", help="INPUT holds leads: match each to an existing account (--against) instead of deduplicating; OUT has one row per lead."),
    account_key: str | None = typer.Option(None, "--account-key", help="With --leads: the column that identifies an account in --against (default: the --key column)."),
    against_contacts: Path | None = typer.Option(None, "--against-contacts", help="With --leads: known contacts (a CRM store's contacts table or a file); OUT then has one row per link of a lead to a contact or an account (docs/dedupe.md, Cross-object links)."),
    contact_key: str | None = typer.Option(None, "--contact-key", help="With --against-contacts: the column that identifies a contact (default: the --key column)."),
    object_name: str = typer.Option("accounts", "--object", help="What INPUT holds: accounts (companies) or contacts (people); picks the built-in rules and the comparison."),
    rules: Path | None = typer.Option(None, "--rules", metavar="FILE", help="Dedupe rules (YAML): blocking, level weights, hard rules, thresholds; what it leaves out keeps the built-in rules (docs/dedupe.md, `crmtool dedupe-rules show`)."),
    decisions: Path | None = typer.Option(None, "--decisions", help="Reviewer decisions store (default: dedupe_decisions.duckdb next to --out)."),
    golden: Path | None = typer.Option(None, "--golden", help="Also write one golden record per cluster, with each field's source row."),
    sheet: str | None = typer.Option(None, "--sheet", help="Sheet of a workbook INPUT (name or 1-based number)."),
    unmasked: bool = typer.Option(False, "--unmasked", help="Write the review workbook without masking phones, credit codes and addresses (see docs/mask.md)."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    learn_weights: bool = typer.Option(False, "--learn-weights", help="Also estimate each level's m and u from the data (EM; u from random record pairs) and show the learned weights beside the configured ones (docs/dedupe.md, Learned weights)."),
    apply_learned: bool = typer.Option(False, "--apply-learned", help="With --learn-weights: decide with the learned weights instead of the configured ones (the run is scored again)."),
    engine: EngineKind | None = engine_option(),
    spark_master: str | None = master_option(),
) -> int:
    """Deduplicate accounts or contacts: block, score, decide, cluster; every merge with its reasons. With --leads, match leads to accounts."""
    from crmtool.config.engine import EngineConfig
    from crmtool.dedupe.run import run_dedupe
    from crmtool.errors import ConfigError, InputError

    chosen = EngineConfig().chosen(engine.value if engine else None, spark_master)
    if not input_path.exists():
        raise InputError(input_path, "no such file")
    if leads and object_name != "accounts":
        raise ConfigError("--leads matches leads to accounts; --object does not apply")
    if (learn_weights or apply_learned) and (leads or chosen.kind != "duckdb"):
        raise ConfigError("--learn-weights and --apply-learned are for deduplication on the default engine "
                          "(not --leads, --engine duckdb)")
    if leads:
        if chosen.kind != "duckdb":
            raise ConfigError("--leads runs on the default engine only (--engine duckdb)")
        return _match_leads(input_path, key, out, against, account_key, pairs or review or golden or decisions, sheet,
                            as_json, rules, against_contacts, contact_key)
    if account_key or against_contacts or contact_key:
        raise ConfigError("--account-key, --against-contacts and --contact-key are only used with --leads")
    summary = run_dedupe(input_path, key, out, pairs=pairs, review=review, against=against, decisions=decisions,
                         golden=golden, sheet=sheet, masked=not unmasked, rules=rules, object_name=object_name,
                         engine=chosen, learn=learn_weights, apply_learned=apply_learned)
    _render(summary, as_json)
    return ExitCode.OK


def _match_leads(input_path: Path, key: str, out: Path, against: Path | None, account_key: str | None, extra,
                 sheet: str | None, as_json: bool, rules: Path | None, against_contacts: Path | None,
                 contact_key: str | None) -> int:
    from crmtool.console import out as console, print_json
    from crmtool.dedupe.run import run_cross_match, run_lead_match
    from crmtool.errors import ConfigError

    if against is None and against_contacts is None:
        raise ConfigError("--leads needs --against (the accounts to match the leads to) or --against-contacts")
    if extra:
        raise ConfigError("--leads writes its matches to --out; --pairs, --review, --golden and --decisions do not apply")
    if contact_key and against_contacts is None:
        raise ConfigError("--contact-key is only used with --against-contacts")
    if against_contacts is not None:
        summary = run_cross_match(input_path, key, out, against=against, account_key=account_key or key,
                                  against_contacts=against_contacts, contact_key=contact_key or key, sheet=sheet,
                                  rules=rules)
        if as_json:
            print_json(summary)
        else:
            console.print(f"{summary['leads']:,} leads → {summary['links']:,} links: {summary['contacts_match']:,} leads "
                          f"are a known contact, {summary['accounts_match']:,} at a known account, "
                          f"{summary['conflicts']:,} conflicts to review → {summary['out']}")
        return ExitCode.OK
    summary = run_lead_match(input_path, key, out, against=against, account_key=account_key or key, sheet=sheet,
                             rules=rules)
    if as_json:
        print_json(summary)
    else:
        console.print(f"{summary['leads']:,} leads → {summary['matched']:,} match an account, {summary['review']:,} to review, "
                      f"{summary['unmatched']:,} new → {summary['out']}")
    return ExitCode.OK


def _render(summary: dict, as_json: bool) -> None:
    from crmtool.console import out, print_json

    if as_json:
        print_json(summary)
        return
    from crmtool.console import print_table

    columns = ("rule", "pairs", "new_pairs", "skipped_keys")
    rows = [[row["rule"], *(f"{row[c]:,}" for c in columns[1:])] for row in summary["blocks"]]
    print_table("blocking", columns, rows, right=columns[1:])
    if "learned_weights" in summary:
        learned = summary["learned_weights"]
        columns = ("field", "level", "pairs", "default", "learned", "m", "u")
        rows = [[row["field"], level, f"{row['pairs']:,}", f"{row['default']:+.1f}",
                 "" if row["learned"] is None else f"{row['learned']:+.1f}", f"{row['m']:.4f}", f"{row['u']:.2e}"]
                for level, row in learned["levels"].items()]
        state = "converged" if learned["converged"] else "not converged"
        print_table(f"learned weights (EM, {learned['iterations']} iterations, {state}; decisions use the "
                    f"{summary['weights']} weights)", columns, rows, right=columns[2:])
    line = (f"{summary['records']:,} records → {summary['clusters']:,} clusters; {summary['candidate_pairs']:,} candidate "
            f"pairs, {summary['matches']:,} matches, {summary['reviews']:,} to review "
            f"({summary['seconds']['total']:.1f} s) → {summary['out']}")
    if "matched_accounts" in summary:
        line += f"; {summary['matched_accounts']:,} rows match an existing account"
    out.print(line)
