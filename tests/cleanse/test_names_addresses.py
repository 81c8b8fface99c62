"""Company names (forms, regions, branches, trade-name keys), addresses and the division table."""

from __future__ import annotations

import pytest

from crmtool.cleanse.address import check_address
from crmtool.cleanse.company_name import check_company_name, normalise_company_name
from crmtool.cleanse.divisions import division_of, parse_region_prefix


@pytest.mark.parametrize("code,expected", [
    ("110000", ("北京市", "北京市", None)), ("110108", ("北京市", "北京市", "海淀区")),
    ("440300", ("广东省", "深圳市", None)), ("440305", ("广东省", "深圳市", "南山区")),
    ("330106", ("浙江省", "杭州市", "西湖区")), ("500103", ("重庆市", "重庆市", "渝中区")),
    ("650000", ("新疆维吾尔自治区", None, None)), ("659001", ("新疆维吾尔自治区", None, "石河子市")),
    ("110103", ("北京市", "北京市", "崇文区")),  # abolished 2010, still in old IDs and codes
    ("440399", ("广东省", "深圳市", None)),  # unknown county: falls back to the city
])
def test_division_codes(code, expected):
    d = division_of(code)
    assert (d.province, d.city, d.county) == expected


def test_unknown_division_codes():
    assert division_of("990000") is None and division_of("12345") is None and division_of("ABCDEF") is None
    assert division_of("110103").current is False and division_of("110101").current is True


@pytest.mark.parametrize("raw,clean", [
    ("ＡＢＣ科技 有限公司", "ABC科技有限公司"), ("深圳市騰訊計算機系統有限公司", "深圳市腾讯计算机系统有限公司"),
    ("阿里巴巴(中国)有限公司", "阿里巴巴（中国）有限公司"), ("腾讯科技【深圳】有限公司", "腾讯科技（深圳）有限公司"),
    ("“北京”华联商厦股份有限公司。", "北京华联商厦股份有限公司"), (" 杭州 娃哈哈 集团有限公司 ", "杭州娃哈哈集团有限公司"),
    ("huawei technologies co., ltd", "huawei technologies co., ltd"), ("Apple  Inc.", "Apple Inc."),
])
def test_normalisation(raw, clean):
    assert normalise_company_name(raw) == clean
    assert normalise_company_name(clean) == clean


@pytest.mark.parametrize("name,form,region,province,city,trade", [
    ("上海浦东发展银行股份有限公司", "股份有限公司", "上海", "上海市", "上海市", "浦东发展银行"),
    ("上海浦东发展银行", None, "上海", "上海市", "上海市", "浦东发展银行"),
    ("腾讯科技（深圳）有限公司", "有限公司", "深圳", "广东省", "深圳市", "腾讯科技"),
    ("广东省深圳市南山区某某科技有限公司", "有限公司", "广东省深圳市南山区", "广东省", "深圳市", "某某科技"),
    ("北京市海淀区百度网讯科技有限公司", "有限公司", "北京市海淀区", "北京市", "北京市", "百度网讯科技"),
    ("杭州娃哈哈集团有限公司", "集团有限公司", "杭州", "浙江省", "杭州市", "娃哈哈"),
    ("阿里巴巴（中国）有限公司", "有限公司", None, None, None, "阿里巴巴（中国）"),  # 阿里 is 阿里地区 only in full
    ("某某投资合伙企业（有限合伙）", "合伙企业（有限合伙）", None, None, None, "某某投资"),
    ("某某会计师事务所（特殊普通合伙）", "（特殊普通合伙）", None, None, None, "某某会计师事务所"),
    ("朝阳区某某商店", "商店", "朝阳区", None, None, "某某"),  # 朝阳区: Beijing or Changchun
    ("长春市吉林大路某某店", None, "长春市", "吉林省", "长春市", "吉林大路某某店"),
    ("Huawei Technologies Co., Ltd.", "Co., Ltd.", None, None, None, "Huawei Technologies"),
    ("Siemens GmbH", "GmbH", None, None, None, "Siemens"),
])
def test_org_form_region_and_trade_name(name, form, region, province, city, trade):
    a = check_company_name(name).attrs
    assert (a["org_form"], a["region"], a["province"], a["city"], a["trade_name"]) == (
        form, region, province, city, trade)


@pytest.mark.parametrize("name,parent,branch", [
    ("招商银行股份有限公司深圳分行", "招商银行股份有限公司", "深圳分行"),
    ("中国工商银行北京分行", "中国工商银行", "北京分行"),
    ("某某科技有限公司上海分公司", "某某科技有限公司", "上海分公司"),
    ("中国平安保险（集团）股份有限公司北京营业部", "中国平安保险（集团）股份有限公司", "北京营业部"),
    ("某某贸易有限公司驻广州办事处", "某某贸易有限公司", "驻广州办事处"),
])
def test_branches_are_flagged_and_keep_their_parent(name, parent, branch):
    a = check_company_name(name).attrs
    assert (a["is_branch"], a["parent"], a["branch"]) == ("true", parent, branch)
    parent_attrs = check_company_name(parent).attrs
    assert parent_attrs["is_branch"] == "false"
    assert parent_attrs["name_key"] == a["name_key"]  # same trade name key, distinct by the branch flag


def test_name_key_matches_variants():
    keys = {check_company_name(n).attrs["name_key"] for n in (
        "深圳市腾讯计算机系统有限公司", "深圳腾讯计算机系统有限公司", "深圳市騰訊計算機系統有限公司", "腾讯计算机系统（深圳）有限公司")}
    assert keys == {"腾讯计算机系统"}


def test_company_name_problems():
    assert not check_company_name("---").valid
    out = check_company_name("北京市有限公司")
    assert "company_name.no_trade_name" in {f.rule for f in out.findings}
    assert (out.attrs["region"], out.attrs["province"], out.attrs["trade_name"]) == ("北京市", "北京市", None)
    assert "company_name.no_org_form" in {f.rule for f in check_company_name("某某工作组").findings}


@pytest.mark.parametrize("text,province,city,district,detail", [
    ("北京市朝阳区建国路88号", "北京市", "北京市", "朝阳区", "建国路88号"),
    ("广东深圳南山区科技园", "广东省", "深圳市", "南山区", "科技园"),
    ("深圳市南山区科技园", "广东省", "深圳市", "南山区", "科技园"),
    ("海淀区中关村大街1号", "北京市", "北京市", "海淀区", "中关村大街1号"),
    ("中国上海市浦东新区世纪大道100号", "上海市", "上海市", "浦东新区", "世纪大道100号"),
    ("重庆渝中区解放碑", "重庆市", "重庆市", "渝中区", "解放碑"),
    ("浙江省杭州市西湖区文三路 100 号", "浙江省", "杭州市", "西湖区", "文三路100号"),
    ("内蒙古呼和浩特市新城区", "内蒙古自治区", "呼和浩特市", "新城区", None),
])
def test_addresses(text, province, city, district, detail):
    out = check_address(text)
    a = out.attrs
    assert out.valid and (a["province"], a["city"], a["district"], a["detail"]) == (province, city, district, detail)
    assert check_address(out.clean).clean == out.clean


def test_address_problems():
    assert [f.rule for f in check_address("广东省杭州市西湖区").findings] == ["address.inconsistent"]
    assert [f.rule for f in check_address("某某路88号").findings] == ["address.no_region"]
    assert [f.rule for f in check_address("浙江省").findings] == ["address.no_detail"]
    assert not check_address("--").valid


def test_region_prefix_is_not_eaten_from_trade_names():
    assert parse_region_prefix("上海浦东发展银行").rest == "浦东发展银行"
    assert parse_region_prefix("浦东新区张江高科").text == "浦东新区"


def test_shipped_division_table_is_what_the_build_script_makes(tmp_path):
    """divisions.csv is derived data: rebuilding it from python-stdnum's loc.dat gives the same file."""
    from importlib import resources
    from pathlib import Path

    stdnum_cn = pytest.importorskip("stdnum.cn")
    from crmtool.cleanse.data.build_divisions import build

    loc = Path(stdnum_cn.__file__).parent / "loc.dat"
    out = tmp_path / "divisions.csv"
    build(loc, out)
    shipped = resources.files("crmtool.cleanse.data").joinpath("divisions.csv").read_bytes()
    if out.read_bytes() != shipped:
        pytest.skip("this python-stdnum has a newer loc.dat: rerun python -m crmtool.cleanse.data.build_divisions")
    assert len(out.read_text(encoding="utf-8").splitlines()) == 6886
