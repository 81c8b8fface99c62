"""Learned weights: m and u per comparison level estimated from the data by EM (Fellegi-Sunter, as Splink does).

The input is the run's comparison patterns aggregated into counts (one count per distinct pattern,
`DedupeResult.pattern_counts`), so an EM step costs the same at a thousand or a million pairs. The
model: each pair is a match with probability λ; given match (non-match) its fields' levels
are independent, level l of field f with probability m[f][l] (u[f][l]). A field at digit 0 ("says
nothing", e.g. a missing value) is not modelled: it is taken to be as likely for matches as for
non-matches, so it cancels, as its weight 0 says. A field with a single level (branch) has m = u = 1
over its levels and learns nothing.

u is better taken from uniformly random record pairs (`random_u`, Splink's
estimate_u_using_random_sampling: nearly all of them are non-matches) and held fixed, so that EM only
estimates m and λ; the CLI does so, with the record pairs blocking did not compare in the model as
non-matches patterned like the random pairs (`all_pairs`). Probabilities get a pseudo-count (`FLOOR`) so that a level with no
pairs has a small probability, never 0, and no weight is infinite or NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["LearnedWeights", "learn_weights", "random_u"]

FLOOR = 1e-6  # pseudo-count (in pairs) added to every level's count
WEIGHT_CAP = 20.0  # learned weights are clipped to ±20, the configured weights' range
RANDOM_FLOOR = 0.5  # pseudo-count for u from random pairs: a level no random pair has gets u < 1/sample


@dataclass
class LearnedWeights:
    """EM's estimates per field and level (level names as in crmtool.config.dedupe.COMPARE_SETS)."""

    m: dict[str, dict[str, float]]
    u: dict[str, dict[str, float]]
    weights: dict[str, float]  # log2(m/u) per learned level (pairs of it among the modelled ones), within ±WEIGHT_CAP
    pairs: dict[str, int]  # candidate pairs per level (every level of the set)
    lam: float  # λ: the share of the modelled pairs (candidates, or all record pairs with `all_pairs`) that match
    log_likelihood: list[float] = field(default_factory=list)  # per iteration, before its M-step
    iterations: int = 0
    converged: bool = False
    u_fixed: bool = False

    def to_dict(self) -> dict:
        return {"lambda": self.lam, "iterations": self.iterations, "converged": self.converged,
                "u_fixed": self.u_fixed, "log_likelihood": self.log_likelihood,
                "levels": {lv: {"field": f, "pairs": self.pairs[lv], "m": self.m[f][lv], "u": self.u[f][lv],
                                "learned": self.weights.get(lv)}
                           for f, levels in self.m.items() for lv in levels}}


def _digits(level_set, patterns: np.ndarray) -> dict[str, np.ndarray]:
    return {f: level_set.digit(patterns, f) for f in level_set.fields}


def _probabilities(digits: dict[str, np.ndarray], weight: np.ndarray, level_set, floor: float) -> dict[str, np.ndarray]:
    """Per field: index 0 = 1.0 (not modelled), then each level's share of the weighted pairs with a level."""
    out = {}
    for f, levels in level_set.fields.items():
        count = np.bincount(digits[f], weights=weight, minlength=len(levels) + 1)[1:] + floor
        out[f] = np.concatenate([[1.0], count / count.sum()])
    return out


def _log_product(digits: dict[str, np.ndarray], probs: dict[str, np.ndarray]) -> np.ndarray:
    return sum(np.log(probs[f])[d] for f, d in digits.items())


def learn_weights(pattern_counts: np.ndarray, levels, *, u: np.ndarray | None = None, all_pairs: int | None = None,
                  start: dict[str, float] | None = None, lam: float = 0.1, max_iter: int = 200,
                  tol: float = 1e-8) -> LearnedWeights:
    """EM over candidate pairs' patterns.

    `pattern_counts`: candidate pairs per pattern (index = pattern of `levels`, a scoring.LevelSet); `u`: random
    pairs per pattern (`random_u`), from which u is taken and held fixed, else u is estimated too;
    `all_pairs` (with `u`): every record pair of the input; the ones blocking did not compare join the
    model as non-matches patterned as the random pairs, so that λ and m are over all pairs, as u is (without
    them, u from all pairs cannot explain the candidate non-matches, which blocking chose for agreeing);
    `start`: weights to start m from (m ∝ u·2^w; the configured weights, which also fix which class is the
    matches), else m starts at the first level's side; stops when the log-likelihood gains less than
    `tol` (relative) or after `max_iter` iterations."""
    counts = np.asarray(pattern_counts, dtype=np.float64)
    observed = _digits(levels, np.arange(len(counts)))
    pairs_per = {f: np.bincount(observed[f], weights=counts, minlength=len(lv) + 1) for f, lv in levels.fields.items()}
    candidates = counts.sum()
    if candidates == 0:
        raise ValueError("no candidate pairs to learn weights from")
    fixed = u is not None
    if fixed:
        random = np.asarray(u, dtype=np.float64)
        u_p = _probabilities(_digits(levels, np.arange(len(random))), random, levels, RANDOM_FLOOR)
        if all_pairs:  # the pairs blocking did not compare: non-matches, patterned as the random pairs
            counts = counts + random / random.sum() * max(all_pairs - candidates, 0)
    patterns = np.flatnonzero(counts)
    c = counts[patterns]
    digits = _digits(levels, patterns)
    total = c.sum()
    if not fixed:
        u_p = _probabilities(digits, c, levels, FLOOR)  # nearly all candidate pairs are non-matches
    start_w = start or {}
    m_p = {}
    for f, lv in levels.fields.items():
        w = np.asarray([start_w.get(name, (len(lv) - 1 - i) * 2.0 - len(lv) + 1) for i, name in enumerate(lv)])
        m = u_p[f][1:] * np.exp2(np.clip(w, -30, 30))
        m_p[f] = np.concatenate([[1.0], m / m.sum()])
    history: list[float] = []
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):
        log_m = np.log(lam) + _log_product(digits, m_p)
        log_u = np.log1p(-lam) + _log_product(digits, u_p)
        joint = np.logaddexp(log_m, log_u)
        history.append(float((c * joint).sum()))
        if len(history) > 1 and history[-1] - history[-2] <= tol * abs(history[-2]):
            converged = True
            break
        g = np.exp(log_m - joint)  # P(match | pattern)
        lam = float(np.clip((c * g).sum() / total, 1e-9, 1 - 1e-9))
        m_p = _probabilities(digits, c * g, levels, FLOOR)
        if not fixed:
            u_p = _probabilities(digits, c * (1 - g), levels, FLOOR)
    modelled = {f: np.bincount(digits[f], weights=c, minlength=len(lv) + 1) for f, lv in levels.fields.items()}
    m_out = {f: {name: float(m_p[f][i + 1]) for i, name in enumerate(lv)} for f, lv in levels.fields.items()}
    u_out = {f: {name: float(u_p[f][i + 1]) for i, name in enumerate(lv)} for f, lv in levels.fields.items()}
    pairs = {name: int(pairs_per[f][i + 1]) for f, lv in levels.fields.items() for i, name in enumerate(lv)}
    weights = {name: float(np.clip(np.log2(m_out[f][name] / u_out[f][name]), -WEIGHT_CAP, WEIGHT_CAP))
               for f, lv in levels.fields.items() if len(lv) > 1 for i, name in enumerate(lv) if modelled[f][i + 1] > 0}
    return LearnedWeights(m_out, u_out, weights, pairs, lam, history, iteration, converged, fixed)


def random_u(pair_keys, n_records: int, comparison, *, sample: int = 200_000, seed: int = 0,
             exclude: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Pairs per pattern among `sample` uniformly random record pairs (learn_weights' `u`), their patterns
    computed by the pipeline's own pattern function (`comparison.patterns`, a pipeline.Comparison).
    Random pairs are taken not to share a phone line (the blocking's `phone` column: a vanishing chance).
    `exclude` (row numbers a, b): pairs left out of the sample, the run's likely matches: u is the
    non-matches' distribution, and at 10⁻⁴ of all pairs the matches among random pairs would otherwise be
    most of the few random pairs that agree on a credit code or a name."""
    import pyarrow as pa

    from crmtool.dedupe.scoring import LEVEL_SETS

    levels = LEVEL_SETS[comparison.name]
    if n_records < 2:
        raise ValueError("random pairs need two records or more")
    rng = np.random.default_rng(seed)
    a = rng.integers(0, n_records, sample).astype(np.int32)
    b = ((a + rng.integers(1, n_records, sample)) % n_records).astype(np.int32)  # b ≠ a
    if exclude is not None and len(exclude[0]):
        pair = lambda x, y: np.minimum(x, y).astype(np.int64) * n_records + np.maximum(x, y)
        keep = ~np.isin(pair(a, b), pair(*exclude))
        a, b = a[keep], b[keep]
        sample = len(a)
    batch = pa.record_batch({"a": a, "b": b, "phone": np.zeros(sample, dtype=bool)})
    return np.bincount(comparison.patterns(pair_keys, a, b, batch), minlength=levels.n_patterns)
