"""Data-quality KPIs of an object: completeness, validity, uniqueness, duplicate rate, consistency,
timeliness and a health score (formulas and defaults: docs/kpis.md).

Two entry points, one definition: `frame_kpis` registers a frame of canonical text in DuckDB and
`store_kpis` pushes the same query (crmtool.validate.kpi_sql) down to the store (a DuckDB file or
PostgreSQL), one aggregate pass per object. Both return the KPI dict of the shared contract:

    {"object", "rows", "fields": {field: {"completeness", "validity", "uniqueness"}},
     "completeness", "validity", "uniqueness", "duplicate_rate", "consistency", "timeliness", "health",
     "contradictions": {check: rows}}
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from crmtool.config.scan import ScanConfig
from crmtool.validate.kpi_sql import Plan, Source, object_query

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.model import ObjectDef, ObjectModel
    from crmtool.validate.scan_store import Store

DIGITS = 6  # shares are rounded to 6 decimals (0.0001 %), health to 2


def frame_kpis(frame: "pd.DataFrame", object_def: "ObjectDef", object_name: str, *,
               config: ScanConfig | None = None, references: "dict[str, pd.DataFrame] | None" = None,
               clusters: "pd.DataFrame | None" = None, dedupe: bool = False,
               as_of: datetime | None = None) -> dict:
    """KPIs of a frame of canonical text (columns named as the object's fields; others are ignored).

    references: frames of referenced objects ({object: frame}) for the orphan check; without them the
    check is skipped. clusters: the dedupe stage's clusters of these rows (a `cluster_id` column) give
    the duplicate rate; with dedupe=True the engine is run here instead (an object with a company name).
    """
    from crmtool.validate.scan_store import DuckDBStore

    config = config or ScanConfig()
    frames = {"_crm_kpi_rows": frame}
    ref_sources = {}
    for target, ref in (references or {}).items():
        key = _external_id_of(object_def, target, ref)
        if key is not None:
            frames[f"_crm_kpi_ref_{len(frames)}"] = ref
            ref_sources[target] = (f'"_crm_kpi_ref_{len(frames) - 1}"', key)
    duplicate_rate = None
    if clusters is not None and len(clusters):
        duplicate_rate = (len(clusters) - clusters["cluster_id"].nunique()) / len(clusters)
    elif dedupe and len(frame) and object_def.external_id in frame.columns:
        from crmtool.validate.kpi_duplicates import can_dedupe, frame_duplicates

        if can_dedupe(object_def):
            duplicate_rate = frame_duplicates(frame, object_def, object_def.external_id).rate
    with DuckDBStore.of_frames(frames) as store:
        source = Source('"_crm_kpi_rows"', set(map(str, frame.columns)), ref_sources, typed=False,
                        regions=store.regions(), uscc_function=store.uscc_function())
        kpis, _ = run_kpis(store, object_name, object_def, source, config, as_of=as_of)
    return finish(kpis, object_def, object_name, config, duplicate_rate)


def _external_id_of(object_def, target: str, ref: "pd.DataFrame") -> str | None:
    """The external id column of a referenced frame: by convention, the referring field's name (account_id)."""
    for field, to in object_def.references.items():
        if to == target and field in ref.columns:
            return field
    return None


def store_kpis(store: "Store", model: "ObjectModel", object_name: str, config: ScanConfig | None = None, *,
               as_of: datetime | None = None, duplicate_rate: float | None = None,
               dedupe: bool = False) -> tuple[dict, list[str]]:
    """(KPI dict, notes) of one object's table in an open store, computed inside the store.

    duplicate_rate: measured elsewhere (the scan runs the engine itself, for the pairs); with dedupe=True
    the engine runs here when the object is in config.duplicates.objects.
    """
    config = config or ScanConfig()
    obj = model[object_name]
    source = store_source(store, model, object_name)
    kpis, plan = run_kpis(store, object_name, obj, source, config, as_of=as_of)
    notes = list(plan.skipped)
    missing = [f for f in obj.fields if f not in source.columns]
    if missing:
        notes.append(f"{object_name}: fields not in the store table, not measured: {', '.join(missing)}")
    if dedupe and duplicate_rate is None and object_name in config.duplicates.objects:
        from crmtool.validate.kpi_duplicates import store_duplicates

        run = store_duplicates(store, object_name, obj, config.duplicates)
        if run is not None:
            duplicate_rate = run.rate
            notes += run.notes
    return finish(kpis, obj, object_name, config, duplicate_rate), notes


def store_source(store: "Store", model: "ObjectModel", object_name: str, relation: str | None = None) -> Source:
    """What the KPI query needs to know about an object's table: its columns and their types, the
    referenced tables present, key constraints, low-cardinality columns (`relation` replaces the
    table's name in the query, e.g. a sample of it)."""
    obj = model[object_name]
    tables = store.tables()
    references = {target: (store.relation(target), model[target].external_id)
                  for target in set(obj.references.values()) if target in tables}
    types = store.column_types(object_name)
    text = [c for c, t in types.items() if c in obj.fields and t.split("(")[0] in ("VARCHAR", "TEXT")]
    return Source(relation or store.relation(object_name), types, references, typed=store.typed,
                  regions=store.regions(), constrained=store.unique_columns(object_name),
                  low_cardinality=store.low_cardinality(object_name, text),
                  uscc_function=store.uscc_function())


def run_kpis(store: "Store", object_name: str, obj: "ObjectDef", source: Source, config: ScanConfig, *,
             as_of: datetime | None = None) -> tuple[dict, Plan]:
    """Run the KPI query and turn its one row into the KPI dict (without duplicate rate and health)."""
    sql, plan = object_query(object_name, obj, source, store.dialect, placeholders=config.placeholder_values(),
                             timeliness_field=config.timeliness.field, timeliness_days=config.timeliness.days,
                             as_of=as_of)
    names, rows = store.query(sql)
    return kpi_dict(dict(zip(names, rows[0])), plan, object_name, obj, config), plan


def kpi_dict(row: dict, plan: Plan, object_name: str, obj: "ObjectDef", config: ScanConfig) -> dict:
    """The aggregate row of the KPI query as the contract's KPI dict."""
    rows = int(row["n_rows"])
    fields, nonempty, valid, distinct = {}, {}, {}, {}
    for i, name in plan.fields:
        nonempty[name], valid[name] = int(row[f"n{i}"]), int(row[f"ok{i}"])
        if i in plan.constrained:  # a key constraint: every stored value is distinct
            distinct[name] = nonempty[name]
        elif i in plan.unique:
            distinct[name] = int(row[f"d{i}"])
        fields[name] = {
            "completeness": _share(nonempty[name], rows),
            "validity": _share(valid[name], nonempty[name]),
            "uniqueness": _share(distinct[name], nonempty[name]) if name in distinct else None,
        }
    judged = [f for f in config.completeness_fields(object_name, obj) if f in fields] or list(fields)
    contradictions = {name: int(row[f"c{k}"]) for k, name in enumerate(plan.checks)}
    return {
        "object": object_name,
        "rows": rows,
        "fields": fields,
        "completeness": _share(sum(nonempty[f] for f in judged), rows * len(judged), vacuous=1.0),
        "validity": _share(sum(valid.values()), sum(nonempty.values()), vacuous=1.0),
        "uniqueness": _share(sum(distinct.values()), sum(nonempty[f] for f in distinct)) if distinct else None,
        "duplicate_rate": None,
        "consistency": (1 - _share(int(row["c_any"]), rows)) if plan.checks and rows else None,
        "timeliness": _share(int(row["timely"]), rows) if plan.timeliness else None,
        "health": None,
        "contradictions": contradictions,
    }


def finish(kpis: dict, obj: "ObjectDef", object_name: str, config: ScanConfig,
           duplicate_rate: float | None) -> dict:
    kpis["duplicate_rate"] = None if duplicate_rate is None else round(float(duplicate_rate), DIGITS)
    kpis["health"] = health(kpis, config)
    return kpis


def health(kpis: dict, config: ScanConfig | None = None) -> float:
    """100 × Σ weight × score / Σ weight over the KPIs the object has (duplicates scored 1 − rate)."""
    weights = (config or ScanConfig()).weights
    scores = {
        "completeness": kpis.get("completeness"), "validity": kpis.get("validity"),
        "uniqueness": kpis.get("uniqueness"),
        "duplicates": None if kpis.get("duplicate_rate") is None else 1 - kpis["duplicate_rate"],
        "consistency": kpis.get("consistency"), "timeliness": kpis.get("timeliness"),
    }
    used = {k: v for k, v in scores.items() if v is not None and getattr(weights, k) > 0}
    total = sum(getattr(weights, k) for k in used)
    if not total:
        return 100.0
    return round(100 * sum(getattr(weights, k) * v for k, v in used.items()) / total, 2)


def store_health(objects: dict[str, dict]) -> float:
    """The store's health: object healths weighted by rows (the health of an average record)."""
    weighted = [(k["rows"], k["health"]) for k in objects.values() if k["rows"]]
    total = sum(r for r, _ in weighted)
    if not total:
        return 100.0
    return round(sum(r * h for r, h in weighted) / total, 2)


def _share(part: int, whole: int, vacuous: float | None = None) -> float | None:
    if not whole:
        return vacuous
    return round(part / whole, DIGITS)
