"""The dedupe stage: keys → blocks → levels and weights → decisions → clusters → golden records.

Memory: the candidate pairs are streamed out of DuckDB in Arrow batches and scored a batch at a
time; of each batch only the pairs the outputs need are kept (weight at or above the floor, a
match or review, or a hard rule's verdict), as a few compact numbers per pair (row numbers, the
comparison pattern, weight, decision and rule codes). Reasons text exists once per pattern, keys
are looked up by integer codes, and text is only materialised for the output frames.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crmtool.dedupe.decide import DECISIONS, MATCH, REVIEW, RULES, HardRules, Thresholds
from crmtool.dedupe.rules import builtin_rules
from crmtool.dedupe.scoring import DEFAULT_WEIGHTS, Weights

if TYPE_CHECKING:
    from crmtool.config.dedupe import RulesBase

CLUSTER_COLUMNS = ["cluster_id", "is_survivor", "reasons"]
PAIR_COLUMNS = ["key_a", "key_b", "score", "decision", "reasons"]
_MATCH, _REVIEW, _NON_MATCH = (DECISIONS.index(d) for d in (MATCH, REVIEW, "non-match"))
_REVIEWED_YES = RULES.index("rule:reviewed_yes")


@dataclass
class DedupeSettings:
    thresholds: Thresholds = field(default_factory=Thresholds)
    weights: Weights = DEFAULT_WEIGHTS
    hard_rules: HardRules = field(default_factory=HardRules)
    blocks: tuple[str, ...] = field(default_factory=lambda: tuple(builtin_rules().blocking.rules))  # BLOCK_RULES by name
    max_block: int = field(default_factory=lambda: builtin_rules().blocking.max_block)
    processes: int = field(default_factory=lambda: os.cpu_count() or 1)  # name keys, DuckDB and rapidfuzz threads
    source_priority: dict | None = None
    recency: str | None = None
    decisions: dict[str, str] = field(default_factory=dict)  # pair_id → 是/否 (decisions.load_decisions)
    # DuckDB's cap for the blocking joins, beyond which they spill to a temporary directory; None: duckdb_budget()
    memory_limit: str | None = None
    score_batch: int = 500_000  # candidate pairs scored at a time
    compare: str = "company"  # the comparison set (crmtool.config.dedupe.COMPARE_SETS): company or contact
    u_sample: int = 0  # random record pairs whose patterns give u for learned weights (learn.random_u); 0: none

    def __post_init__(self) -> None:
        from crmtool.config.dedupe import COMPARE_SETS

        if self.compare not in COMPARE_SETS:
            raise ValueError(f"compare {self.compare!r}: should be one of {', '.join(COMPARE_SETS)}")

        def levels(name: str) -> set[str]:
            return {lv for fields in COMPARE_SETS[name].values() for lv in fields}

        others = set().union(*(levels(n) for n in COMPARE_SETS if n != self.compare))
        given = set(self.weights.levels)
        if given & (others - levels(self.compare)) and not given & (levels(self.compare) - others):
            # the weights of another set (a partial dict of this one's is fine)
            raise ValueError(f"the weights are not the {self.compare} set's: build the settings with "
                             f"DedupeSettings.from_rules(builtin_rules(...)) for that object")

    @classmethod
    def from_rules(cls, rules: "RulesBase", **options) -> "DedupeSettings":
        """Settings that apply complete `rules` (crmtool.dedupe.rules.load_rules); `options` set the rest."""
        t, hard = rules.thresholds, rules.hard_rules
        return cls(thresholds=Thresholds(match_at=t.match, review_at=t.review, floor=t.floor),
                   weights=Weights(rules.weights()),
                   hard_rules=HardRules(frozenset(hard.must_link), frozenset(hard.cannot_link)),
                   blocks=tuple(rules.blocking.rules), max_block=rules.blocking.max_block, compare=rules.compare,
                   **options)


def duckdb_budget(records: int) -> str:
    """DuckDB's memory cap for the blocking joins of `records` records: 256 MB up to a million, then 256
    bytes a record. Spilling keeps most joins within any cap, but a join's hash table partitions and the
    pair aggregate still need memory in proportion to the records (ten million failed at 256 MB)."""
    return f"{max(256, -(-records * 256 // 2**20))}MB"


class DedupeResult:
    """What a dedupe run found. `clusters`, `blocks` and `stats` are built by the run; `pairs`, `golden` and
    `review` on first use (a caller that wants clusters only never pays for a million golden rows)."""

    def __init__(self, clusters: pd.DataFrame, blocks: list[dict], stats: dict, build: _Outputs, *,
                 pattern_counts: np.ndarray | None = None, random_u: dict | None = None):
        self.clusters = clusters  # one row per input row: key, cluster_id, is_survivor, reasons (+ matched_account)
        self.blocks = blocks
        self.stats = stats
        self._build = build
        self.pattern_counts = pattern_counts  # every candidate pair (kept or not) per comparison pattern
        self.random_u = random_u  # with settings.u_sample: u per field and level from random pairs (learn.random_u)

    @cached_property
    def pairs(self) -> pd.DataFrame:
        """Every kept pair: key_a, key_b, score, decision, reasons (the last two categorical)."""
        return self._build.pair_frame()[PAIR_COLUMNS]

    @cached_property
    def golden(self) -> pd.DataFrame:
        """One row per cluster: each data column's surviving value and `<column>__from`."""
        return self._build.golden()

    @cached_property
    def review(self) -> pd.DataFrame:
        """The review-band pairs still open, with both records side by side."""
        return self._build.review()


@dataclass
class _Pairs:
    """The kept pairs, one entry per pair."""

    a: np.ndarray  # int32 row numbers
    b: np.ndarray
    pattern: np.ndarray  # int16 comparison pattern (scoring)
    weight: np.ndarray  # float32
    decision: np.ndarray  # int8 code into DECISIONS
    rule: np.ndarray  # int8 code into RULES


def dedupe(table: pd.DataFrame, key: str, settings: DedupeSettings | None = None, *,
           store: pd.DataFrame | None = None) -> DedupeResult:
    """Deduplicate `table` by row key `key`: companies (columns name, credit_code, phone, address: any may be
    absent), or with `settings.compare` "contact" people (name, mobile, phone, email, account_id, title,
    department; crmtool.dedupe.contacts).

    With `store` (the records already in the CRM, same key column), new rows are matched against it
    and against each other; store rows are never compared with each other and are not in the output.
    """
    from crmtool.dedupe.blocking import block, block_rules
    from crmtool.dedupe.cluster import cluster
    from crmtool.dedupe.decisions import fingerprint_values
    from crmtool.engine import DuckDBEngine
    from crmtool.dedupe.memory import release_memory

    settings = settings or DedupeSettings()
    comparison = COMPARISONS[settings.compare]
    timings: dict[str, float] = {}
    started = time.perf_counter()
    everything, n_new = with_store(table, store)
    # the record keys are dropped inside prepare: from here on only their compact forms (a third of the
    # memory at a million rows)
    pair_keys, flags, block_keys = comparison.prepare(everything, key, settings.processes, np.arange(len(everything)) >= n_new)
    release_memory(len(everything))
    timings["keys"] = time.perf_counter() - started

    t = time.perf_counter()
    fp = fingerprint_values(everything, comparison.fingerprint_fields) if settings.decisions else None
    with DuckDBEngine(threads=settings.processes, memory_limit=settings.memory_limit or duckdb_budget(len(everything))) as engine:
        blocked = block(engine, block_keys, rules=block_rules(settings.blocks, settings.compare),
                        max_block=settings.max_block)
        del block_keys
        timings["blocking"] = time.perf_counter() - t
        t = time.perf_counter()
        pairs, pattern_counts = _score(blocked.batches(settings.score_batch), pair_keys, fp, settings, comparison)
    timings["scoring"] = time.perf_counter() - t
    random = None
    if settings.u_sample:
        from crmtool.dedupe.learn import random_u

        likely = pairs.weight >= settings.thresholds.review_at
        random = random_u(pair_keys, len(everything), comparison, sample=settings.u_sample,
                          exclude=(pairs.a[likely], pairs.b[likely]))
    constraints = comparison.constraints(pair_keys, settings.hard_rules)
    del pair_keys
    release_memory(len(everything))

    t = time.perf_counter()
    is_match, strong = links(pairs, settings)
    roots, refusal = cluster(len(everything), pairs.a[is_match], pairs.b[is_match], pairs.weight[is_match],
                             strong=strong, **constraints)
    timings["clustering"] = time.perf_counter() - t
    return finish(everything, key, n_new, flags, pairs, roots, refusal, settings, blocked.counts, blocked.total,
                  timings, started, incremental=store is not None, pattern_counts=pattern_counts, random_u=random)


def links(pairs: _Pairs, settings: DedupeSettings) -> tuple[np.ndarray, np.ndarray]:
    """(which kept pairs are matches, and of those which are strong links: the code or a phone agrees, or
    a reviewer said 是) — what cluster.cluster takes."""
    is_match = pairs.decision == _MATCH
    strong = _tables(settings).decisions.strong[pairs.pattern[is_match]] | (pairs.rule[is_match] == _REVIEWED_YES)
    return is_match, strong


def finish(everything: pd.DataFrame, key: str, n_new: int, flags: dict, pairs: _Pairs, roots: np.ndarray,
           refusal: np.ndarray, settings: DedupeSettings, blocks: list[dict], candidates: int, timings: dict,
           started: float, *, incremental: bool = False, pattern_counts: np.ndarray | None = None,
           random_u: dict | None = None) -> DedupeResult:
    """The result from the kept pairs and the entities (`roots`: a component root per row; `refusal`: per
    matched pair, a code into cluster.REFUSALS): cluster ids, the refused matches, survivors, outputs, stats.
    Shared by every engine, so that what follows the entities is one code."""
    from crmtool.dedupe.cluster import cluster_ids
    from crmtool.dedupe.golden import survivors

    comparison = COMPARISONS[settings.compare]
    t = time.perf_counter()
    row_keys = everything[key].astype("string").array
    key_rank = _rank(row_keys)
    label = cluster_ids(roots, key_rank)  # per row: position of the row whose key is its cluster_id
    refused = np.flatnonzero(pairs.decision == _MATCH)[refusal > 0]
    pairs.decision[refused] = _NON_MATCH
    timings["clustering"] = timings.get("clustering", 0.0) + time.perf_counter() - t

    t = time.perf_counter()
    survivor = survivors(everything, flags, key, label, key_rank, source_priority=settings.source_priority,
                         recency=settings.recency, base=comparison.survivor_flag)
    constrained = np.zeros(len(pairs.a), dtype=np.int8)
    constrained[refused] = refusal[refusal > 0]
    build = _Outputs(everything, key, row_keys, key_rank, label, flags, pairs, _reasons(pairs, constrained, settings),
                     n_new, settings)
    cluster_frame = _cluster_frame(everything, key, row_keys, label, survivor, pairs, build.reasons, n_new,
                                   incremental)
    timings["outputs"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    stats = {
        "records": int(n_new), "store_records": int(len(everything) - n_new), "candidate_pairs": int(candidates),
        "matches": int((pairs.decision == _MATCH).sum()), "reviews": len(build.open_questions()),
        "clusters": _distinct(label[:n_new], len(everything)), "seconds": {k: round(v, 3) for k, v in timings.items()},
    }
    return DedupeResult(cluster_frame, blocks, stats, build, pattern_counts=pattern_counts, random_u=random_u)


@dataclass
class _Outputs:
    """The run's compact state, from which the pair, golden and review frames are built on demand."""

    table: pd.DataFrame
    key: str
    row_keys: object  # ArrowStringArray of every row's key
    key_rank: np.ndarray
    label: np.ndarray  # per row: position of the row whose key is its cluster_id
    flags: dict
    pairs: _Pairs
    reasons: pd.Categorical
    n_new: int
    settings: DedupeSettings

    def pair_frame(self) -> pd.DataFrame:
        p = self.pairs
        return pd.DataFrame({
            "key_a": self.row_keys.take(p.a), "key_b": self.row_keys.take(p.b),
            "score": np.round(p.weight.astype(np.float64), 2),
            "decision": pd.Categorical.from_codes(p.decision, categories=list(DECISIONS)),
            "reasons": self.reasons,
        })

    def golden(self) -> pd.DataFrame:
        from crmtool.dedupe.golden import golden_records

        return golden_records(self.table, self.flags, self.key, self.label, self.key_rank, clusters=self.label[:self.n_new],
                              source_priority=self.settings.source_priority, recency=self.settings.recency)

    def open_questions(self) -> np.ndarray:
        """Review-band pairs whose rows did not end in one entity through other matches (those are answered)."""
        p = self.pairs
        return np.flatnonzero((p.decision == _REVIEW) & (self.label[p.a] != self.label[p.b]))

    def review(self) -> pd.DataFrame:
        """The open review pairs with both records' fields side by side."""
        from crmtool.dedupe.decisions import fingerprint_values, pair_id

        comparison = COMPARISONS[self.settings.compare]
        rows = self.open_questions()
        a, b = self.pairs.a[rows], self.pairs.b[rows]
        fa = fingerprint_values(self.table.iloc[a], comparison.fingerprint_fields)
        fb = fingerprint_values(self.table.iloc[b], comparison.fingerprint_fields)
        out = pd.DataFrame({"pair_id": pair_id(fa, fb), "key_a": self.row_keys.take(a), "key_b": self.row_keys.take(b),
                            "score": np.round(self.pairs.weight[rows].astype(np.float64), 2)})
        for column in comparison.review_columns:
            if column in self.table.columns:
                values = self.table[column].astype("string")
                out[f"{column}_a"], out[f"{column}_b"] = values.take(a).array, values.take(b).array
        out["reasons"] = pd.Series(self.reasons[rows]).astype("string").array
        return out.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


@dataclass
class _Tables:
    patterns: object  # scoring.PatternTable
    decisions: object  # decide.DecisionTable


_TABLES: dict = {}


def _entity_constraints(pair_keys, hard: HardRules) -> dict:
    """What one entity may hold only one of (crmtool.dedupe.cluster), as far as the cannot-link rules in
    force ask: a valid code, a branch tag, a name region, a place; and always one mobile."""
    none = np.full(len(pair_keys.code), -1, dtype=np.int64)
    cannot = hard.cannot_link
    code = np.where(pair_keys.valid, pair_keys.code, -1) if "different_valid_codes" in cannot else none
    branch = pair_keys.branch if "branch_vs_head" in cannot else none
    soft = {"name_region": pair_keys.city if "different_region" in cannot else none,
            "place": pair_keys.place.evidence(pair_keys.branch) if "different_place" in cannot else none,
            "mobile": pair_keys.mobile}
    return {"code": code, "branch": branch, "soft": soft}


@dataclass(frozen=True)
class Comparison:
    """What differs between comparison sets; everything else (blocking engine, pattern tables, decisions,
    clusters, outputs, golden records) is shared."""

    name: str  # crmtool.config.dedupe.COMPARE_SETS
    prepare: Callable  # (table, key, processes, store mask) → (pair keys, validity flags, blocking table)
    patterns: Callable  # (pair keys, a, b, Arrow batch of candidate pairs) → patterns
    constraints: Callable  # (pair keys, HardRules) → keyword arguments of cluster.cluster
    survivor_flag: str  # the validity flag that ranks a survivor row first
    review_columns: tuple[str, ...]  # shown side by side in the review workbook
    fingerprint_fields: tuple[str, ...]  # what identifies a reviewed pair's records


def _company_prepare(table, key, processes, store):
    from crmtool.dedupe.blocking import block_table
    from crmtool.dedupe.golden import validity_flags
    from crmtool.dedupe.keys import record_keys
    from crmtool.dedupe.scoring import PairKeys

    keys = record_keys(table, key, processes=processes)
    pair_keys = PairKeys.from_keys(keys)
    return pair_keys, validity_flags(keys), block_table(keys, store, pair_keys)


def _company_patterns(pair_keys, a, b, batch):
    from crmtool.dedupe.scoring import comparison_patterns

    return comparison_patterns(pair_keys, a, b, batch.column("phone").to_numpy(zero_copy_only=False).astype(bool))


def _contact_prepare(table, key, processes, store):
    from crmtool.dedupe.contacts import ContactKeys, contact_block_table, contact_flags, contact_keys

    keys = contact_keys(table)
    return ContactKeys.from_keys(keys), contact_flags(keys), contact_block_table(keys, store)


def _contact_patterns(pair_keys, a, b, batch):
    from crmtool.dedupe.contacts import contact_patterns

    return contact_patterns(pair_keys, a, b)


def _contact_constraints(pair_keys, hard):
    from crmtool.dedupe.contacts import contact_constraints

    return contact_constraints(pair_keys, hard)


COMPARISONS = {
    "company": Comparison("company", _company_prepare, _company_patterns, _entity_constraints, "credit_code",
                          ("name", "credit_code", "phone", "address"), ("name", "credit_code", "phone", "address")),
    "contact": Comparison("contact", _contact_prepare, _contact_patterns, _contact_constraints, "record",
                          ("name", "mobile", "phone", "email", "account_id", "title", "department"),
                          ("name", "mobile", "phone", "email", "account_id")),
}


def _tables(settings: DedupeSettings) -> _Tables:
    """Weights, decisions and reasons per comparison pattern, built once per (weights, thresholds, hard rules)."""
    from crmtool.dedupe.decide import decision_table
    from crmtool.dedupe.scoring import LEVEL_SETS, PatternTable

    cache_key = (settings.weights, settings.thresholds, settings.hard_rules, settings.compare)
    if cache_key not in _TABLES:
        patterns = PatternTable(settings.weights, LEVEL_SETS[settings.compare])
        decisions = decision_table(patterns.levels, patterns.weight, settings.thresholds, settings.hard_rules,
                                   settings.compare)
        _TABLES[cache_key] = _Tables(patterns, decisions)
    return _TABLES[cache_key]


def _score(batches, pair_keys, fp, settings, comparison: Comparison) -> tuple[_Pairs, np.ndarray]:
    """Score candidate pairs batch by batch, keeping only what the outputs need (see the module docstring);
    and every candidate pair's count per pattern (for learned weights)."""
    counts = [np.zeros(_tables(settings).patterns.level_set.n_patterns, dtype=np.int64)]
    parts = [_Pairs(*(np.zeros(0, dtype=t) for t in (np.int32, np.int32, np.int16, np.float32, np.int8, np.int8)))]

    def one(batch) -> _Pairs:
        return score_batch(batch, pair_keys, fp, settings, comparison, counts=counts)

    if settings.processes > 1:  # batches side by side in threads (numpy, Arrow and rapidfuzz release the GIL), in order
        from collections import deque
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(settings.processes, thread_name_prefix="crmtool-score") as pool:
            running: deque = deque()
            for batch in batches:
                running.append(pool.submit(one, batch))
                if len(running) > settings.processes:
                    parts.append(running.popleft().result())
            parts.extend(future.result() for future in running)
    else:
        parts.extend(one(batch) for batch in batches)
    pairs = _Pairs(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("a", "b", "pattern", "weight", "decision", "rule")))
    return pairs, np.sum(counts, axis=0)


def score_batch(batch, pair_keys, fp, settings: DedupeSettings, comparison: Comparison, *,
                counts: list | None = None) -> _Pairs:
    """One Arrow batch of candidate pairs (a, b, phone) scored and decided; only the pairs the outputs keep.
    With `counts`, the batch's count of every pair per pattern is appended to it (list.append is atomic
    across the scoring threads)."""
    from crmtool.dedupe.decide import decide
    from crmtool.dedupe.decisions import answers

    tables = _tables(settings)
    a = batch.column("a").to_numpy().astype(np.int32)
    b = batch.column("b").to_numpy().astype(np.int32)
    pattern = comparison.patterns(pair_keys, a, b, batch)
    weight = tables.patterns.weight[pattern].astype(np.float32)
    decision, rule = decide(tables.decisions, pattern, answers(fp, a, b, settings.decisions) if fp is not None else None)
    keep = (weight >= settings.thresholds.floor) | (decision != _NON_MATCH) | (rule != 0)
    if counts is not None:
        counts.append(np.bincount(pattern, minlength=tables.patterns.level_set.n_patterns))
    return _Pairs(a[keep], b[keep], pattern[keep], weight[keep], decision[keep], rule[keep])


def _distinct(values: np.ndarray, bound: int) -> int:
    """The number of distinct values in `values` (integers in [0, bound))."""
    seen = np.zeros(bound, dtype=bool)
    seen[values] = True
    return int(seen.sum())


def _rank(values) -> np.ndarray:
    """Rank of each value in code-point order (ties by position)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return pc.rank(pa.array(values, type=pa.string()), sort_keys="ascending", tiebreaker="first").to_numpy().astype(np.int64)


def _reasons(pairs: _Pairs, constrained: np.ndarray, settings: DedupeSettings) -> pd.Categorical:
    """Per pair: its levels with their weights, then the rule that decided (if any), then, for a match the
    entities refused, which entity attribute it would have contradicted; a categorical, since pairs
    share a few hundred distinct reasons. `constrained`: per pair, a code into cluster.REFUSALS."""
    from crmtool.dedupe.cluster import REFUSALS

    patterns = _tables(settings).patterns
    k = len(REFUSALS)
    combined = (pairs.pattern.astype(np.int64) * len(RULES) + pairs.rule) * k + constrained
    present = np.zeros(int(combined.max()) + 1 if len(combined) else 0, dtype=bool)  # np.unique without a sort
    present[combined] = True
    distinct = np.flatnonzero(present)
    codes = (np.cumsum(present) - 1)[combined]
    labels = []
    for c in distinct.tolist():
        pattern, rest = divmod(c, len(RULES) * k)
        rule, refused = divmod(rest, k)
        parts = ([patterns.reasons(pattern)] + ([RULES[rule]] if rule else [])
                 + ([f"rule:cluster_constraint ({REFUSALS[refused]})"] if refused else []))
        labels.append("; ".join(p for p in parts if p))
    return pd.Categorical.from_codes(codes.reshape(-1), categories=pd.Index(labels, dtype=object))


def with_store(table: pd.DataFrame, store: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """(the new rows followed by the store's, aligned to the new rows' columns; how many are new):
    what every engine deduplicates when matching against existing records."""
    everything = table if store is None else pd.concat([table, _align(store, table)], ignore_index=True)
    return everything.reset_index(drop=True), len(table)


def _align(store: pd.DataFrame, table: pd.DataFrame) -> pd.DataFrame:
    """The store's rows with the input's columns (missing ones empty), every value as text."""
    out = pd.DataFrame(index=range(len(store)))
    for column in table.columns:
        out[column] = store[column].astype("string").to_numpy() if column in store.columns else pd.NA
    return out.astype({c: "string" for c in out.columns if not c.startswith("_row")})


def _cluster_frame(table, key, row_keys, label, survivor, pairs: _Pairs, reasons: pd.Categorical, n_new,
                   incremental) -> pd.DataFrame:
    """Per row: cluster id, survivor flag, and why (the strongest merged pair that links it)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    merged = np.flatnonzero(pairs.decision == _MATCH)
    pos = np.concatenate([pairs.a[merged], pairs.b[merged]])
    other = np.concatenate([pairs.b[merged], pairs.a[merged]])
    which = np.concatenate([merged, merged])
    order = np.lexsort((other, -pairs.weight[which], pos))
    first = np.r_[True, pos[order][1:] != pos[order][:-1]] if len(order) else np.zeros(0, dtype=bool)
    pos, other, which = pos[order][first], other[order][first], which[order][first]
    # one full-length take per part, null where a row merged with nothing, so that text is only built
    # for merged rows, once, directly in the output's large_string type
    n = len(table)
    rows = np.full(n, -1, dtype=np.int64)
    rows[pos] = other
    absent = rows < 0
    other_key = pa.chunked_array(pa.array(row_keys)).cast(pa.large_string()).take(pa.array(rows, mask=absent))
    distinct, inverse = np.unique(np.round(pairs.weight[which].astype(np.float64), 2), return_inverse=True)
    score_of = np.zeros(n, dtype=np.int64)
    score_of[pos] = inverse.reshape(-1)
    score_text = pa.array([f"{v:.1f}" for v in distinct.tolist()], type=pa.large_string()).take(pa.array(score_of, mask=absent))
    code_of = np.zeros(n, dtype=np.int64)
    code_of[pos] = reasons.codes[which]
    why_text = pa.array(np.asarray(reasons.categories, dtype=object), type=pa.large_string()).take(pa.array(code_of, mask=absent))
    text = lambda v: pa.scalar(v, type=pa.large_string())
    why = pc.binary_join_element_wise(text("matched "), other_key, text(" ("), score_text, text("): "), why_text,
                                      text("")).fill_null(text(""))
    frame = pd.DataFrame({key: table[key].array, "cluster_id": row_keys.take(label), "is_survivor": survivor,
                          "reasons": pd.arrays.ArrowStringArray(why)})
    if incremental:
        store_rows = np.arange(n_new, len(table))[::-1]  # assigned last-first, so the first store row wins
        store_of = np.full(len(table), -1, dtype=np.int64)
        store_of[label[store_rows]] = store_rows
        frame["matched_account"] = row_keys.take(store_of[label], allow_fill=True)
    return frame.iloc[:n_new].reset_index(drop=True) if n_new < len(table) else frame
