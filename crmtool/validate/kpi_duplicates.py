"""The fuzzy duplicate rate of an object, from the dedupe engine's clusters (crmtool.dedupe.pipeline).

duplicate_rate = (rows − clusters) / rows: the share of rows that would disappear if every cluster of
duplicates were merged into one record. The engine compares company name, credit code, phone and
address; the object's fields of those types are handed to it under those names.

A big store is deduplicated on a stable sample (docs/kpis.md): the `max_rows` rows with the smallest
md5 of their external id, so the same records are sampled scan after scan. A duplicate pair survives
sampling at a fraction f with probability f², so the sample's rate is about f × the store's, and the
estimate is the sample's rate / f (exact in expectation for pairs; larger clusters are over-counted).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from crmtool.dedupe.fields import dedupe_fields
from crmtool.validate.scan_store import quote_ident

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.config.scan import Duplicates
    from crmtool.validate.scan_store import Store



@dataclass
class DuplicateRun:
    rate: float
    rows: int  # rows of the object
    deduplicated: int  # rows given to the engine (the sample when sampled)
    pairs: "pd.DataFrame"  # merged pairs: key_a, key_b, score, reasons
    loaded_at: "pd.Series | None" = None  # external id → when the store last wrote the row
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def sampled(self) -> bool:
        return self.deduplicated < self.rows


def can_dedupe(obj) -> bool:
    return "name" in dedupe_fields(obj)


def frame_duplicates(frame: "pd.DataFrame", obj, key: str, *, processes: int | None = None) -> DuplicateRun:
    """Run the engine over a frame holding the object's fields (key = the external id column)."""
    import pandas as pd

    columns = {column: name for column, name in dedupe_fields(obj).items() if name in frame.columns}
    table = pd.DataFrame({"_key": frame[key].astype("string").to_numpy()})
    for column, name in columns.items():
        table[column] = frame[name].astype("string").to_numpy()
    return _run(table, len(table), processes=processes)


def store_duplicates(store: "Store", object_name: str, obj, settings: "Duplicates", *,
                     processes: int | None = None) -> DuplicateRun | None:
    """The duplicate rate of a store table (sampled above settings.max_rows); None when it has no name field."""
    columns = {c: n for c, n in dedupe_fields(obj).items() if n in store.columns(object_name)}
    key = obj.external_id
    if "name" not in columns:
        return None
    relation = store.relation(object_name)
    rows = int(store.query(f"SELECT count(*) FROM {relation}")[1][0][0])
    loaded = "_crm_loaded_at" in store.columns(object_name)
    select = [f"CAST({quote_ident(key)} AS VARCHAR) AS _key"]
    select += [f"CAST({quote_ident(name)} AS VARCHAR) AS {column}" for column, name in columns.items()]
    if loaded:
        select.append("_crm_loaded_at AS _loaded_at")
    sql = f"SELECT {', '.join(select)} FROM {relation}"
    if rows > settings.max_rows:
        sql += f" ORDER BY md5(CAST({quote_ident(key)} AS VARCHAR)) LIMIT {int(settings.max_rows)}"
    frame = store.frame(sql)
    loaded_at = None
    if loaded:
        import pandas as pd

        loaded_at = pd.Series(pd.to_datetime(frame.pop("_loaded_at"), utc=True).to_numpy(),
                              index=frame["_key"].astype(str).to_numpy())
    run = _run(frame.astype("string"), rows, processes=processes)
    if store.dialect == "spark":
        run.notes.append("duplicates: the sample was deduplicated on the driver (duplicates.max_rows rows)")
    run.loaded_at = loaded_at
    if run.sampled:
        run.notes.append(f"{object_name}: duplicate rate estimated from a stable sample of {run.deduplicated:,} of "
                         f"{rows:,} rows (duplicates.max_rows); new duplicates are looked for in the sample only")
    return run


def _run(table: "pd.DataFrame", rows: int, *, processes: int | None) -> DuplicateRun:
    """The dedupe stage over the rows, in this process: the sample is bounded (duplicates.max_rows), and a
    Spark dedupe of 200,000 rows costs minutes of job overhead where DuckDB takes seconds."""
    import os

    import pandas as pd

    from crmtool.dedupe.decide import MATCH
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe

    started = time.perf_counter()
    n = len(table)
    if n < 2:
        empty = pd.DataFrame(columns=["key_a", "key_b", "score", "reasons"])
        return DuplicateRun(0.0, rows, n, empty, seconds=time.perf_counter() - started)
    for column in ("name", "credit_code", "phone", "address"):
        if column not in table.columns:
            table[column] = pd.Series(pd.NA, index=table.index, dtype="string")
    settings = DedupeSettings(processes=processes or min(os.cpu_count() or 1, 4))
    notes: list[str] = []
    result = dedupe(table, "_key", settings)
    clusters = int(result.clusters["cluster_id"].nunique())
    sample_rate = (n - clusters) / n
    rate = min(1.0, sample_rate * rows / n) if n < rows else sample_rate
    pairs = result.pairs[result.pairs["decision"] == MATCH][["key_a", "key_b", "score", "reasons"]]
    return DuplicateRun(rate, rows, n, pairs.reset_index(drop=True), seconds=time.perf_counter() - started,
                        notes=notes)
