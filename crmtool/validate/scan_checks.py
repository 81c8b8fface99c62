"""Threshold checks of a scan: every KPI that has a pass mark, passed or not (findings are the failures)."""

from __future__ import annotations

from crmtool.config.scan import ScanConfig

MAX_KPIS = ("duplicate_rate",)  # at most; every other threshold is "at least"


def threshold_checks(objects: dict[str, dict], config: ScanConfig, model, store_health: float,
                     fail_under: float | None = None) -> list[dict]:
    checks = []
    for name, kpis in objects.items():
        if not kpis["rows"]:
            continue
        limits = config.thresholds_for(name)
        for kpi in ("completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness", "health"):
            if limits.get(kpi) is not None and kpis.get(kpi) is not None:
                checks.append(_check(name, None, kpi, kpis[kpi], limits[kpi]))
        judged = set(config.completeness_fields(name, model[name]))
        for field, values in kpis["fields"].items():
            for kpi in ("completeness", "validity", "uniqueness"):
                threshold, explicit = config.field_threshold(name, field, kpi)
                if threshold is None or values.get(kpi) is None:
                    continue
                if kpi == "completeness" and field not in judged and not explicit:
                    continue
                checks.append(_check(name, field, kpi, values[kpi], threshold))
    limit = fail_under if fail_under is not None else config.thresholds.health
    if limit is not None:
        checks.append(_check(None, None, "health", store_health, limit))
    return checks


def _check(obj: str | None, field: str | None, kpi: str, value: float, threshold: float) -> dict:
    passed = value <= threshold if kpi in MAX_KPIS else value >= threshold
    name = ".".join(p for p in (obj or "store", field) if p)
    shown = (lambda v: f"{v:.2f}") if kpi == "health" else (lambda v: f"{v:.2%}")
    if passed:
        relation = "within" if kpi in MAX_KPIS else "meets"
        message = f"{name} {kpi} {shown(value)} {relation} the threshold {shown(threshold)}"
    else:
        relation = "is above the maximum" if kpi in MAX_KPIS else "is below the threshold"
        message = f"{name} {kpi} {shown(value)} {relation} {shown(threshold)}"
    return {"object": obj, "field": field, "kpi": kpi, "value": value, "threshold": threshold,
            "kind": "threshold", "passed": passed, "message": message}
