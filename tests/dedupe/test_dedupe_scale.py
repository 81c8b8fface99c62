"""What keeps dedupe linear at a million records: the one-edit block's shape, batch-wise scoring with
compact pairs, and a capped DuckDB. Each test would fail if that mechanism were removed or wrong."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crmtool.canon.uscc import complete_uscc
from crmtool.dedupe.pipeline import DedupeSettings, dedupe
from tests.dedupe.conftest import accounts

CODE_A = complete_uscc("91110108MA01AAAA")
CODE_B = complete_uscc("91110108MA02BBBB")


def _pairs(rows, store=None) -> dict[tuple[str, str], str]:
    """Candidate pairs by id → the first rule that found them."""
    from crmtool.dedupe.blocking import block, block_table
    from crmtool.engine import DuckDBEngine
    from crmtool.dedupe.keys import record_keys

    keys = record_keys(accounts(rows), "id")
    keys["rid"] = np.arange(len(keys), dtype=np.int32)
    keys["store"] = store if store is not None else False
    ids = keys["_key"].tolist()
    with DuckDBEngine() as engine:
        result = block(engine, block_table(keys, keys["store"]))
        found = engine.sql("SELECT a, b, first FROM candidate_pairs").to_pylist()
    names = [c["rule"] for c in result.counts]
    return {(ids[p["a"]], ids[p["b"]]): names[p["first"]] for p in found}


def test_one_edit_block_finds_substitutions_and_insertions_in_one_city():
    pairs = _pairs([
        {"id": "a", "name": "北京华信科技有限公司"},
        {"id": "b", "name": "北京华兴科技有限公司"},    # substitution
        {"id": "c", "name": "北京华信信科技有限公司"},  # insertion
        {"id": "d", "name": "北京信科技有限公司"},      # deletion, but only 3 characters: too short
        {"id": "e", "name": "上海华兴科技有限公司"},    # another city
        {"id": "f", "name": "北京兴华科技有限公司"},    # two edits (a transposition)
    ])
    assert pairs.get(("a", "b")) == "trade_del1" and pairs.get(("a", "c")) == "trade_del1"
    assert not {("a", "d"), ("a", "e"), ("a", "f"), ("b", "c")} & set(pairs)  # ("b", "c"): two edits apart
    assert pairs.get(("b", "e")) == "trade"  # the same trade key in another city: the trade rule's, not this one's


def test_one_edit_block_keeps_each_records_nearest_neighbours():
    """Thirty companies one character apart on one street: each record keeps NEIGHBOURS pairs (and any
    pair another record keeps), the one at its own door among them, so the rule grows with the records."""
    from crmtool.dedupe.blocking import NEIGHBOURS
    from crmtool.synth import vocab

    chars = [c for c, _ in vocab.TRADE_CHARS][:30]
    rows = [{"id": f"n{i:02d}", "name": f"北京{c}远科技有限公司", "address": f"北京市海淀区中关村大街{i + 1}号"}
            for i, c in enumerate(chars)]
    rows.append({"id": "typo", "name": "北京" + chars[7] + "远科枝有限公司", "address": "北京市海淀区中关村大街8号"})
    rows.append({"id": "typo2", "name": chars[17] + "远科枝", "address": "北京市海淀区中关村大街18号"})
    pairs = [p for p, rule in _pairs(rows).items() if rule == "trade_del1"]
    per_record = pd.Series([k for p in pairs for k in p]).value_counts()
    assert len(pairs) <= NEIGHBOURS * len(rows) < len(chars) * (len(chars) - 1) // 2
    assert ("n07", "typo") in pairs  # at its door: ranked first
    assert ("n17", "typo2") in pairs  # a short name placed by its address
    assert per_record[[r["id"] for r in rows[:len(chars)]]].min() >= NEIGHBOURS  # the bound cuts no one below it


def test_one_edit_block_needs_a_record_without_a_valid_code():
    invalid = CODE_B[:-1] + ("0" if CODE_B[-1] != "0" else "1")
    pairs = _pairs([
        {"id": "a", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        {"id": "b", "name": "北京华兴科技有限公司", "credit_code": CODE_B},  # both valid: the codes decide
        {"id": "c", "name": "北京华新科技有限公司", "credit_code": invalid},  # a typo'd code counts as none
    ])
    assert ("a", "b") not in pairs
    assert pairs.get(("a", "c")) == "trade_del1"
    assert ("b", "c") in pairs  # (found first by org_code: the typo left the organisation code intact)


def test_one_edit_block_never_pairs_two_store_rows():
    pairs = _pairs([{"id": "s1", "name": "北京华信科技有限公司"}, {"id": "s2", "name": "北京华兴科技有限公司"},
                    {"id": "n1", "name": "北京华鑫科技有限公司"}], store=[True, True, False])
    assert set(pairs) == {("n1", "s1"), ("n1", "s2")}


def test_scoring_in_small_batches_gives_the_same_result():
    """The pipeline keeps only compact pairs between batches: the outputs must not depend on the batch size."""
    from crmtool.synth.generate import generate_accounts

    records, _ = generate_accounts(1500, seed=5)
    whole = dedupe(records, "record_id", DedupeSettings(score_batch=1_000_000))
    batched = dedupe(records, "record_id", DedupeSettings(score_batch=37))
    assert whole.stats["candidate_pairs"] > 37 * 10
    pd.testing.assert_frame_equal(whole.clusters, batched.clusters)
    pd.testing.assert_frame_equal(whole.pairs.astype(str), batched.pairs.astype(str))
    pd.testing.assert_frame_equal(whole.review, batched.review)


def test_pairs_below_the_floor_are_dropped_but_hard_rule_verdicts_kept():
    result = dedupe(accounts([
        {"id": "1", "name": "北京华信科技有限公司", "credit_code": CODE_A},
        # one character apart, but an unrelated (invalid) code: 2.5 + 1 + 0.5 − 5 < 0, no rule
        {"id": "2", "name": "北京华兴科技有限公司", "credit_code": "91310000123456781X"},
        {"id": "3", "name": "上海华信科技有限公司"},  # same trade, another city: a hard rule said no
    ]), "id")
    kept = set(zip(result.pairs["key_a"], result.pairs["key_b"], strict=True))
    assert result.stats["candidate_pairs"] == 2  # 1-2 (trade_del1) and 1-3 (trade)
    assert ("1", "2") not in kept
    assert ("1", "3") in kept
    assert "rule:different_region" in result.pairs.set_index(["key_a", "key_b"]).loc[("1", "3"), "reasons"]


def test_engine_caps_memory_and_spills_to_a_private_directory():
    from pathlib import Path

    from crmtool.engine import DuckDBEngine

    engine = DuckDBEngine(memory_limit="64MB", threads=1)
    spill = Path(engine._spill)
    setting = engine.sql("SELECT current_setting('memory_limit') AS m").column("m")[0].as_py()
    assert setting.replace(" ", "").upper().startswith(("61.0MIB", "64.0MB", "64MB", "61MIB"))
    # a sort of ~200 MB of rows cannot stay within 64 MB: it has to spill and still succeed
    n = engine.sql("SELECT count(*) AS n FROM (SELECT range, md5(range::VARCHAR) AS h FROM range(3000000) ORDER BY h)")
    assert n.column("n")[0].as_py() == 3_000_000
    assert spill.is_dir()
    engine.close()
    assert not spill.exists()


def test_pattern_table_weights_are_the_sum_of_the_level_weights():
    from crmtool.dedupe.scoring import DEFAULT_WEIGHTS, FIELD_LEVELS, N_PATTERNS, PatternTable, digit, encode

    table = PatternTable()
    rng = np.random.default_rng(0)
    digits = {f: rng.integers(0, len(levels) + 1, size=500) for f, levels in FIELD_LEVELS.items()}
    pattern = encode(digits)
    assert pattern.max() < N_PATTERNS
    for f in FIELD_LEVELS:
        assert (digit(pattern, f) == digits[f]).all()
    expected = sum(np.asarray([0.0] + [DEFAULT_WEIGHTS.levels[lv] for lv in levels])[digits[f]]
                   for f, levels in FIELD_LEVELS.items())
    assert np.allclose(table.weight[pattern], expected)
    p = encode({f: np.array([1 if f in ("code", "phone") else 0]) for f in FIELD_LEVELS})[0]
    assert table.reasons(p) == "code_equal_valid+14.0; phone_match+8.0"


@pytest.mark.parametrize("batch", [1, 3])
def test_reviewed_answers_apply_in_any_batch(batch):
    """A stored 否 overrides a match; a stored answer is looked up per batch."""
    from crmtool.dedupe.decisions import fingerprints, pair_id

    table = accounts([
        {"id": "1", "name": "北京华信科技有限公司", "phone": "13800138000"},
        {"id": "2", "name": "华信科技", "phone": "13800138000"},
        {"id": "3", "name": "北京华信科技有限公司"},
    ])
    fp = fingerprints(table)
    answers = {pair_id(fp[[0]], fp[[1]])[0]: "否"}
    result = dedupe(table, "id", DedupeSettings(decisions=answers, score_batch=batch))
    row = result.pairs.set_index(["key_a", "key_b"]).loc[("1", "2")]
    assert row["decision"] == "non-match" and "rule:reviewed_no" in row["reasons"]


def test_vectorised_code_and_phone_keys_equal_the_per_value_functions():
    """The fast paths take the plain cells; whatever they take must come out as code_keys / phone_keys say
    (every cell of the default and the hard generated sets, and the written-out shapes below)."""
    from crmtool.dedupe.keys import _normalised_codes, _plain_array, _plain_codes, _plain_phones, code_keys, phone_keys
    from crmtool.synth.generate import generate_accounts

    records = pd.concat([generate_accounts(3000, seed=6)[0], generate_accounts(6000, seed=21, hard=True)[0]])
    codes = pd.concat([records["credit_code"], pd.Series([
        CODE_A, CODE_A[:-1] + "0", CODE_A[:16] + "X" + CODE_A[17], "91110108MA01AAAA5", None, CODE_A.lower(),
        " ".join([CODE_A[:4], CODE_A[4:8], CODE_A[8:]]), "-".join([CODE_A[:8], CODE_A[8:16], CODE_A[16:]]),
        CODE_A.replace("0", "O"), CODE_A.replace("1", "I"), "".join(chr(ord(c) + 0xFEE0) for c in CODE_A),
        CODE_A[:9] + "\u3000" + CODE_A[9:], CODE_A[:9] + "_" + CODE_A[9:], CODE_A[:9] + "/" + CODE_A[9:] + ".",
        "ｏｉ", "12345678-9", "123456789", "91110108MA01AAAA5S", "9111·0108MA01AAAA5X", "91110108MA01AAAA5X0",
    ], dtype="string")]).str.strip().replace("", pd.NA)
    handled, (code, valid, org, division) = _plain_codes(_normalised_codes(_plain_array(codes)))
    assert handled.mean() > 0.8
    for i in np.flatnonzero(handled):
        assert (code[i].as_py(), valid[i].as_py(), org[i].as_py(), division[i].as_py()) == code_keys(codes.iloc[i])
    phones = pd.concat([records["phone"], pd.Series(["010-65937957", "0371-3489088", "02165937957", "65937957",
                                                     "13800138000", "0898-43779047", "1380013800", None], dtype="string")])
    phones = phones.str.strip().replace("", pd.NA)
    handled, lists = _plain_phones(_plain_array(phones))
    assert handled[phones.notna().to_numpy()].mean() > 0.95  # the hard set's two-number cells and extensions too
    for i in np.flatnonzero(handled):
        assert tuple(lists[i].as_py()) == phone_keys(phones.iloc[i])


@pytest.mark.parametrize("cell", [
    "+86 138 0013 8000", "13800138000.0", "(0898)43779047", "0086 13800138000", "010-65937957-123", "138 0013 8000",
    "0592-50498573 0592-50498574", "+86-25-65937957", "86-13800138000", "１３８００１３８０００", "+86 25 6593 7957",
    "059250498573", "65937957", "123", "0000000000", "8613800138000", "13800138000  13900139000", "021 5555 6666",
    "65937957 65937958", "13800138000 13900139000", "(010)65937957", "0086 138 0013 8000", "+(86)13800138000",
    # split at ; , / | 、, extensions, notes
    "18652497201；025-57139662", "17622775984/0731-66565695", "13345715108（微信同号）", "023-80667678 ext.651",
    "0591-25037084转486", "0791-87049697转分机564", "0451-71821231 EXT 200", "0451-71821231x20", "0451-71821231#20",
    "010-6593795-12", "13800138000,13800138000", "13800138000、13900139000、010-65937957",
    "13800138000 / 13900139000", ";13800138000;", "13800138000|", "13800138000；；13900139000", "13800138000.0/010-65937957.0",
    "13800138000 13900139000/010-65937957", "13800138000或13900139000", "13800138000  /  010-65937957", "电话：13800138000",
    "010-65937957转1234567", "1234567-12转34", "手机13800138000；座机010-65937957", "0086-13800138000/+86 25 6593 7957",
    "13800138000（张经理）/13900139000（李）", "13800138000\n13900139000", "１３８００１３８０００／０１０－６５９３７９５７",
])
def test_vectorised_phone_key_of_one_cell_equals_phone_keys(cell):
    from crmtool.dedupe.keys import _plain_array, _plain_phones, phone_keys

    handled, lists = _plain_phones(_plain_array(pd.Series([cell], dtype="string")))
    if handled[0]:
        assert tuple(lists[0].as_py()) == phone_keys(cell)


@pytest.mark.parametrize("seed", range(6))
def test_entities_from_components_equal_the_merge_loop_over_every_pair(seed):
    """cluster() runs the merge loop only in components that hold two values of an attribute; on random
    graphs with clashing attributes its entities and refusals are the loop's over every pair."""
    from crmtool.dedupe.cluster import SOFT, _merge, cluster

    rng = np.random.default_rng(seed)
    n, m = 400, (150, 500)[seed % 2]  # many small components, or a few big ones
    a, b = rng.integers(0, n, m), rng.integers(0, n, m)
    a, b = np.minimum(a, b)[a != b], np.maximum(a, b)[a != b]
    weight = rng.choice([6.0, 6.5, 8.0, 14.0], len(a)).astype(np.float32)
    attrs = {"code": np.where(rng.random(n) < 0.9, -1, rng.integers(0, 3, n)),
             "branch": np.where(rng.random(n) < 0.95, -1, rng.integers(0, 2, n)),
             "strong": rng.random(len(a)) < 0.3}
    soft = {name: np.where(rng.random(n) < 0.85, -1, rng.integers(0, 3, n)) for name in SOFT}
    got_roots, got_refused = cluster(n, a, b, weight, soft=soft, **attrs)
    want_roots, want_refused = _merge(n, a, b, weight, strong=attrs["strong"], soft=soft,
                                      single={"valid_code": attrs["code"]}, exact={"branch": attrs["branch"]})
    assert np.array_equal(got_refused, want_refused) and (want_refused > 0).any()
    same = lambda roots: roots[:, None] == roots[None, :]
    assert np.array_equal(same(got_roots), same(want_roots))


def test_duckdb_budget_grows_with_the_records_beyond_a_million():
    from crmtool.dedupe.pipeline import duckdb_budget

    assert duckdb_budget(0) == duckdb_budget(1_000_000) == "256MB"
    assert duckdb_budget(10_000_000) == "2442MB"
    assert duckdb_budget(20_000_000) == "4883MB"
