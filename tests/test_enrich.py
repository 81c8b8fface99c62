"""Enrichment: regions from cleansed columns, contradictions, and the local reference provider."""

from __future__ import annotations

import pandas as pd
import pytest

from crmtool.cleanse.stage import cleanse_table
from crmtool.enrich.providers import ENTRY_POINT_GROUP, Provider, discover
from crmtool.enrich.reference import LocalReferenceProvider
from crmtool.enrich.stage import enrich_table, load_provider

KINDS = {"名称": "company_name", "代码": "credit_code", "地址": "address", "电话": "phone"}


def _table(rows):
    n = len(rows)
    cols = list(zip(*rows)) if rows else [[]] * 5
    return pd.DataFrame({
        "_row_id": [f"c.csv#{i + 2}" for i in range(n)], "_source": "c.csv", "_sheet": "",
        "_row": pd.array(range(2, n + 2), dtype="Int64"),
        **{name: pd.array(values, dtype="string") for name, values in zip(["名称", "代码", "地址", "电话", "法人"], cols)},
    })


ROWS = [
    # a Shenzhen credit code on a Beijing address: a warning, not a silent pick
    ("深圳市腾讯计算机系统有限公司", "9144030071526726XG", "北京市海淀区中关村大街1号", "0755-86013388", None),
    # everything agrees: Shenzhen
    ("某某科技（深圳）有限公司", "91440300568520498A", "深圳市南山区科技园", "13812345678", "张三"),
    # no address: the region comes from the credit code; then from a landline
    ("某某贸易有限公司", "91310115MA1K3BTP2B", None, None, None),
    ("某某商店", None, None, "010-62345678", None),
    (None, None, None, "13812345678", None),  # a mobile gives no region
]


@pytest.fixture
def cleansed():
    table, _ = cleanse_table(_table(ROWS), KINDS)
    return table


def test_region_sources_and_org_type(cleansed):
    out, _ = enrich_table(cleansed, KINDS)
    assert out["enrich__province"].tolist()[:4] == ["北京市", "广东省", "上海市", "北京市"]
    assert out["enrich__city"].tolist()[:4] == ["北京市", "深圳市", "上海市", "北京市"]
    assert out["enrich__region_source"].tolist()[:4] == ["地址", "地址", "代码", "电话"]
    assert pd.isna(out["enrich__province"].iloc[4])
    assert out["enrich__org_type"].tolist()[:3] == ["企业", "企业", "企业"]
    assert out["名称"].equals(cleansed["名称"])  # nothing overwritten


def test_contradictions_are_warnings(cleansed):
    _, issues = enrich_table(cleansed, KINDS)
    assert set(issues["_row_id"]) == {"c.csv#2"}
    assert set(issues["rule"]) == {"enrich.region_conflict.credit_code_address",
                                   "enrich.region_conflict.company_name_address"}
    assert (issues["severity"] == "warning").all()
    message = issues.loc[issues["rule"].str.contains("credit_code"), "message"].iloc[0]
    assert "广东省深圳市" in message and "北京市" in message


@pytest.fixture(params=["csv", "parquet", "duckdb"])
def registry(request, tmp_path):
    frame = pd.DataFrame({
        "统一社会信用代码": ["9144030071526726XG", "", "91310115MA1K3BTP2B", ""],
        "企业名称": ["深圳市腾讯计算机系统有限公司", "某某科技（深圳）有限公司", "另一家公司", "某某商店"],
        "注册资本": ["6500万元", "100万元", "50万元", "1万元"],
        "法定代表人": ["马化腾", "李四", "王五", "赵六"],
        "成立日期": ["1998-11-11", "2015-01-01", "2020-02-02", "2001-01-01"],
        "登记状态": ["存续", "存续", "注销", "存续"],
        "所属行业": ["软件和信息技术服务业", "批发业", "零售业", "零售业"],
    })
    # 某某商店 twice: an ambiguous name is never matched by name
    frame = pd.concat([frame, frame.iloc[[3]].assign(法定代表人="钱七")], ignore_index=True)
    path = tmp_path / f"registry.{request.param}"
    if request.param == "csv":
        frame.to_csv(path, index=False, encoding="utf-8-sig")
    elif request.param == "parquet":
        frame.to_parquet(path)
    else:
        import duckdb

        con = duckdb.connect(str(path))
        con.register("frame_view", frame)
        con.execute("CREATE TABLE registry AS SELECT * FROM frame_view")
        con.close()
    return path


def test_reference_provider_fills_missing_fields_with_their_source(cleansed, registry):
    provider = LocalReferenceProvider(registry)
    assert isinstance(provider, Provider)
    out, issues = enrich_table(cleansed, KINDS, [provider], {"legal_representative": "法人"})
    name = f"reference:{registry.name}"
    assert out["enrich__legal_representative"].fillna("-").tolist()[:4] == ["马化腾", "张三", "王五", "-"]
    assert out["enrich__legal_representative__source"].fillna("-").tolist()[:4] == [
        f"{name} by credit_code", "input", f"{name} by credit_code", "-"]  # 某某商店: ambiguous name
    assert out["enrich__registered_capital"].tolist()[1] == "100万元"
    assert out["enrich__registered_capital__source"].tolist()[1] == f"{name} by name"
    assert out["enrich__status"].tolist()[2] == "注销"
    assert out["enrich__founding_date"].tolist()[0] == "1998-11-11"
    mismatch = issues[issues["rule"] == "enrich.reference_mismatch.legal_representative"]
    assert mismatch[["_row_id", "original", "suggestion"]].values.tolist() == [["c.csv#3", "张三", "李四"]]


def test_provider_discovery_and_errors(tmp_path):
    found, warnings = discover()
    assert found["reference"] is LocalReferenceProvider and warnings == []
    assert ENTRY_POINT_GROUP == "crmtool.enrichers"
    from crmtool.errors import ConfigError, InputError

    with pytest.raises(ConfigError, match="no enrichment provider"):
        load_provider("nope")
    with pytest.raises(InputError):
        load_provider("reference", path=tmp_path / "missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("foo,bar\n1,2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="credit code or a company name"):
        LocalReferenceProvider(bad)


def test_a_broken_plugin_is_a_warning(monkeypatch):
    from importlib.metadata import EntryPoint

    import crmtool.enrich.providers as providers

    broken = EntryPoint(name="broken", value="crmtool_no_such_module:Provider", group=ENTRY_POINT_GROUP)
    monkeypatch.setattr("importlib.metadata.entry_points", lambda group=None: [broken])
    found, warnings = providers.discover()
    assert "reference" in found and "broken" not in found
    assert len(warnings) == 1 and "broken" in warnings[0]
