"""The dedupe stage: keys → blocks → levels and weights → decisions → clusters → golden records."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crmtool.dedupe.decide import MATCH, REVIEW, Thresholds, decide
from crmtool.dedupe.scoring import DEFAULT_WEIGHTS, Weights

CLUSTER_COLUMNS = ["cluster_id", "is_survivor", "reasons"]
PAIR_COLUMNS = ["key_a", "key_b", "score", "decision", "reasons"]


@dataclass
class DedupeSettings:
    thresholds: Thresholds = field(default_factory=Thresholds)
    weights: Weights = DEFAULT_WEIGHTS
    max_block: int = 1000
    processes: int = field(default_factory=lambda: os.cpu_count() or 1)  # for name keys of big inputs
    source_priority: dict | None = None
    recency: str | None = None
    decisions: dict[str, str] = field(default_factory=dict)  # pair_id → 是/否 (decisions.load_decisions)


@dataclass
class DedupeResult:
    clusters: pd.DataFrame  # one row per input row: key, cluster_id, is_survivor, reasons (+ matched_account)
    pairs: pd.DataFrame  # every scored pair at or above the floor: key_a, key_b, score, decision, reasons
    golden: pd.DataFrame  # one row per cluster
    review: pd.DataFrame  # the review-band pairs with both records side by side
    blocks: list[dict]
    stats: dict


def dedupe(table: pd.DataFrame, key: str, settings: DedupeSettings | None = None, *,
           store: pd.DataFrame | None = None) -> DedupeResult:
    """Deduplicate `table` (columns name, credit_code, phone, address: any may be absent) by row key `key`.

    With `store` (the accounts already in the CRM, same key column), new rows are matched against it
    and against each other; store rows are never compared with each other and are not in the output.
    """
    from crmtool.dedupe.blocking import block
    from crmtool.dedupe.cluster import cluster, cluster_ids
    from crmtool.dedupe.decisions import fingerprints, pair_id
    from crmtool.dedupe.engine import DuckDBEngine
    from crmtool.dedupe.golden import golden_records, survivors
    from crmtool.dedupe.keys import record_keys

    settings = settings or DedupeSettings()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    n_new = len(table)
    everything = table if store is None else pd.concat([table, _align(store, table)], ignore_index=True)
    everything = everything.reset_index(drop=True)
    keys = record_keys(everything, key, processes=settings.processes)
    keys["rid"] = np.arange(len(keys), dtype=np.int64)
    keys["store"] = keys["rid"] >= n_new
    timings["keys"] = time.perf_counter() - started

    t = time.perf_counter()
    with DuckDBEngine() as engine:
        blocked = block(engine, keys[["rid", "store", "code", "org_code", "phones", "trade", "region", "province"]],
                        max_block=settings.max_block)
    _release_memory()
    a = blocked.pairs.column("a").to_numpy().astype(np.int64)
    b = blocked.pairs.column("b").to_numpy().astype(np.int64)
    rules = blocked.pairs.column("rules").to_pylist()
    timings["blocking"] = time.perf_counter() - t

    t = time.perf_counter()
    phone_match = np.fromiter(("phone" in r for r in rules), dtype=bool, count=len(rules))
    levels, weight, reasons = _score(keys, a, b, phone_match, settings.weights)
    fp = fingerprints(everything)
    pids = pair_id(fp[a], fp[b]) if len(a) else np.array([], dtype=object)
    reviewed = pd.Series(pids, dtype=object).map(settings.decisions).to_numpy() if settings.decisions else None
    decision, reasons = decide(levels, weight, reasons, settings.thresholds, reviewed)
    timings["scoring"] = time.perf_counter() - t

    t = time.perf_counter()
    is_match = decision == MATCH
    code_lv, phone_lv = levels["code"].to_numpy(), levels["phone"].to_numpy()
    strong = np.isin(code_lv, ("code_equal_valid", "code_equal", "org_code_equal", "code_close")) | (phone_lv == "phone_match")
    strong |= (reviewed == "是") if reviewed is not None else False
    roots, merged = cluster(len(keys), a[is_match], b[is_match], weight[is_match], keys, strong[is_match])
    row_keys = everything[key].astype(str)
    cid = cluster_ids(roots, row_keys)
    timings["clustering"] = time.perf_counter() - t

    t = time.perf_counter()
    survivor = survivors(everything, keys, key, cid, source_priority=settings.source_priority, recency=settings.recency)
    golden = golden_records(everything, keys, key, cid, source_priority=settings.source_priority,
                            recency=settings.recency)
    timings["golden"] = time.perf_counter() - t

    pair_frame = pd.DataFrame({
        "key_a": row_keys.to_numpy()[a], "key_b": row_keys.to_numpy()[b], "score": np.round(weight, 2),
        "decision": decision, "reasons": reasons, "_a": a, "_b": b, "_pair_id": pids,
    })
    pair_frame.loc[is_match, "decision"] = np.where(merged, MATCH, "non-match")
    pair_frame.loc[np.flatnonzero(is_match)[~merged], "reasons"] += "; rule:cluster_constraint"
    cluster_frame = _cluster_frame(everything, key, cid, survivor, pair_frame, n_new, store is not None)
    # a review pair whose rows ended in one entity through other matches is already answered
    open_question = (pair_frame["decision"] == REVIEW) & (cid[a] != cid[b])
    review = _review_frame(everything, pair_frame[open_question])
    keep = ((pair_frame["score"] >= settings.thresholds.floor) | (pair_frame["decision"] != "non-match")
            | pair_frame["reasons"].str.contains("rule:", regex=False))  # a pair a hard rule kept apart is news
    pairs_out = pair_frame[keep]
    timings["total"] = time.perf_counter() - started
    stats = {
        "records": int(n_new), "store_records": int(len(everything) - n_new), "candidate_pairs": len(a),
        "matches": int((pair_frame["decision"] == MATCH).sum()), "reviews": len(review),
        "clusters": int(pd.Series(cid[:n_new]).nunique()), "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    golden_out = golden[golden["cluster_id"].isin(set(cid[:n_new]))].reset_index(drop=True)
    return DedupeResult(cluster_frame, pairs_out[PAIR_COLUMNS].reset_index(drop=True), golden_out, review,
                        blocked.counts, stats)


SCORE_CHUNK = 500_000  # pairs per rapidfuzz batch: bounds the temporary string lists on big inputs


def _score(keys, a, b, phone_match, weights):
    """Comparison levels, weights and reasons for all pairs, a chunk of pairs at a time."""
    from crmtool.dedupe.scoring import comparison_levels, match_weights

    parts = []
    for start in range(0, max(len(a), 1), SCORE_CHUNK):
        part = slice(start, start + SCORE_CHUNK)
        levels = comparison_levels(keys, a[part], b[part], phone_match=phone_match[part])
        weight, reasons = match_weights(levels, weights)
        parts.append((levels, weight, reasons))
    if len(parts) == 1:
        return parts[0]
    return (pd.concat([p[0] for p in parts], ignore_index=True), np.concatenate([p[1] for p in parts]),
            np.concatenate([p[2] for p in parts]))


def _release_memory() -> None:
    """Hand freed heap back to the OS after the join (glibc keeps it otherwise), so peak RSS stays low."""
    import ctypes
    import gc

    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _align(store: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The store's rows with the input's columns (missing ones empty), every value as text."""
    out = pd.DataFrame(index=range(len(store)))
    for column in table.columns:
        out[column] = store[column].astype("string").to_numpy() if column in store.columns else pd.NA
    return out.astype({c: "string" for c in out.columns if not c.startswith("_row")})


def _cluster_frame(table, key, cid, survivor, pairs, n_new, incremental) -> pd.DataFrame:
    """Per row: cluster id, survivor flag, and why (the strongest merged pair that links it)."""
    merged = pairs[pairs["decision"] == MATCH]
    row_keys = table[key].astype(str).to_numpy()
    best = pd.concat([
        pd.DataFrame({"pos": merged["_a"], "other": merged["_b"], "score": merged["score"], "why": merged["reasons"]}),
        pd.DataFrame({"pos": merged["_b"], "other": merged["_a"], "score": merged["score"], "why": merged["reasons"]}),
    ]).sort_values(["pos", "score"], ascending=[True, False]).drop_duplicates("pos").set_index("pos")
    why = np.full(len(table), "", dtype=object)
    if len(best):
        pos = best.index.to_numpy()
        text = ("matched " + pd.Series(row_keys[best["other"].to_numpy()]) + " ("
                + pd.Series(best["score"].to_numpy()).map("{:.1f}".format) + "): " + pd.Series(best["why"].to_numpy()))
        why[pos] = text.to_numpy()
    frame = pd.DataFrame({key: table[key].to_numpy(), "cluster_id": cid, "is_survivor": survivor,
                          "reasons": why})
    if incremental:
        store_of = pd.Series(row_keys[n_new:], index=cid[n_new:])
        store_of = store_of[~store_of.index.duplicated()]
        frame["matched_account"] = pd.Series(cid).map(store_of).to_numpy()
    return frame.iloc[:n_new].reset_index(drop=True)


def _review_frame(table: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The review-band pairs with both records' fields side by side."""
    out = pd.DataFrame({"pair_id": pairs["_pair_id"].to_numpy(), "key_a": pairs["key_a"].to_numpy(),
                        "key_b": pairs["key_b"].to_numpy(), "score": pairs["score"].to_numpy()})
    a, b = pairs["_a"].to_numpy(), pairs["_b"].to_numpy()
    for column in ("name", "credit_code", "phone", "address"):
        if column in table.columns:
            values = table[column].astype(object).to_numpy()
            out[f"{column}_a"], out[f"{column}_b"] = values[a], values[b]
    out["reasons"] = pairs["reasons"].to_numpy()
    return out.sort_values("score", ascending=False).reset_index(drop=True)
