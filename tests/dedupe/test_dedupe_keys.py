"""Matching keys and blocking."""

from __future__ import annotations

import pandas as pd
import pytest

from crmtool.dedupe.keys import name_keys, phone_keys, record_keys
from tests.dedupe.conftest import accounts


@pytest.mark.parametrize("cell, keys", [
    ("13800138000", ("13800138000",)),
    ("+86 138 0013 8000", ("13800138000",)),
    ("86-13800138000", ("13800138000",)),
    ("13800138000.0", ("13800138000",)),
    ("１３８００１３８０００", ("13800138000",)),
    ("13800138000（微信同号）", ("13800138000",)),
    ("010-65937957", ("65937957",)),
    ("(0898)43779047", ("43779047",)),
    ("+86-25-65937957", ("65937957",)),
    ("0371-34890885转分机183", ("34890885",)),
    ("65937957", ("65937957",)),
    ("059250498573", ("50498573",)),
    ("19780489177；0592-50498573", ("19780489177", "50498573")),
    ("13800138000 13900139000", ("13800138000", "13900139000")),
    ("n/a", ()),
])
def test_phone_keys(cell, keys):
    assert phone_keys(cell) == keys


def test_name_keys_region_infix_prefix_traditional_short():
    keys = {name_keys(n)[1] for n in ("北京华信科技有限公司", "华信（北京）科技有限公司", "華信科技有限公司", "华信科技")}
    assert keys == {"华信科技"}
    assert name_keys("华信（北京）科技有限公司")[2] == name_keys("北京华信科技有限公司")[2] == "北京市"


def test_infix_region_is_read_as_a_city_not_a_county_of_that_name():
    # 西安 is also 西安区 in 辽源 and 牡丹江
    assert name_keys("宇聚（西安）茶叶专业合作社")[2:4] == ("西安市", "陕西省")


def test_short_company_forms_leave_no_residue_in_the_trade_key():
    # 股份公司 is written for 股份有限公司: the trade key must equal the full form's, or the two never meet
    assert name_keys("北京光通信息技术股份公司")[1] == name_keys("北京光通信息技术股份有限公司")[1] == "光通信息技术"
    assert name_keys("北京光通信息技术股份公司")[4] == "股份公司"
    assert name_keys("温州瑞丰服装个人独资企业")[1:5:3] == ("瑞丰服装", "个人独资企业")


def test_branch_without_delimitable_parent():
    norm, trade, city, province, form, branch = name_keys("创祥国汽车销售海口分公司")
    assert (trade, branch) == ("创祥国汽车销售", "海口分公司")
    assert name_keys("石家庄创祥国汽车销售有限责任公司海口分公司")[1] == "创祥国汽车销售"


def test_record_keys_codes():
    from crmtool.canon.uscc import complete_uscc

    code = complete_uscc("91110108MA01AAAA")
    keys = record_keys(accounts([
        {"id": "1", "credit_code": code}, {"id": "2", "credit_code": code.lower()[:9] + " " + code[9:]},
        {"id": "3", "credit_code": code[:-1] + ("0" if code[-1] != "0" else "1")}, {"id": "4"},
    ]), "id")
    assert keys["code"].tolist()[:3] == [code, code, keys["code"][2]]
    assert keys["code_valid"].tolist() == [True, True, False, False]
    assert keys["org_code"].tolist()[:3] == [code[8:17]] * 3
    assert pd.isna(keys["code"][3])


def test_absent_columns_are_empty_keys():
    keys = record_keys(pd.DataFrame({"id": ["1", "2"], "name": ["北京华信科技有限公司", None]}).astype("string"), "id")
    assert keys["trade"].tolist()[0] == "华信科技" and pd.isna(keys["trade"][1])
    assert keys["phones"].tolist() == [[], []]


def _keys(rows, store=None):
    keys = record_keys(accounts(rows), "id")
    keys["rid"] = range(len(keys))
    keys["store"] = store if store is not None else False
    return keys


def test_blocking_counts_pairs_per_rule_and_credits_new_pairs_once():
    from crmtool.dedupe.blocking import block, block_table
    from crmtool.engine import DuckDBEngine

    keys = _keys([
        {"id": "a", "name": "北京华信科技有限公司", "phone": "13800138000"},
        {"id": "b", "name": "华信科技", "phone": "13800138000"},
        {"id": "c", "name": "北京华仁科技有限公司"},  # one character from 华信科技
        {"id": "d", "name": "广州宏达贸易有限公司"},
    ])
    with DuckDBEngine() as engine:
        result = block(engine, block_table(keys, keys["store"]))
        found = result.table()
    counts = {c["rule"]: c for c in result.counts}
    assert counts["phone"]["pairs"] == 1 and counts["phone"]["new_pairs"] == 1
    assert counts["trade"]["pairs"] == 1 and counts["trade"]["new_pairs"] == 0  # a-b already found by phone
    pairs = set(zip(found.column("a").to_pylist(), found.column("b").to_pylist()))
    assert pairs == {(0, 1), (0, 2)}  # d meets nobody; b has no province, so no one-edit block with c
    assert sum(c["new_pairs"] for c in result.counts) == len(pairs)


def test_blocking_skips_oversized_blocks_and_reports_them():
    from crmtool.dedupe.blocking import block, block_table
    from crmtool.engine import DuckDBEngine

    keys = _keys([{"id": str(i), "name": f"{'甲乙丙丁戊己庚辛壬癸'[i]}公司", "phone": "13800138000"} for i in range(10)])
    with DuckDBEngine() as engine:
        result = block(engine, block_table(keys, keys["store"]), max_block=5)
    counts = {c["rule"]: c for c in result.counts}
    assert counts["phone"] == {"rule": "phone", "pairs": 0, "new_pairs": 0, "skipped_keys": 1}


def test_blocking_never_pairs_two_store_rows():
    from crmtool.dedupe.blocking import block, block_table
    from crmtool.engine import DuckDBEngine

    keys = _keys([{"id": "s1", "name": "北京华信科技有限公司"}, {"id": "s2", "name": "北京华信科技有限公司"},
                  {"id": "n1", "name": "华信科技"}], store=[True, True, False])
    with DuckDBEngine() as engine:
        result = block(engine, block_table(keys, keys["store"]))
        found = result.table()
    pairs = set(zip(found.column("a").to_pylist(), found.column("b").to_pylist()))
    assert pairs == {(2, 0), (2, 1)}


from hypothesis import given
from hypothesis import strategies as st


@given(st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9),
       st.sampled_from(["{m}", "+86 {a} {b} {c}", "86-{m}", "{m}.0", "{a}-{b}-{c}", "+86{m}", "0086 {m}", "{m}（微信同号）"]),
       st.booleans())
def test_a_mobile_number_has_one_key_whatever_its_format(second, rest, layout, fullwidth):
    mobile = "1" + second + rest
    cell = layout.format(m=mobile, a=mobile[:3], b=mobile[3:7], c=mobile[7:])
    if fullwidth:
        cell = cell.translate(str.maketrans("0123456789+", "０１２３４５６７８９＋"))
    assert phone_keys(cell) == (mobile,)


def test_engine_adapter_runs_sql_over_registered_frames():
    from crmtool.engine import DuckDBEngine

    with DuckDBEngine() as engine:
        engine.register("t", pd.DataFrame({"x": ["华信", "華信", "华信"]}))
        result = engine.sql("SELECT x, count(*) AS n FROM t GROUP BY x ORDER BY x")
    assert result.to_pylist() == [{"x": "华信", "n": 2}, {"x": "華信", "n": 1}]


def test_parallel_name_keys_equal_serial(monkeypatch):
    import crmtool.dedupe.keys as keys_module
    from crmtool.synth.generate import generate_accounts

    records, _ = generate_accounts(300, seed=9)
    serial = record_keys(records, "record_id", processes=1)
    monkeypatch.setattr(keys_module, "PARALLEL_FROM", 1)
    parallel = record_keys(records, "record_id", processes=2)
    pd.testing.assert_frame_equal(serial, parallel)
