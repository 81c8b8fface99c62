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


# -- the attributes enrich reads, from what the cleanse stage kept or computed (crmtool.enrich.attributes)

MIXED = ROWS + [
    ("  ", "bad code", "not", "13812345678; abc", None),  # blank name; invalid code and address; half a phone
    ("深圳市騰訊計算機系統有限公司", "91440300 7152 6726XG", "中国上海市浦东新区世纪大道100号", "(010)62345678转801", None),
    ("某某科技（深圳）有限公司", "91440300568520498A", "深圳市南山区科技园", "+8613812345678", None),
    ("上海某某有限公司", "60003734-1", "广东深圳南山区科技园", "0755-26001234", None),
]
MIXED_KINDS = {**KINDS, "法人": "mobile"}  # a kind enrich reads nothing of


def _kept_by_the_cleanse_stage(table, kinds):
    """What the run's cleanse stage keeps: per column, its distinct valid clean values and their attributes."""
    from crmtool.enrich.attributes import ATTRIBUTES

    cleansed, _ = cleanse_table(table, kinds)
    frames = []
    for column, kind in kinds.items():
        if kind not in ATTRIBUTES:
            continue
        names = ATTRIBUTES[kind]
        part = pd.DataFrame({"value": cleansed[f"{column}__clean"],
                             **{a: cleansed[f"{column}__{a}"] for a in names}}).dropna(subset=["value"])
        frames.append(part.drop_duplicates("value").assign(field=column, rule=kind))
    return pd.concat(frames, ignore_index=True).astype("string")


def _attribute_columns(table, kinds):
    from crmtool.enrich.attributes import ATTRIBUTES

    return [f"{c}__{a}" for c, k in kinds.items() if k in ATTRIBUTES for a in ("clean", *ATTRIBUTES[k])]


def _same_text(a: pd.Series, b: pd.Series) -> bool:
    return a.astype("string").fillna("<NA>").tolist() == b.astype("string").fillna("<NA>").tolist()


@pytest.mark.parametrize("kept", ["none", "all", "some", "other rule"])
def test_with_attributes_gives_what_cleanse_table_gives(kept):
    from crmtool.enrich.attributes import with_attributes

    raw = _table(MIXED)
    cleansed, _ = cleanse_table(raw, MIXED_KINDS)
    # the values as the cleanse stage leaves them (clean or <NA>), and raw ones: both must come out right
    values = raw.assign(**{c: cleansed[f"{c}__clean"] for c in KINDS})
    for table in (values, raw):
        known = {"none": None, "all": _kept_by_the_cleanse_stage(raw, KINDS)}.get(kept)
        if kept == "some":
            known = _kept_by_the_cleanse_stage(raw, KINDS).iloc[::2]
        elif kept == "other rule":  # attributes kept by another rule are not this kind's
            known = _kept_by_the_cleanse_stage(raw, KINDS).assign(province="错", rule="email")
        expected, _ = cleanse_table(table, MIXED_KINDS)
        out = with_attributes(table, MIXED_KINDS, known)
        for column in _attribute_columns(table, MIXED_KINDS):
            assert _same_text(out[column], expected[column]), column
        assert out[list(table.columns)].equals(table)


def test_with_attributes_leaves_a_cleansed_table_alone(cleansed):
    from crmtool.enrich.attributes import with_attributes

    assert with_attributes(cleansed, KINDS) is cleansed


def test_enrich_fields_on_an_uncleansed_table_is_enrich_table_on_the_cleansed_one():
    from crmtool.enrich.stage import enrich_fields

    raw = _table(MIXED)
    expected, expected_issues = enrich_table(cleanse_table(raw, KINDS)[0], KINDS)
    for known in (None, _kept_by_the_cleanse_stage(raw, KINDS)):
        out, issues = enrich_fields(raw, KINDS, known)
        enriched = [c for c in expected if c.startswith("enrich__")]
        assert out[enriched].equals(expected[enriched])
        assert issues.equals(expected_issues)
    assert out["enrich__province"].notna().sum() >= 6
