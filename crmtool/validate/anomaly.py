"""KPI anomalies and trends against the scan history.

A KPI is anomalous when it lies more than `sigma` (3) standard deviations from the mean of its
previous values (the last `window` (14) scans), judged only once there are `min_points` (5) of them.
The standard deviation is the sample one (n − 1), floored at `min_std` (0.002 in share units, i.e.
0.2 percentage points; 0.2 health points): a KPI that never moved has a zero deviation, and without a
floor the smallest rounding wobble would be "infinitely" anomalous. With the floor, a flat history
flags a move of more than sigma × min_std (0.6 points by default). docs/kpis.md explains the choice.

The trend is the least-squares slope over the window plus the current value, per day (per scan when
the scans share one timestamp).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from crmtool.config.scan import Anomaly

if TYPE_CHECKING:
    import pandas as pd

JUDGED_KPIS = ("completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness", "health")


def anomaly_checks(current: list[tuple], history: "pd.DataFrame", settings: Anomaly | None = None,
                   ) -> tuple[list[dict], list[dict]]:
    """(checks, trends) for the current scan's rows (history_rows) against earlier scans' rows.

    A check: {object, field, kpi, value, threshold: None, kind: "anomaly", passed, message, mean, std, z};
    a trend: {object, field, kpi, points, mean, slope_per_day, slope_per_scan} for object-level KPIs.
    """
    import numpy as np

    settings = settings or Anomaly()
    series = _series(history, settings.window)
    checks, trends = [], []
    for _, at, obj, field, kpi, value in current:
        if kpi not in JUDGED_KPIS or (field and not settings.fields):
            continue
        prior = series.get((obj, field, kpi))
        if prior is None or not len(prior):
            continue
        values = prior["value"].to_numpy(dtype=float)
        if not field:
            trends.append(_trend(obj, kpi, prior, at, value))
        if len(values) < settings.min_points:
            continue
        mean = float(values.mean())
        std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
        floor = settings.min_std * (100 if kpi == "health" else 1)
        spread = max(std, floor)
        z = (value - mean) / spread if spread else (0.0 if value == mean else float(np.inf))
        passed = abs(z) <= settings.sigma
        checks.append({
            "object": obj or None, "field": field or None, "kpi": kpi, "value": value, "threshold": None,
            "kind": "anomaly", "passed": bool(passed), "mean": round(mean, 6), "std": round(std, 6),
            "z": round(z, 2) if np.isfinite(z) else None,
            "message": _message(obj, field, kpi, value, mean, std, z, len(values), settings),
        })
    return checks, trends


def _series(history: "pd.DataFrame", window: int) -> dict:
    """(object, field, kpi) → that KPI's rows in the last `window` scans, oldest first."""
    if history is None or history.empty:
        return {}
    order = history.groupby("scan_id")["scanned_at"].max().sort_values()
    keep = set(order.index[-window:])
    recent = history[history["scan_id"].isin(keep)].sort_values("scanned_at")
    return {key: group for key, group in recent.groupby(["object", "field", "kpi"], sort=False)}


def _trend(obj: str, kpi: str, prior: "pd.DataFrame", at: datetime, value: float) -> dict:
    import numpy as np
    import pandas as pd

    times = pd.to_datetime(pd.concat([prior["scanned_at"], pd.Series([at])], ignore_index=True))
    values = np.append(prior["value"].to_numpy(dtype=float), value)
    days = (times - times.iloc[0]).dt.total_seconds().to_numpy() / 86400
    per_scan = float(np.polyfit(np.arange(len(values)), values, 1)[0]) if len(values) > 1 else 0.0
    per_day = float(np.polyfit(days, values, 1)[0]) if len(values) > 1 and np.ptp(days) > 0 else None
    return {"object": obj or None, "field": None, "kpi": kpi, "points": int(len(values)),
            "mean": round(float(values.mean()), 6), "slope_per_scan": round(per_scan, 6),
            "slope_per_day": None if per_day is None else round(per_day, 6)}


def _message(obj, field, kpi, value, mean, std, z, n, settings: Anomaly) -> str:
    name = ".".join(p for p in (obj or "store", field) if p)
    shown = _fmt(kpi, value)
    if abs(z) <= settings.sigma:
        return f"{name} {kpi} {shown} is within {settings.sigma:g}σ of its last {n} scans (mean {_fmt(kpi, mean)})"
    size = "∞" if z == float("inf") or z == float("-inf") else f"{abs(z):.1f}"
    way = "up" if value > mean else "down"
    return (f"{name} {kpi} {shown} moved {way} {size}σ from its mean {_fmt(kpi, mean)} over the last {n} scans "
            f"(σ {_fmt(kpi, std)}, floor {_fmt(kpi, settings.min_std * (100 if kpi == 'health' else 1))})")


def _fmt(kpi: str, value: float) -> str:
    return f"{value:.2f}" if kpi == "health" else f"{value:.2%}"
