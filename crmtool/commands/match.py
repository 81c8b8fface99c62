"""`crmtool match --store URL`: which stored accounts or contacts (for a lead: both) each record duplicates, as JSON
lines on stdin/stdout."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.exitcodes import ExitCode

STORE_HELP = "The CRM store: duckdb:///crm.duckdb (a relative path), duckdb:////abs/crm.duckdb or postgresql://…"
RULES_HELP = ("Dedupe rules (YAML) over the built-in rules, as for `crmtool dedupe --rules` "
              "(docs/dedupe.md, `crmtool dedupe-rules show`).")
DECISIONS_HELP = "A reviewer-decisions store (crmtool review apply) whose 是/否 answers apply to the pairs they judged."
REFRESH_HELP = ("Look for rows written to the store at most this often, in seconds (default 1); 0: before every "
                "record, so that each one sees every row committed before it.")


def register(app: typer.Typer) -> None:
    app.command("match")(match)


def match(
    store: str = typer.Option(..., "--store", metavar="URL", help=STORE_HELP),
    rules: Path | None = typer.Option(None, "--rules", metavar="FILE", help=RULES_HELP),
    decisions: Path | None = typer.Option(None, "--decisions", metavar="FILE", help=DECISIONS_HELP),
    refresh: float = typer.Option(1.0, "--refresh", metavar="SECONDS", help=REFRESH_HELP),
) -> int:
    """Real-time check: read one JSON record per line on stdin, write one answer per line on stdout.

    A record: {"id": …, "name": …, "credit_code": …, "phone": …, "address": …} (object: accounts, the
    default); {"object": "contacts", "name": …, "mobile": …, "email": …, "account_id": …}; or {"object":
    "leads", "name": …, "mobile": …, "company": …}: its contacts and accounts.
    An answer: {"id": …, "decision": …, "candidates": [{key, name, score, decision, reasons}, …]}, or
    {"line": N, "error": …} for a line that cannot be answered; the stream goes on. The index of the
    store is built once at the start (messages on stderr). See docs/dedupe.md, "Real-time check".
    """
    import sys

    from crmtool.console import err, warn_line
    from crmtool.dedupe.service import open_live, serve_lines
    from crmtool.load import open_target
    from crmtool.model import load_object_model

    model = load_object_model()
    live = open_live(lambda: open_target(store, model), model, rules=rules, decisions=decisions, refresh=refresh,
                     warn=warn_line)
    health = live.health()
    contacts = health.get("objects", {}).get("contacts")
    held = f"{health['records']:,} accounts" + (f", {contacts['records']:,} contacts" if contacts else "")
    built = health["build_seconds"] + (contacts["build_seconds"] if contacts else 0.0)
    err.print(f"index: {held} ({built:.1f} s); reading records on stdin",
              markup=False, highlight=False)
    out = sys.stdout
    if hasattr(out, "reconfigure"):
        out.reconfigure(encoding="utf-8")
    lines = getattr(sys.stdin, "buffer", sys.stdin)
    with live:
        try:
            counts = serve_lines(live, lines, out)
        except BrokenPipeError:  # the reader went away (| head): nothing more to say
            return ExitCode.OK
    err.print(f"{counts['requests']:,} records: {counts['answered']:,} answered, {counts['errors']:,} errors",
              markup=False, highlight=False)
    return ExitCode.OK
