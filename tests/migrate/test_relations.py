"""RelationIndex: references resolved by external id, cleansed name, trade name and credit code."""

from __future__ import annotations

import time

import pandas as pd
import pytest

from crmtool.mapper.relations import RelationIndex
from crmtool.model import load_object_model

ACCOUNTS = load_object_model()["accounts"]


def rows(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns, dtype="string")


@pytest.fixture
def index() -> RelationIndex:
    return RelationIndex.from_rows(rows(
        account_id=["A1", "A2", "A3", "A4", "A5"],
        name=["北京华信科技有限公司", "上海华信科技有限公司", "北京华信科技有限公司上海分公司", "广州天润贸易有限公司",
              "嘉祥（苏州）信息技术有限公司"],
        credit_code=["91110108MA01HX3K30", "91310115MA1FL2Q83U", None, "91440106MA59C2LX9T", None],
    ), ACCOUNTS)


def series(*values) -> pd.Series:
    return pd.Series(list(values), dtype="string")


def test_by_external_id(index):
    got = index.resolve(series("A2", "A9", None), "external_id")
    assert got.iloc[0] == "A2" and got.iloc[1:].isna().all()


def test_by_name_exact_after_cleansing(index):
    got = index.match(series("北京华信科技有限公司", "嘉祥(苏州)信息技术有限公司", " 廣州天潤貿易有限公司"), "name")
    assert got["id"].tolist() == ["A1", "A5", "A4"]
    assert got["how"].tolist() == ["exact"] * 3 and got["matches"].tolist() == [1, 1, 1]


def test_by_trade_name_with_province_and_never_a_branch(index):
    got = index.match(series("天润贸易", "上海华信科技", "华信科技", "北京华信科技"), "name")
    assert got["id"].iloc[0] == "A4" and got["how"].iloc[0] == "trade_name"
    assert got["id"].iloc[1] == "A2", "the lookup's province picks the Shanghai one"
    assert pd.isna(got["id"].iloc[2]) and got["matches"].iloc[2] == 2, "no region: ambiguous (the branch not counted)"
    assert "A1" in got["candidates"].iloc[2] and "A2" in got["candidates"].iloc[2] and "A3" not in got["candidates"].iloc[2]
    assert got["id"].iloc[3] == "A1"


def test_by_credit_code_cleansed(index):
    got = index.resolve(series("91110108ma01hx3k30", "9144 0106 MA59 C2LX 9T", "91420100177712345X"), "credit_code")
    assert got.tolist()[:2] == ["A1", "A4"] and pd.isna(got.iloc[2])


def test_unknown_by_is_an_error(index):
    with pytest.raises(ValueError):
        index.resolve(series("x"), "phone")


def test_duplicates_are_ambiguous_until_merged():
    data = rows(account_id=["00129", "00130", "C9"], name=["西安启航软件有限公司", "西安启航软件有限公司", "西安启航软件有限公司"])
    plain = RelationIndex.from_rows(data, ACCOUNTS).match(series("西安启航软件有限公司"), "name")
    assert pd.isna(plain["id"].iloc[0]) and plain["matches"].iloc[0] == 3
    merged = RelationIndex.from_rows(data, ACCOUNTS, redirect={"00130": "00129", "C9": "00129"})
    assert merged.resolve(series("西安启航软件有限公司"), "name").tolist() == ["00129"]
    assert merged.resolve(series("00130", "C9", "00129"), "external_id").tolist() == ["00129"] * 3


def test_redirect_of_a_record_not_in_the_rows():
    """A merged record's id still leads to the survivor when only the survivor's row is indexed."""
    index = RelationIndex.from_rows(rows(account_id=["S1"], name=["甲科技有限公司"]), ACCOUNTS, redirect={"M1": "S1"})
    assert index.resolve(series("M1", "S1"), "external_id").tolist() == ["S1", "S1"]


def test_extend_with_store_rows(index):
    store = rows(account_id=["S7"], name=["青岛海诚物流有限公司"], credit_code=["91370212MA3C5N7T5P"],
                 _crm_run_id=["r0"])
    index.extend(store)
    assert index.resolve(series("青岛海诚物流有限公司"), "name").tolist() == ["S7"]
    assert index.resolve(series("91370212MA3C5N7T5P"), "credit_code").tolist() == ["S7"]
    assert index.resolve(series("A1"), "external_id").tolist() == ["A1"]
    index.extend(rows(account_id=["S8"], name=["北京华信科技有限公司"]))
    assert pd.isna(index.resolve(series("北京华信科技有限公司"), "name").iloc[0]), "same name, another id: ambiguous"


def test_resolve_keeps_the_index_of_the_input(index):
    values = pd.Series(["A1", "A4"], index=[10, 3], dtype="string")
    got = index.resolve(values)
    assert got.index.tolist() == [10, 3] and got.tolist() == ["A1", "A4"]


def test_many_rows_resolve_fast():
    n = 200_000
    data = rows(account_id=[f"A{i}" for i in range(2000)], name=[f"测试{i}号科技有限公司" for i in range(2000)])
    index = RelationIndex.from_rows(data, ACCOUNTS)
    lookups = pd.Series([f"测试{i % 2500}号科技有限公司" for i in range(n)], dtype="string")
    started = time.perf_counter()
    got = index.resolve(lookups, "name")
    assert time.perf_counter() - started < 20
    assert got.notna().sum() == n * 2000 // 2500
