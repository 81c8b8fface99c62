"""The merges a run made: per object the surviving records and the rows merged into them, each with
the reason the dedupe gave (its clusters table, else the matched pair, else the outcome's detail)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crmtool.report.run_data import RunData
from crmtool.report.values import integer, number, text_or_none

if TYPE_CHECKING:
    import pandas as pd


MERGED_INTO = r"^\s*(?:merged into|合并到|合并入)\s*[:：]?\s*"
"""The pipeline writes a merged row's detail as `merged into <survivor's external id>`."""
WEIGHT = r"^matched .*? \(([-+]?\d+(?:\.\d+)?)\)"
"""The weight in a dedupe clusters reason: `matched <key> (<weight>): <levels>`."""
NOT_IN_RUN = "not a row of this run: a record already in the target"
TOP_CLUSTERS = 30

MEMBERS_PER_CLUSTER = 10


@dataclass
class MergeRow:
    key: str
    external_id: str | None
    source: str | None
    sheet: str | None
    row: int | None
    reason: str | None
    score: float | None


@dataclass
class MergeCluster:
    survivor: MergeRow
    members: list[MergeRow]
    more: int


@dataclass
class ObjectMerges:
    object: str
    merged_rows: int
    cluster_count: int
    clusters: list[MergeCluster]


def merges(data: RunData) -> list[ObjectMerges]:
    if data.outcomes is not None:
        objects = [str(o) for o in data.outcomes.loc[data.outcomes["outcome"] == "merged", "object"].dropna().unique()]
        return [_merges_from_outcomes(data, obj) for obj in objects]
    return [m for m in (_merges_from_clusters(obj, frame) for obj, frame in data.clusters.items()) if m]


def _cluster_key(frame: "pd.DataFrame") -> str | None:
    others = [c for c in frame.columns if c not in {"cluster_id", "is_survivor", "reasons", "matched_account"}]
    return others[0] if others else None


def _reasons_for(data: RunData, obj: str, shown: "pd.DataFrame") -> "tuple[pd.Series, pd.Series]":
    """Why each shown merged row was merged, and the score: the dedupe clusters' reason for the row, else
    the matched pair between it and its survivor, else its strongest matched pair, else the outcome's
    detail. Only the rows the page shows are looked up (a run may merge hundreds of thousands)."""
    import pandas as pd

    reason = pd.Series(pd.NA, index=shown.index, dtype="string")
    score = pd.Series(float("nan"), index=shown.index)
    keys = pd.concat([shown["_row_id"], shown["external_id"]]).dropna().unique()
    clusters = data.clusters.get(obj)
    if clusters is not None and "reasons" in clusters and (key := _cluster_key(clusters)):
        near = clusters[clusters[key].astype("string").isin(keys)].drop_duplicates(key)
        by_key = pd.Series(near["reasons"].astype("string").to_numpy(), index=near[key].astype("string"))
        by_key = by_key[by_key.notna() & (by_key.str.strip() != "")]
        for key_col in ("_row_id", "external_id"):
            reason = reason.fillna(shown[key_col].map(by_key).astype("string"))
        score = pd.to_numeric(reason.str.extract(WEIGHT, expand=False), errors="coerce").astype(float)
    pairs = _match_pairs(data.pairs.get(obj), keys)
    if pairs is not None:
        for key_col, other_col in (("_row_id", "_survivor_row_id"), ("external_id", "_survivor_external_id")):
            found = shown[[key_col, other_col]].reset_index().merge(
                pairs, left_on=[key_col, other_col], right_on=["k", "o"], how="inner")
            _fill(reason, score, found.drop_duplicates("index").set_index("index"))
        best = pairs.sort_values("score", ascending=False).drop_duplicates("k")
        for key_col in ("_row_id", "external_id"):
            found = shown[[key_col]].reset_index().merge(best, left_on=key_col, right_on="k", how="inner")
            _fill(reason, score, found.drop_duplicates("index").set_index("index"))
    reason = reason.fillna(shown["detail"].where(~shown["_survivor_found"]))
    return reason, score


def _match_pairs(pairs: "pd.DataFrame | None", keys) -> "pd.DataFrame | None":
    """Matched pairs touching `keys`, in both directions: k (a row), o (the row it matched), score, why."""
    import pandas as pd

    if pairs is None or not {"key_a", "key_b"} <= set(pairs.columns):
        return None
    a, b = pairs["key_a"].astype("string"), pairs["key_b"].astype("string")
    near = a.isin(keys) | b.isin(keys)
    if "decision" in pairs:
        near &= pairs["decision"].astype("string").str.lower() == "match"
    pairs, a, b = pairs[near], a[near], b[near]
    score = pd.to_numeric(pairs["score"], errors="coerce") if "score" in pairs else float("nan")
    why = pairs["reasons"].astype("string") if "reasons" in pairs else pd.NA
    both = pd.concat([pd.DataFrame({"k": a, "o": b, "score": score, "why": why}),
                      pd.DataFrame({"k": b, "o": a, "score": score, "why": why})], ignore_index=True)
    return both.astype({"why": "string"})


def _fill(reason: "pd.Series", score: "pd.Series", found: "pd.DataFrame") -> None:
    """Take reason and score from `found` (indexed like them) for the rows that have no reason yet, so a
    row's score always belongs to the pair its reason describes."""
    if found.empty:
        return
    idx = found.index[reason.loc[found.index].isna().to_numpy()]
    reason.loc[idx] = found.loc[idx, "why"]
    score.loc[idx] = found.loc[idx, "score"].astype(float)


def _merges_from_outcomes(data: RunData, obj: str) -> ObjectMerges:
    """Survivors resolved for every merged row (the detail names the survivor by row id or external id),
    then the largest groups picked, then reasons looked up for the rows shown."""
    rows = data.outcomes[data.outcomes["object"] == obj]
    merged = rows[rows["outcome"] == "merged"]
    kept = rows[rows["outcome"] != "merged"]
    by_row_id = kept.drop_duplicates("_row_id").set_index("_row_id")
    by_external = kept.dropna(subset=["external_id"]).drop_duplicates("external_id").set_index("external_id")
    named = merged["detail"].str.replace(MERGED_INTO, "", regex=True).str.strip()
    is_row_id = by_row_id.index.get_indexer(named) >= 0  # not Series.isin: it walks big Arrow sets in Python
    sid = named.where(is_row_id, named.map(by_external["_row_id"]))
    merged = merged.assign(_survivor_found=sid.notna(), _survivor_row_id=sid.fillna(named))
    sizes = merged["_survivor_row_id"].value_counts(sort=False).sort_values(ascending=False, kind="stable")
    top = sizes.index[:TOP_CLUSTERS]
    shown = merged[merged["_survivor_row_id"].isin(top)].groupby("_survivor_row_id", sort=False).head(
        MEMBERS_PER_CLUSTER)
    shown = shown.assign(_survivor_external_id=shown["_survivor_row_id"].map(by_row_id["external_id"]))
    shown = shown.assign(**dict(zip(("_reason", "_score"), _reasons_for(data, obj, shown))))
    members = {sid: group for sid, group in shown.groupby("_survivor_row_id", sort=False)}
    clusters = []
    for survivor_id in top:
        if survivor_id in by_row_id.index:
            s = by_row_id.loc[survivor_id]
            survivor = MergeRow(str(survivor_id), text_or_none(s["external_id"]), text_or_none(s["_source"]),
                                text_or_none(s["_sheet"]), integer(s["_row"]), None, None)
        else:
            survivor = MergeRow(str(survivor_id), None, None, None, None, NOT_IN_RUN, None)
        clusters.append(MergeCluster(survivor, [
            MergeRow(str(m["_row_id"]), text_or_none(m["external_id"]), text_or_none(m["_source"]),
                     text_or_none(m["_sheet"]), integer(m["_row"]), text_or_none(m["_reason"]), number(m["_score"]))
            for m in members[survivor_id].to_dict("records")
        ], max(0, int(sizes[survivor_id]) - MEMBERS_PER_CLUSTER)))
    return ObjectMerges(obj, len(merged), int(sizes.size), clusters)


def _merges_from_clusters(obj: str, frame: "pd.DataFrame") -> ObjectMerges | None:
    key = _cluster_key(frame)
    if key is None or "cluster_id" not in frame:
        return None
    import pandas as pd

    if "is_survivor" in frame:
        is_survivor = frame["is_survivor"].astype("string").str.lower().isin(["true", "1", "yes"])
    else:
        is_survivor = pd.Series(False, index=frame.index)
    sizes = frame.groupby("cluster_id").size()
    multi = sizes[sizes > 1].sort_values(ascending=False, kind="stable")
    clusters = []
    for cid in multi.index[:TOP_CLUSTERS]:
        members = frame[frame["cluster_id"] == cid]
        flags = is_survivor.loc[members.index]
        head = members[flags] if flags.any() else members.head(1)
        rest = members.drop(head.index[:1])
        survivor = MergeRow(str(head.iloc[0][key]), None, None, None, None, None, None)
        clusters.append(MergeCluster(survivor, [
            MergeRow(str(m[key]), None, None, None, None, text_or_none(m.get("reasons")), None)
            for m in rest.head(MEMBERS_PER_CLUSTER).to_dict("records")
        ], max(0, len(rest) - MEMBERS_PER_CLUSTER)))
    return ObjectMerges(obj, int((multi - 1).sum()), int(multi.size), clusters)
