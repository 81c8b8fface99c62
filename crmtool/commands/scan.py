"""`crmtool scan`: the data-health scan of a CRM store, for people (text), scripts (json) and CI (junit)."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import typer

from crmtool.commands.auditing import audited, current
from crmtool.commands.engine_options import EngineKind, engine_option, master_option
from crmtool.exitcodes import ExitCode


class Format(str, Enum):
    text = "text"
    json = "json"
    junit = "junit"


def register(app: typer.Typer) -> None:
    app.command("scan")(scan)


@audited("scan")
def scan(
    store: str = typer.Option(..., "--store", metavar="TARGET", help="The CRM store: duckdb:///FILE.duckdb or postgresql://USER@HOST/DB[?schema=NAME]."),
    fail_under: float | None = typer.Option(None, "--fail-under", metavar="SCORE", min=0, max=100, help="Fail (exit 1) when the store's health is below SCORE (0-100)."),
    config: Path | None = typer.Option(None, "--config", metavar="FILE", help="Thresholds, weights, placeholders and anomaly settings (YAML; docs/kpis.md)."),
    fmt: Format = typer.Option(Format.text, "--format", help="text (tables), json (the scan result) or junit (XML, one testcase per check)."),
    as_json: bool = typer.Option(False, "--json", help="Same as --format json."),
    html: Path | None = typer.Option(None, "--html", metavar="OUT", help="Also write the HTML scan report with KPI trends."),
    unmasked: bool = typer.Option(False, "--unmasked", help="Write the HTML report without masking ID numbers, phones, e-mails and credit codes (see docs/mask.md)."),
    objects: list[Path] | None = typer.Option(None, "--objects", metavar="MODEL.yaml", help="Custom object model file (repeatable): custom objects and fields are scanned too."),
    no_history: bool = typer.Option(False, "--no-history", help="Do not append this scan to the store's history (a look, not a measurement)."),
    engine: EngineKind | None = engine_option(),
    spark_master: str | None = master_option(),
) -> int:
    """Measure completeness, validity, uniqueness, duplicates, consistency and timeliness of a CRM store."""
    from crmtool.config.migration import expand_env
    from crmtool.config.scan import load_scan_config
    from crmtool.model import load_object_model
    from crmtool.validate.scan import run_scan

    settings = load_scan_config(config)
    settings.engine = settings.engine.chosen(engine.value if engine else None, spark_master)
    model = load_object_model(*(objects or []))
    url = expand_env(store, Path.cwd() / ".env")
    audit = current()
    if not no_history:  # a scan that appends to the store's history is audited there (docs/audit.md)
        audit.set_store(url, model=model)
        for path in [*([config] if config else []), *(objects or [])]:
            audit.add_input(path, "config" if path == config else "objects")
    outcome = run_scan(url, model, settings, fail_under=fail_under, record=not no_history)
    result = outcome.scan
    audit.counts = {"scan_history_rows": outcome.recorded}
    audit.details.update(scan_id=result.get("scan_id"), health=result.get("health"), status=result.get("status"))
    if html is not None:
        _write_html(result, outcome.history, html, masked=not unmasked)
    if as_json or fmt is Format.json:
        from crmtool.console import print_json

        print_json(result)
    elif fmt is Format.junit:
        import sys

        from crmtool.validate.scan_junit import junit_xml

        sys.stdout.write(junit_xml(result))
    else:
        from crmtool.validate.scan_text import render_scan

        render_scan(result, model)
    return ExitCode.OK if result["status"] == "healthy" else ExitCode.GATE_FAILED


def _write_html(result: dict, history, out: Path, masked: bool) -> None:
    from crmtool.console import err

    try:
        from crmtool.report import write_scan_html
    except ModuleNotFoundError as exc:
        from crmtool.errors import ConfigError

        raise ConfigError(f"--html: the scan report is not available in this build ({exc.name})") from None
    path = write_scan_html(result, history, out, masked=masked)
    err.print(f"scan report: {path}", highlight=False)
