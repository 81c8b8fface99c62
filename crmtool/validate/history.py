"""The scan history inside the store: `_crm_scan_history(scan_id, scanned_at, object, field, kpi, value)`.

One row per KPI per scan: object-level KPIs have field '' and the store's health has object ''. A scan
appends its rows in one transaction, so a history never holds half a scan. `scanned_at` is UTC
(TIMESTAMP without time zone, like the stores' `_crm_loaded_at`).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

from crmtool.config.scan import FIELD_KPIS

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.validate.scan_store import Store

HISTORY_TABLE = "_crm_scan_history"
HISTORY_COLUMNS = ["scan_id", "scanned_at", "object", "field", "kpi", "value"]
OBJECT_LEVEL = ("rows", "completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness",
                "health")


def ensure_history(store: "Store") -> None:
    """Create the history table if the store does not have it."""
    if HISTORY_TABLE in store.tables():
        return
    text = "VARCHAR" if store.dialect == "duckdb" else "text"
    store.execute(f"CREATE TABLE IF NOT EXISTS {store.relation(HISTORY_TABLE)} (scan_id {text} NOT NULL, "
                  f"scanned_at TIMESTAMP NOT NULL, object {text} NOT NULL, field {text} NOT NULL, "
                  f"kpi {text} NOT NULL, value DOUBLE PRECISION)")


def history_rows(scan: dict) -> list[tuple]:
    """The history rows of a scan result dict (scan_id, scanned_at, object, field, kpi, value)."""
    scan_id, at = scan["scan_id"], utc_naive(scan["scanned_at"])
    rows = [(scan_id, at, "", "", "health", float(scan["health"]))]
    for name, kpis in scan["objects"].items():
        for kpi in OBJECT_LEVEL:
            if kpis.get(kpi) is not None:
                rows.append((scan_id, at, name, "", kpi, float(kpis[kpi])))
        for field, values in kpis["fields"].items():
            for kpi in FIELD_KPIS:
                if values.get(kpi) is not None:
                    rows.append((scan_id, at, name, field, kpi, float(values[kpi])))
    return rows


def append_history(store: "Store", scan: dict) -> int:
    """Append one scan's KPIs, all or nothing; returns the number of rows written."""
    ensure_history(store)
    rows = history_rows(scan)
    with store.transaction():
        store.executemany(f"INSERT INTO {store.relation(HISTORY_TABLE)} ({', '.join(HISTORY_COLUMNS)}) "
                          "VALUES (?, ?, ?, ?, ?, ?)", rows)
    return len(rows)


def read_history(store: "Store", scans: int = 14, *, before: str | None = None) -> "pd.DataFrame":
    """The rows of the last `scans` scans (oldest first), optionally only scans before a scan time."""
    import pandas as pd

    if HISTORY_TABLE not in store.tables():
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    relation = store.relation(HISTORY_TABLE)
    where = f"WHERE scanned_at < TIMESTAMP '{utc_naive(before):%Y-%m-%d %H:%M:%S.%f}'" if before else ""
    sql = (f"SELECT {', '.join(HISTORY_COLUMNS)} FROM {relation} WHERE scan_id IN ("
           f"SELECT scan_id FROM {relation} {where} GROUP BY scan_id ORDER BY max(scanned_at) DESC "
           f"LIMIT {int(scans)}) ORDER BY scanned_at, scan_id, object, field, kpi")
    frame = store.frame(sql)
    if frame.empty:
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    frame["scanned_at"] = pd.to_datetime(frame["scanned_at"])
    frame["value"] = frame["value"].astype(float)
    return frame[HISTORY_COLUMNS].reset_index(drop=True)


def last_scan_time(history: "pd.DataFrame") -> datetime | None:
    """When the latest scan in `history` ran (UTC, naive)."""
    if history.empty:
        return None
    return history["scanned_at"].max().to_pydatetime()


def utc_naive(value: str | datetime) -> datetime:
    """An ISO text or datetime as a naive UTC datetime (how the stores keep times)."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment
