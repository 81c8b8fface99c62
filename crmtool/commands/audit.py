"""`crmtool audit`: the audit trail of a store (its _crm_audit table) or of run directories (audit.jsonl)."""

from __future__ import annotations

from pathlib import Path

import typer

from crmtool.exitcodes import ExitCode

COLUMNS = ("at (UTC)", "command", "exit", "user@host", "run id", "target", "written", "command line")


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)


def audit(
    store: str | None = typer.Option(None, "--store", metavar="TARGET", help="The store whose _crm_audit table to list: duckdb:///FILE.duckdb or postgresql://USER@HOST/DB[?schema=NAME] (${VAR} expanded)."),
    run_dir: Path | None = typer.Option(None, "--run-dir", metavar="DIR", help="List one run directory's audit.jsonl instead."),
    runs_dir: Path | None = typer.Option(None, "--runs-dir", metavar="DIR", help="List the audit.jsonl of every run under DIR (file and HTTP targets keep their records only there)."),
    since: str | None = typer.Option(None, "--since", metavar="WHEN", help="Only records from WHEN on: 2025-06-01, 2025-06-01T08:00 (UTC unless an offset is given), or 30m, 12h, 7d, 2w back from now."),
    command: str | None = typer.Option(None, "--command", metavar="NAME", help="Only records of this command (run, rollback, scan, backup, verify)."),
    limit: int | None = typer.Option(None, "--limit", min=0, metavar="N", help="Only the newest N records."),
    as_json: bool = typer.Option(False, "--json", help="Print the records as JSON lines, one record per line, as they are stored."),
) -> int:
    """List the audit records, oldest first: when, which command, its exit code, who and where, the run, the
    target, what it wrote, and the command line (secrets redacted). See docs/audit.md."""
    from crmtool.console import out, print_table, warn_line
    from crmtool.errors import ConfigError
    from crmtool.run import parse_since, read_run_audit, read_store_audit, select_audit

    given = [name for name, value in (("--store", store), ("--run-dir", run_dir), ("--runs-dir", runs_dir)) if value]
    if len(given) != 1:
        raise ConfigError("give one of --store TARGET, --run-dir DIR or --runs-dir DIR"
                          + (f" (not {' and '.join(given)})" if given else ""))
    moment = parse_since(since) if since else None
    if store:
        from crmtool.config.migration import expand_env, redact

        url = expand_env(store, Path.cwd() / ".env")
        records = read_store_audit(url, since=moment, command=command, limit=limit)
        where = f"audit of {redact(url)}"
    else:
        folder = run_dir or runs_dir
        records, warnings = read_run_audit(folder)
        for warning in warnings:
            warn_line(warning)
        records = select_audit(records, since=moment, command=command, limit=limit)
        where = f"audit of {folder}"
    if as_json:
        import sys

        from crmtool.run import audit_line

        sys.stdout.write("".join(audit_line(r) + "\n" for r in records))
        return ExitCode.OK
    rows = [[r.get("at", ""), r.get("command", ""), str(r.get("exit_code", "")), f"{r.get('user', '')}@{r.get('host', '')}",
             r.get("run_id") or "", r.get("target") or "", _written(r), _command_line(r)] for r in records]
    print_table(f"{where}: {len(rows)} record(s)", COLUMNS, rows, right=("exit",), console=out)
    return ExitCode.OK


def _written(record: dict) -> str:
    counts = record.get("counts") or {}
    parts = []
    for name, value in counts.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v:,}" for k, v in value.items() if isinstance(v, int) and v)
            parts.append(f"{name}: {inner or 'nothing'}")
        elif isinstance(value, int) and not isinstance(value, bool):
            parts.append(f"{name} {value:,}")
    text = "; ".join(parts) or "nothing"
    if record.get("dry_run"):
        text = f"nothing (dry run; would be {text})"
    return text


def _command_line(record: dict) -> str:
    import shlex

    line = record.get("command_line") or []
    return shlex.join(map(str, line)) if isinstance(line, list) else str(line)
