"""The invariant of a trustworthy migration: every source row ends loaded, merged or rejected, exactly once.

`outcomes(ctx)` builds one row per source row (provenance, object, external id, outcome, the stage that decided it, detail) from the
run directory, and per object the reconciliation: source rows = loaded + merged + rejected, with `ok`
false when a row is missing from every outcome or sits in more than one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crmtool.issues import PROVENANCE
from crmtool.load import text_isin
from crmtool.run.files import FINAL_ID, REJECTED, SURVIVOR, final_ids, read_frame

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.run.context import RunContext

OUTCOME_COLUMNS = [*PROVENANCE, "object", "external_id", "outcome", "stage", "detail"]


def outcomes(ctx: "RunContext") -> tuple["pd.DataFrame", dict]:
    import pandas as pd

    frames, summary = [], {}
    for object_name in ctx.objects():
        frame, counts = _object_outcomes(ctx, object_name)
        frames.append(frame)
        summary[object_name] = counts
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTCOME_COLUMNS)
    return frame[OUTCOME_COLUMNS], summary


def _object_outcomes(ctx: "RunContext", object_name: str) -> tuple["pd.DataFrame", dict]:
    import pandas as pd

    key = ctx.model[object_name].external_id
    source = pd.concat([read_frame(ctx, "read", f"{stem}.parquet")[PROVENANCE]
                        for stem in ctx.mappings_of(object_name)], ignore_index=True)
    enriched = read_frame(ctx, "enrich", f"{object_name}.parquet")
    enriched[FINAL_ID] = final_ids(enriched, key)
    merged_rows = enriched[enriched[SURVIVOR] != enriched["_row_id"]]
    merged = pd.DataFrame({"_row_id": merged_rows["_row_id"], "external_id": merged_rows.get(key),
                           "outcome": "merged", "detail": "merged into " + merged_rows[FINAL_ID].fillna("?")})
    rejected_rows = read_frame(ctx, "map", f"{object_name}{REJECTED}.parquet")
    rejected = pd.DataFrame({"_row_id": rejected_rows["_row_id"], "external_id": pd.NA, "outcome": "rejected",
                             "detail": rejected_rows["reasons"]})
    loaded_rows = read_frame(ctx, "map", f"{object_name}.parquet")
    status = _load_status(ctx, object_name)
    loaded = pd.DataFrame({"_row_id": loaded_rows["_row_id"], "external_id": loaded_rows.get(key),
                           "outcome": "loaded", "detail": loaded_rows["_row_id"].map(status) if status is not None
                           else "not loaded (dry run)" if ctx.options.dry_run else pd.NA})
    ends = pd.concat([loaded.assign(stage="load"), merged.assign(stage="dedupe"), rejected.assign(stage="map")],
                     ignore_index=True)
    ends["external_id"] = ends["external_id"].astype("string")
    per_row = ends.groupby("_row_id").size()
    frame = source.merge(ends, on="_row_id", how="left")
    frame["object"] = object_name
    frame["outcome"] = frame["outcome"].fillna("lost")
    counts = {"source_rows": len(source), "loaded": len(loaded), "merged": len(merged), "rejected": len(rejected)}
    counts["ok"] = bool(
        counts["source_rows"] == counts["loaded"] + counts["merged"] + counts["rejected"]
        and (frame["outcome"] != "lost").all() and (per_row == 1).all()
        and bool(text_isin(per_row.index, source["_row_id"]).all()))
    return frame, counts


def _load_status(ctx: "RunContext", object_name: str) -> "pd.Series | None":
    """_row_id → inserted / updated / unchanged, from the load's per-row results."""
    import pandas as pd

    path = ctx.path("load", f"{object_name}.csv")
    if not path.exists():
        return None
    results = pd.read_csv(path, dtype="string", encoding="utf-8-sig")
    return results.drop_duplicates("_row_id").set_index("_row_id")["status"]
