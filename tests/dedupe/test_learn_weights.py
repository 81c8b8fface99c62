"""Learned weights (crmtool.dedupe.learn, `crmtool dedupe --learn-weights`): EM on comparison patterns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from crmtool.exitcodes import ExitCode

SEED = 47  # not a seed of test_dedupe_accuracy.py
N = 6000


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from crmtool.synth.generate import generate_accounts

    records, truth = generate_accounts(N, seed=SEED)
    path = tmp_path_factory.mktemp("learn") / "accounts.csv"
    records.to_csv(path, index=False, encoding="utf-8-sig")
    return records, truth, path


@pytest.fixture(scope="module")
def learned(generated, tmp_path_factory):
    from crmtool.dedupe.run import run_dedupe

    _, _, path = generated
    out = tmp_path_factory.mktemp("learn_run") / "clusters.csv"
    return run_dedupe(path, "record_id", out, processes=4, learn=True)


def test_log_likelihood_never_decreases(learned):
    em = learned["learned_weights"]
    ll = np.asarray(em["log_likelihood"])
    assert len(ll) >= 3 and em["converged"] and em["u_fixed"]
    assert np.all(np.diff(ll) >= -1e-9 * abs(ll[-1])), ll
    assert np.all(np.isfinite(ll))


def test_name_and_code_weights_are_ordered(learned):
    levels = learned["learned_weights"]["levels"]
    w = {lv: row["learned"] for lv, row in levels.items() if row["learned"] is not None}
    assert all(np.isfinite(v) for v in w.values())
    # name: exact > trade exact > one edit > similar > different, and different is negative
    order = [lv for lv in ("name_exact", "trade_exact", "trade_typo", "trade_similar", "name_differ") if lv in w]
    assert len(order) >= 4, order
    assert [w[lv] for lv in order] == sorted((w[lv] for lv in order), reverse=True), {lv: w[lv] for lv in order}
    assert w["name_differ"] < 0 and w["name_exact"] > 0
    # credit code: equal valid > close (≤ 2 edits) > different or conflicting, both negative
    assert w["code_equal_valid"] > w["code_close"] > max(w["code_differ"], w["code_conflict"])
    assert w["code_differ"] < 0 and w["code_conflict"] < 0
    # and the other agreements agree with their configured sign
    for lv in ("phone_match", "address_match", "region_same"):
        assert w[lv] > 0
    for lv in ("region_conflict", "number_differ", "mobile_differ"):
        assert w[lv] < 0


def test_em_recovers_known_m_and_u():
    from crmtool.dedupe.learn import learn_weights
    from crmtool.dedupe.scoring import LevelSet

    levels = LevelSet("t", {"a": ("a1", "a2", "a3"), "b": ("b1", "b2"), "c": ("c1", "c2", "c3"), "d": ("d1", "d2")})
    m = {"a": [0.8, 0.15, 0.05], "b": [0.9, 0.1], "c": [0.6, 0.3, 0.1], "d": [0.7, 0.3]}
    u = {"a": [0.05, 0.15, 0.8], "b": [0.2, 0.8], "c": [0.1, 0.2, 0.7], "d": [0.3, 0.7]}
    lam, n = 0.2, 400_000
    rng = np.random.default_rng(5)

    def draw(count: int, match: np.ndarray) -> np.ndarray:
        digits = {}
        for f in levels.fields:
            d = np.where(match, rng.choice(len(m[f]), count, p=m[f]), rng.choice(len(u[f]), count, p=u[f])) + 1
            if f == "c":  # a field missing in a tenth of the pairs: says nothing, whatever the class
                d[rng.random(count) < 0.1] = 0
            digits[f] = d
        return np.bincount(levels.encode(digits), minlength=levels.n_patterns)

    counts = draw(n, rng.random(n) < lam)
    free = learn_weights(counts, levels, lam=0.5)
    assert free.converged and abs(free.lam - lam) < 0.01
    for f in levels.fields:
        for i, name in enumerate(levels.fields[f]):
            assert abs(free.m[f][name] - m[f][i]) < 0.02, (name, free.m[f][name])
            assert abs(free.u[f][name] - u[f][i]) < 0.02, (name, free.u[f][name])
            assert np.isclose(free.weights[name], np.log2(free.m[f][name] / free.u[f][name]))
    assert np.all(np.diff(free.log_likelihood) >= -1e-9 * abs(free.log_likelihood[-1]))

    # u held fixed from non-matching pairs (as random pairs are): m and λ only
    fixed = learn_weights(counts, levels, u=draw(200_000, np.zeros(200_000, dtype=bool)), lam=0.5)
    assert fixed.u_fixed and abs(fixed.lam - lam) < 0.01
    for f in levels.fields:
        for i, name in enumerate(levels.fields[f]):
            assert abs(fixed.m[f][name] - m[f][i]) < 0.02, (name, fixed.m[f][name])


def test_zero_counts_give_finite_weights():
    from crmtool.dedupe.learn import learn_weights
    from crmtool.dedupe.scoring import LevelSet

    levels = LevelSet("t", {"a": ("a1", "a2", "a3"), "b": ("b1", "b2")})
    counts = np.zeros(levels.n_patterns)
    counts[levels.encode({"a": np.array([1, 3]), "b": np.array([1, 2])})] = [50, 500]  # a2 never seen
    result = learn_weights(counts, levels)
    assert "a2" not in result.weights and result.pairs["a2"] == 0
    values = [result.m[f][lv] for f in result.m for lv in result.m[f]] + [result.u[f][lv] for f in result.u for lv in result.u[f]]
    assert all(np.isfinite(v) and v > 0 for v in values)
    assert all(np.isfinite(v) for v in result.weights.values()) and np.isfinite(result.log_likelihood).all()


def test_cli_learn_weights_json_has_learned_beside_default(cli, generated, tmp_path):
    _, _, path = generated
    result = cli("dedupe", path, "--key", "record_id", "--out", tmp_path / "c.csv", "--learn-weights", "--json")
    assert result.code == ExitCode.OK, result.stderr
    summary = json.loads(result.stdout)
    assert summary["weights"] == "configured"
    levels = summary["learned_weights"]["levels"]
    from crmtool.config.dedupe import COMPANY_LEVELS
    from crmtool.dedupe.rules import builtin_rules

    defaults = builtin_rules().weights()
    assert set(levels) == {lv for lvs in COMPANY_LEVELS.values() for lv in lvs}
    with_pairs = [lv for lv, row in levels.items() if row["pairs"] > 0 and row["field"] != "branch"]
    assert len(with_pairs) >= 15
    for lv in with_pairs:
        assert levels[lv]["default"] == defaults[lv]
        assert isinstance(levels[lv]["learned"], float) and np.isfinite(levels[lv]["learned"])
        assert 0 < levels[lv]["m"] <= 1 and 0 < levels[lv]["u"] <= 1
    assert levels["branch_conflict"]["learned"] is None  # one level: nothing to learn
    assert sum(row["pairs"] for row in levels.values() if row["field"] == "name") <= summary["candidate_pairs"]

    table = cli("dedupe", path, "--key", "record_id", "--out", tmp_path / "c2.csv", "--learn-weights")
    assert table.code == ExitCode.OK, table.stderr
    assert "learned weights" in table.stdout and "trade_typo" in table.stdout


def test_apply_learned_decides_with_the_learned_weights(cli, generated, learned, tmp_path):
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe
    from crmtool.dedupe.rules import builtin_rules
    from crmtool.dedupe.scoring import Weights

    records, _, path = generated
    result = cli("dedupe", path, "--key", "record_id", "--out", tmp_path / "c.csv", "--learn-weights",
                 "--apply-learned", "--json")
    assert result.code == ExitCode.OK, result.stderr
    applied = json.loads(result.stdout)
    assert applied["weights"] == "learned"
    weights = {lv: row["learned"] for lv, row in applied["learned_weights"]["levels"].items() if row["learned"] is not None}
    settings = DedupeSettings.from_rules(builtin_rules(), processes=4)
    settings.weights = Weights({**settings.weights.levels, **weights})
    expected = dedupe(records.astype("string"), "record_id", settings)
    assert applied["clusters"] == expected.stats["clusters"]
    assert applied["matches"] == expected.stats["matches"]
    clusters = pd.read_csv(tmp_path / "c.csv", dtype=str, encoding="utf-8-sig")
    assert clusters["cluster_id"].nunique() == expected.stats["clusters"]
    # the learned weights are what changed: the default run decides otherwise
    assert (applied["clusters"], applied["matches"]) != (learned["clusters"], learned["matches"])


def test_learn_weights_for_contacts(cli, tmp_path):
    from crmtool.synth import generate_contacts

    records, _ = generate_contacts(3000, seed=77)
    path = tmp_path / "contacts.csv"
    records.to_csv(path, index=False, encoding="utf-8-sig")
    key = records.columns[0]
    result = cli("dedupe", path, "--key", key, "--object", "contacts", "--out", tmp_path / "c.csv",
                 "--learn-weights", "--json")
    assert result.code == ExitCode.OK, result.stderr
    levels = json.loads(result.stdout)["learned_weights"]["levels"]
    assert levels["mobile_match"]["learned"] > 0 > levels["mobile_differ"]["learned"]
    assert levels["name_exact"]["learned"] > levels["name_differ"]["learned"]


def test_apply_learned_needs_learn_weights(cli, generated, tmp_path):
    _, _, path = generated
    result = cli("dedupe", path, "--key", "record_id", "--out", tmp_path / "c.csv", "--apply-learned")
    assert result.code != ExitCode.OK
    assert "--learn-weights" in result.stderr


def test_pattern_counts_hold_every_candidate_pair_in_any_batch(generated):
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe

    records = generated[0].head(1500).astype("string")
    whole = dedupe(records, "record_id", DedupeSettings(processes=1))
    batched = dedupe(records, "record_id", DedupeSettings(processes=3, score_batch=100, u_sample=5000))
    assert whole.pattern_counts.sum() == whole.stats["candidate_pairs"] >= len(whole.pairs) > 0
    assert np.array_equal(whole.pattern_counts, batched.pattern_counts)
    assert whole.random_u is None and 0 < batched.random_u.sum() <= 5000
