"""A scan for people: one table per object (field KPIs; plain text off a terminal), the object KPIs, then the
findings."""

from __future__ import annotations

OBJECT_COLUMNS = (("completeness", "完整性"), ("validity", "有效性"), ("uniqueness", "唯一性"),
                  ("duplicate_rate", "重复率"), ("consistency", "一致性"), ("timeliness", "及时性"))


def render_scan(scan: dict, model=None) -> None:
    from crmtool.console import out, print_table

    failed = {(f["object"], f["field"], f["kpi"]) for f in scan["findings"]}
    out.print(f"[bold]scan[/] {scan['store']}  {scan['scanned_at']}  ({scan['scan_id']})", highlight=False)
    for name, kpis in scan["objects"].items():
        label = model[name].label if model is not None and name in model and model[name].label else ""
        title = f"{name}{f' ({label})' if label else ''}: {kpis['rows']:,} rows, health {kpis['health']:.1f}"
        kpi_names = ("completeness", "validity", "uniqueness")
        rows = [[field, *(_cell(values[k], (name, field, k) in failed) for k in kpi_names)]
                for field, values in kpis["fields"].items()]
        print_table(title, ["field", *kpi_names], rows, right=kpi_names)
        summary = "  ".join(f"{kpi} {_cell(kpis.get(kpi), (name, None, kpi) in failed)}"
                            for kpi, _ in OBJECT_COLUMNS if kpis.get(kpi) is not None)
        out.print(f"  {summary}", highlight=False)
        contradictions = {k: v for k, v in kpis.get("contradictions", {}).items() if v}
        if contradictions:
            out.print("  contradictions: " + ", ".join(f"{k} {v:,}" for k, v in contradictions.items()),
                      highlight=False)
    if scan["findings"]:
        out.print(f"\n[bold]findings[/] ({len(scan['findings'])})")
        for finding in scan["findings"]:
            kind = _escape(f"[{finding['kind']}]")
            out.print(f"  [red]✗[/] {kind} {_escape(finding['message'])}", highlight=False)
    total = scan.get("new_duplicates_total", len(scan["new_duplicates"]))
    if total:
        out.print(f"\n[bold]new duplicates since the last scan[/]: {total:,} pairs")
        for pair in scan["new_duplicates"][:10]:
            out.print(f"  {_escape(pair['key_a'])} ~ {_escape(pair['key_b'])} ({pair['score']:.1f}): "
                      f"{_escape(pair['reasons'])}", highlight=False)
    for note in scan.get("notes", []):
        out.print(f"[dim]note: {_escape(note)}[/]", highlight=False)
    colour = "green" if scan["status"] == "healthy" else "red"
    out.print(f"\nhealth [bold]{scan['health']:.1f}[/]  status [bold {colour}]{scan['status']}[/]", highlight=False)


def _cell(value: float | None, bad: bool) -> str:
    """A KPI as text; one that failed its threshold is marked ✗ (readable without colour, in cron mail)."""
    if value is None:
        return "-"
    text = f"{value:.1%}"
    return f"✗ {text}" if bad else text


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(str(text))
