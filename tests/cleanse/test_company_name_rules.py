"""Company names: which place a region means, branches with and without an organisation form, the
full set of organisation forms. Each group holds names the first version of the rule got wrong."""

from __future__ import annotations

import pytest

from crmtool.cleanse.company_name import ORG_FORMS, check_company_name
from crmtool.cleanse.divisions import parse_region_prefix


def _attrs(name: str, *keys: str) -> tuple:
    a = check_company_name(name).attrs
    return tuple(a[k] for k in keys)


# A bare name several divisions share means the highest level: province > prefecture city > county.
@pytest.mark.parametrize("name,region,province,city", [
    ("华信（西安）科技有限公司", "西安", "陕西省", "西安市"),  # not 西安区 (辽源, 牡丹江)
    ("西安华信科技有限公司", "西安", "陕西省", "西安市"),
    ("华信（吉林）科技有限公司", "吉林", "吉林省", None),  # the province, not 吉林市
    ("吉林华信科技有限公司", "吉林", "吉林省", None),
    ("吉林市华信科技有限公司", "吉林市", "吉林省", "吉林市"),  # written as a city, it is the city
    ("吉林省吉林市华信科技有限公司", "吉林省吉林市", "吉林省", "吉林市"),
    ("华信（朝阳）科技有限公司", "朝阳", "辽宁省", "朝阳市"),  # the prefecture city, not Beijing's district
    ("朝阳华信科技有限公司", "朝阳", "辽宁省", "朝阳市"),
    ("北京市朝阳区华信科技有限公司", "北京市朝阳区", "北京市", "北京市"),  # context: Beijing's 朝阳区
    ("华信（朝阳区）科技有限公司", "朝阳区", None, None),  # Beijing or Changchun: no guess
    ("华信（海南）科技有限公司", "海南", "海南省", None),  # not 海南区 (乌海)
    ("海南华信科技有限公司", "海南", "海南省", None),
    ("华信（南京）科技有限公司", "南京", "江苏省", "南京市"),
    ("南京华信科技有限公司", "南京", "江苏省", "南京市"),
    ("华信（广东深圳）科技有限公司", "广东深圳", "广东省", "深圳市"),  # a bracket may hold a chain
])
def test_a_shared_name_means_the_highest_level(name, region, province, city):
    assert _attrs(name, "region", "province", "city", "trade_name") == (region, province, city, "华信科技")


def test_region_prefix_level_order_and_context():
    jilin = parse_region_prefix("吉林长春市某某路", min_rest=0)
    assert (jilin.province, jilin.city, jilin.text) == ("吉林省", "长春市", "吉林长春市")
    assert parse_region_prefix("吉林某某路", min_rest=0).code == "220000"  # the province, one place
    xian = parse_region_prefix("黑龙江牡丹江西安区某某路", min_rest=0)
    assert (xian.city, xian.county) == ("牡丹江市", "西安区")  # context picks the district
    assert parse_region_prefix("上海浦东发展银行").rest == "浦东发展银行"  # county short forms stay out


# Branch parts come off whether or not an organisation form precedes them.
@pytest.mark.parametrize("name,parent,branch,branch_region", [
    ("华信科技海口分公司", "华信科技", "海口分公司", "海口"),
    ("北京华信科技有限公司海口分公司", "北京华信科技有限公司", "海口分公司", "海口"),
    ("北京华信科技有限公司（海口）分公司", "北京华信科技有限公司", "（海口）分公司", "海口"),
    ("北京华信科技有限公司海口办事处", "北京华信科技有限公司", "海口办事处", "海口"),
    ("北京华信科技有限公司海口营业部", "北京华信科技有限公司", "海口营业部", "海口"),
    ("华信科技（海口）分公司", "华信科技", "（海口）分公司", "海口"),
    ("华信科技海南海口分公司", "华信科技", "海南海口分公司", "海南海口"),
    ("华信企业管理咨询海口分公司", "华信企业管理咨询", "海口分公司", "海口"),  # 企业 here is no form
    ("华信科技有限公司北京朝阳分公司", "华信科技有限公司", "北京朝阳分公司", "北京朝阳"),
    ("华信科技南山分公司", "华信科技", "南山分公司", "南山"),  # right before 分公司, 南山 is a place
    ("某某贸易有限公司驻广州办事处", "某某贸易有限公司", "驻广州办事处", "广州"),
    ("招商银行股份有限公司中山路支行", "招商银行股份有限公司", "中山路支行", None),  # a street, not 中山市
])
def test_branches_with_and_without_an_org_form(name, parent, branch, branch_region):
    out = check_company_name(name)
    a = out.attrs
    assert (a["is_branch"], a["parent"], a["branch"], a["branch_region"]) == ("true", parent, branch, branch_region)
    assert a["name_key"] == check_company_name(parent).attrs["name_key"]  # a branch meets its parent
    assert check_company_name(out.clean).attrs == a  # idempotent


def test_branch_keys_and_regions():
    a = check_company_name("华信科技海口分公司").attrs
    assert (a["org_form"], a["trade_name"], a["name_key"]) == (None, "华信科技", "华信科技")
    assert a["name_key"] == check_company_name("北京华信科技有限公司").attrs["name_key"]
    b = check_company_name("北京华信科技有限公司海口分公司").attrs
    assert (b["region"], b["province"], b["org_form"]) == ("北京", "北京市", "有限公司")  # the parent's region
    # no place and no form before the branch word: flagged, and 分公司 is not read as the form 公司
    c = check_company_name("华信科技销售分公司").attrs
    assert (c["is_branch"], c["parent"], c["branch"], c["org_form"], c["trade_name"]) == (
        "true", None, "分公司", None, "华信科技销售")
    assert check_company_name("北京华信科技有限公司").attrs["branch_region"] is None


@pytest.mark.parametrize("name,form,trade", [
    ("张三五金独资企业", "独资企业", "张三五金"),
    ("华信五金个人独资企业", "个人独资企业", "华信五金"),
    ("华信电子外商独资企业", "外商独资企业", "华信电子"),
    ("华信电子中外合资经营企业", "中外合资经营企业", "华信电子"),
    ("华信电子中外合作经营企业", "中外合作经营企业", "华信电子"),
    ("华信投资合伙企业（普通合伙）", "合伙企业（普通合伙）", "华信投资"),
    ("华信投资合伙企业（有限合伙）", "合伙企业（有限合伙）", "华信投资"),
    ("华信投资中心（有限合伙）", "（有限合伙）", "华信投资中心"),
    ("华信会计师事务所（特殊普通合伙）", "（特殊普通合伙）", "华信会计师事务所"),
    ("华信投资有限合伙企业", "有限合伙企业", "华信投资"),
    ("张三五金店个体工商户", "个体工商户", "张三五金店"),
    ("华信科技有限责任公司", "有限责任公司", "华信科技"),
    ("华信科技一人有限责任公司", "一人有限责任公司", "华信科技"),
    ("华信科技股份有限公司", "股份有限公司", "华信科技"),
    ("华信集团有限公司", "集团有限公司", "华信"),
    ("华信集团股份有限公司", "集团股份有限公司", "华信"),
    ("华信集团", "集团", "华信"),
    ("中国平安保险（集团）股份有限公司", "（集团）股份有限公司", "中国平安保险"),
    ("华信投资国有独资公司", "国有独资公司", "华信投资"),
    ("华信种植农民专业合作社", "农民专业合作社", "华信种植"),
    ("华信种植农民专业合作社联合社", "农民专业合作社联合社", "华信种植"),
    ("华信机械全民所有制企业", "全民所有制企业", "华信机械"),
    ("华信机械集体所有制企业", "集体所有制企业", "华信机械"),
    ("华信机械股份合作制企业", "股份合作制企业", "华信机械"),
    ("华信机械厂", "厂", "华信机械"),
])
def test_org_forms(name, form, trade):
    assert _attrs(name, "org_form", "trade_name") == (form, trade)


@pytest.mark.parametrize("form", ORG_FORMS)
def test_every_org_form_is_found_longest_first(form):
    assert _attrs("华信" + form, "org_form", "trade_name") == (form, "华信")


@pytest.mark.parametrize("raw,clean", [
    ("AA:.", "AA"), ("Apple Inc.,", "Apple Inc."), ("Huawei Co., Ltd..", "Huawei Co., Ltd."),
    ("华信（（））科技有限公司", "华信科技有限公司"), ("华信(())科技有限公司", "华信科技有限公司"), ("-AB（（））,", "AB"),
])
def test_normalisation_is_idempotent_in_one_pass(raw, clean):
    """Found by the hypothesis property: trailing punctuation and nested empty brackets came off one
    layer per cleaning."""
    assert check_company_name(raw).clean == clean
    assert check_company_name(clean).clean == clean
