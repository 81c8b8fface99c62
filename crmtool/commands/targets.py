"""`crmtool targets`: the CRM store plugins installed, their URL schemes and whether they can roll back."""

from __future__ import annotations

import typer

from crmtool.exitcodes import ExitCode


def register(app: typer.Typer) -> None:
    app.command("targets")(targets)


def targets(as_json: bool = typer.Option(False, "--json", help="Print the list as JSON.")) -> int:
    """List the installed targets (entry point group crmtool.targets): scheme, description, rollback support, and
    where the audit trail goes (the store's _crm_audit table, or only the run directory's audit.jsonl)."""
    from crmtool.console import out, print_json, warn_line
    from crmtool.load import discover

    installed, warnings = discover()
    if as_json:
        print_json({"targets": [t.to_dict() for t in installed], "warnings": warnings})
        return ExitCode.OK
    from crmtool.console import print_table

    rows = []
    for item in installed:
        info = item.to_dict()
        rollback = ("yes" if info["can_rollback"] else "no") + (f": {info['rollback_note']}" if info["rollback_note"] else "")
        audit = "_crm_audit table" if info["keeps_audit"] else "run directory only"
        rows.append([info["name"], ", ".join(f"{s}://" for s in info["schemes"]), info["description"], rollback, audit])
    print_table("Installed targets", ("name", "schemes", "description", "rollback", "audit"), rows, console=out)
    for warning in warnings:
        warn_line(warning)
    return ExitCode.OK
