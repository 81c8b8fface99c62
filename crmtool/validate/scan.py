"""The daily health scan of a CRM store: KPIs of every object, threshold and anomaly findings, new
duplicates since the last scan, and one more entry in the store's scan history.

`scan_store(url, model, config)` returns the scan result dict of the shared contract (what
`crmtool scan --format json` prints):

    {"store", "scan_id", "scanned_at", "objects": {name: KPI dict}, "health", "thresholds",
     "findings": [{object, field, kpi, value, threshold, kind, message}],
     "new_duplicates": [{key_a, key_b, score, reasons}], "status": "healthy" | "failed",
     # beyond the contract, for dashboards and the JUnit report:
     "new_duplicates_total", "checks": [every check, with "passed"], "trends", "notes", "seconds"}
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from crmtool.config.scan import ScanConfig, check_config_objects

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.engine import Engine
    from crmtool.model import ObjectModel
    from crmtool.validate.kpi_duplicates import DuplicateRun
    from crmtool.validate.scan_store import Store

FINDING_KEYS = ("object", "field", "kpi", "value", "threshold", "kind", "message")


@dataclass
class ScanOutcome:
    scan: dict
    history: "pd.DataFrame"  # the recent scans, this one included (for charts)
    recorded: int = 0  # rows appended to the store's scan history (0 with record=False)


def scan_store(url: str, model: "ObjectModel | None" = None, config: ScanConfig | None = None, **options) -> dict:
    """Scan the store at `url` and record the scan in its history; returns the scan result dict."""
    return run_scan(url, model, config, **options).scan


def run_scan(url: str, model: "ObjectModel | None" = None, config: ScanConfig | None = None, *,
             objects: list[str] | None = None, fail_under: float | None = None, record: bool = True,
             now: datetime | None = None, history_scans: int | None = None,
             engine: "Engine | None" = None) -> ScanOutcome:
    """scan_store, also returning the recent history (this scan included).

    The KPI statements and the duplicate sample run in the store itself (config.engine.kind duckdb, the
    default: DuckDB for a DuckDB store, PostgreSQL for a PostgreSQL one) or on Spark (kind spark, or
    a SparkEngine passed as `engine`, which the caller keeps open); the history is the store's."""
    from crmtool.model import load_object_model
    from crmtool.validate.scan_store import open_store

    model = model or load_object_model()
    config = config or ScanConfig()
    check_config_objects(config, model)
    names = objects or model.load_order()
    unknown = [n for n in names if n not in model]
    if unknown:
        from crmtool.errors import ConfigError

        raise ConfigError(f"no such object: {', '.join(unknown)} (objects: {', '.join(model.names())})")
    with _engine(config, engine) as chosen, open_store(url) as store, _store_errors(store), \
            _compute_store(store, chosen, model, names) as compute:
        return _scan(store, model, config, names, fail_under=fail_under, record=record, now=now,
                     history_scans=history_scans or max(config.anomaly.window, 30), compute=compute)


@contextlib.contextmanager
def _engine(config: ScanConfig, engine: "Engine | None") -> Iterator["Engine | None"]:
    """The Spark engine the scan computes on (the caller's, else one started from config.engine and
    stopped afterwards), or None: the store computes."""
    if engine is not None:
        yield engine if engine.kind == "spark" else None
        return
    if config.engine.kind != "spark":
        yield None
        return
    from crmtool.engine import open_engine

    started = open_engine("spark", config.engine.master, config.engine.conf)
    try:
        yield started
    finally:
        started.close()


@contextlib.contextmanager
def _compute_store(store: "Store", engine: "Engine | None", model, names: list[str]) -> Iterator["Store"]:
    if engine is None:
        yield store
        return
    from crmtool.validate.scan_spark import SparkStore, spark_tables

    with SparkStore(store, engine, spark_tables(store, model, names)) as compute:
        yield compute


def _scan(store: "Store", model, config: ScanConfig, names: list[str], *, fail_under, record, now,
          history_scans: int, compute: "Store") -> ScanOutcome:
    from crmtool.validate.anomaly import anomaly_checks
    from crmtool.validate.history import append_history, history_rows, last_scan_time, read_history
    from crmtool.validate.kpis import store_health, store_kpis
    from crmtool.validate.scan_checks import threshold_checks

    started = time.perf_counter()
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(microsecond=0)
    scanned_at = moment.isoformat()
    scan_id = f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    previous = read_history(store, config.anomaly.window, before=scanned_at)
    since = last_scan_time(previous)
    tables = store.tables()
    results, notes, runs, seconds = {}, [], {}, {"kpis": 0.0, "duplicates": 0.0}
    for name in names:
        if name not in tables:
            notes.append(f"{name}: not in the store, skipped")
            continue
        t = time.perf_counter()
        run = _duplicates(compute, name, model[name], config)
        seconds["duplicates"] += time.perf_counter() - t
        if run is not None:
            runs[name] = run
            notes += run.notes
        t = time.perf_counter()
        kpis, object_notes = store_kpis(compute, model, name, config, as_of=moment,
                                        duplicate_rate=run.rate if run is not None else None)
        seconds["kpis"] += time.perf_counter() - t
        results[name] = kpis
        notes += object_notes
    health = store_health(results)
    scan = {"store": store.url, "scan_id": scan_id, "scanned_at": scanned_at, "objects": results, "health": health}
    checks = threshold_checks(results, config, model, health, fail_under)
    anomalies, trends = anomaly_checks(history_rows(scan), previous, config.anomaly)
    checks += anomalies
    new_pairs, total = _new_duplicates(runs, since, config.duplicates.new_limit)
    thresholds = {**config.thresholds.model_dump(), "fail_under": fail_under}
    if config.objects:
        thresholds["objects"] = {n: config.thresholds_for(n) for n in config.objects}
    scan.update({
        "thresholds": thresholds,
        "findings": [{k: c[k] for k in FINDING_KEYS} for c in checks if not c["passed"]],
        "new_duplicates": new_pairs,
        "status": "healthy" if all(c["passed"] for c in checks) else "failed",
        "new_duplicates_total": total,
        "checks": checks,
        "trends": trends,
        "notes": notes,
    })
    recorded = append_history(store, scan) if record else 0
    seconds["total"] = time.perf_counter() - started
    scan["seconds"] = {k: round(v, 3) for k, v in seconds.items()}
    history = read_history(store, history_scans)
    return ScanOutcome(scan, history, recorded)


def _duplicates(store: "Store", name: str, obj, config: ScanConfig) -> "DuplicateRun | None":
    from crmtool.validate.kpi_duplicates import can_dedupe, store_duplicates

    if name not in config.duplicates.objects or not can_dedupe(obj):
        return None
    return store_duplicates(store, name, obj, config.duplicates)


def _new_duplicates(runs: dict, since: datetime | None, limit: int) -> tuple[list[dict], int]:
    """Merged pairs with a record written after the previous scan (every pair, at the first scan)."""
    import pandas as pd

    found = []
    for run in runs.values():
        pairs = run.pairs
        if since is not None and len(pairs):
            if run.loaded_at is None:
                continue
            cutoff = pd.Timestamp(since, tz="UTC")
            fresh = run.loaded_at > cutoff
            fresh = fresh[~fresh.index.duplicated()]
            is_new = (pairs["key_a"].map(fresh).fillna(False).astype(bool)
                      | pairs["key_b"].map(fresh).fillna(False).astype(bool))
            pairs = pairs[is_new.to_numpy()]
        found.append(pairs)
    if not found:
        return [], 0
    every = pd.concat(found, ignore_index=True).sort_values("score", ascending=False)
    listed = every.head(limit)
    return [{"key_a": str(r.key_a), "key_b": str(r.key_b), "score": float(r.score), "reasons": str(r.reasons)}
            for r in listed.itertuples(index=False)], int(len(every))


class _store_errors:
    """A driver error while scanning is the store's failure (exit 4), one line, the URL redacted."""

    def __init__(self, store: "Store"):
        self.store = store

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, exc, tb) -> bool:
        if exc is None or not _is_driver_error(exc):
            return False
        from crmtool.errors import TargetError

        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise TargetError(f"{self.store.url}: the scan failed in the store: {first}") from exc


def _is_driver_error(exc: BaseException) -> bool:
    module = type(exc).__module__ or ""
    return module.startswith(("duckdb", "psycopg", "pyspark", "py4j"))
