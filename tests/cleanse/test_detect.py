"""Column kind detection: header synonyms, content validity, and content overruling a header."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from crmtool.canon.uscc import complete_uscc
from crmtool.cleanse.detect import KINDS, KindReport, detect_kind, kind_from_header
from crmtool.cleanse.id_number import id_check

# From python-stdnum's test_cn_uscc.doctest / test_cn_ric.doctest (real, valid numbers).
USCC = ["91110000600037341L", "91310115MA1K3BTP2B", "9144030071526726XG", "92340602MA2PBMEM24",
        "121200004013590816", "91440300568520498A"]
RIC = ["360426199101010071", "44011320141005001X", "412723199010050012", "110102199101010078"]


def s(values):
    return pd.Series(values, dtype="string")


def _uscc_codes(n, seed=1):
    rng = random.Random(seed)
    alnum = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return [complete_uscc("91" + rng.choice(["110108", "440300", "310115"]) +
                          "".join(rng.choice(alnum) for _ in range(8))) for _ in range(n)]


def _mobiles(n, seed=2):
    rng = random.Random(seed)
    return [rng.choice(["138", "139", "186", "199", "166", "177"]) + f"{rng.randrange(10**8):08d}" for _ in range(n)]


@pytest.mark.parametrize("header,kind", [
    ("客户名称", "company_name"), ("公司名称", "company_name"), ("企业名称", "company_name"), ("单位名称", "company_name"),
    ("统一社会信用代码", "credit_code"), ("信用代码", "credit_code"), ("税号", "credit_code"),
    ("纳税人识别号", "credit_code"), ("手机", "mobile"), ("手机号", "mobile"), ("移动电话", "mobile"),
    ("电话", "phone"), ("座机", "phone"), ("固话", "phone"), ("联系电话", "phone"), ("邮箱", "email"),
    ("电子邮件", "email"), ("Email", "email"), ("日期", "date"), ("创建时间", "date"), ("建档日期", "date"),
    ("身份证", "id_number"), ("身份证号", "id_number"), ("金额", "amount"), ("合同金额", "amount"),
    ("注册资本", "amount"), ("联系人", "person_name"), ("姓名", "person_name"), ("法人", "person_name"),
    ("地址", "address"), ("注册地址", "address"), ("客户 联系电话", "phone"), ("联系人手机号码", "mobile"),
    ("备注", "free_text"), ("col3", None), ("", None), ("客户编号", None), ("电话类型", None), ("电话2", "phone"),
    ("邮箱地址", "email"), ("公司注册地址", "address"), ("客户名称（全称）", "company_name"),
])
def test_header_synonyms(header, kind):
    assert kind_from_header(header) == kind


def test_credit_codes_by_header_and_content():
    values = USCC * 3 + ["91110000600037341M", "123", None, ""]
    report = detect_kind("统一社会信用代码", s(values))
    assert isinstance(report, KindReport)
    assert report.kind == "credit_code" and report.by == "header+content"
    assert report.valid_share == pytest.approx(18 / 20)
    assert set(report.invalid_examples) == {"91110000600037341M", "123"}
    assert 0.5 < report.confidence <= 1.0


def test_position_17_alone_wrong_is_invalid_content():
    """stdnum would accept these (position 18 recomputed); GB 11714 position 17 is wrong."""
    from crmtool.canon.uscc import uscc_check

    bad = []
    for code in USCC:
        body = code[:16] + ("0" if code[16] != "0" else "1")
        bad.append(body + uscc_check(body))
    report = detect_kind("税号", s(bad + USCC))
    assert report.kind == "credit_code"
    assert report.valid_share == pytest.approx(0.5)
    assert len(report.invalid_examples) == 5


def test_content_finds_credit_codes_under_an_unhelpful_header():
    report = detect_kind("col7", s(_uscc_codes(50)))
    assert (report.kind, report.by, report.valid_share) == ("credit_code", "content", 1.0)


def test_content_overrules_a_wrong_header():
    report = detect_kind("客户名称", s([f"user{i}@qq.com" for i in range(30)]))
    assert report.kind == "email" and report.by == "content"


def test_phone_columns_mobile_landline_or_mixed():
    mobiles = _mobiles(40)
    landlines = [f"010-6{i:07d}" for i in range(40)]
    assert detect_kind("联系电话", s(mobiles)).kind == "mobile"
    assert detect_kind("联系电话", s(landlines)).kind == "landline"
    mixed = detect_kind("电话", s(mobiles + landlines))
    assert (mixed.kind, mixed.valid_share) == ("phone", 1.0)
    assert detect_kind("c", s(mobiles)).kind == "mobile"


def test_invalid_phones_fail_the_number_plan():
    # 11 digits starting 12x are not a Chinese mobile range; 010-123 is too short for a landline
    report = detect_kind("手机", s(_mobiles(8) + ["12012345678", "12012345678", "010-123"]))
    assert report.kind == "mobile"
    assert report.valid_share == pytest.approx(8 / 11)
    assert report.invalid_examples == ["12012345678", "010-123"]  # most frequent first


def test_id_numbers_by_check_character():
    good = RIC + [b + id_check(b) for b in ("11010519491231002", "44030419851010123")]
    broken = ["360426199101010072", "440113201410050010"]
    report = detect_kind("x", s(good + broken))
    assert report.kind == "id_number"
    assert report.valid_share == pytest.approx(6 / 8)
    assert sorted(report.invalid_examples) == sorted(broken)


def test_dates_and_excel_serials_under_a_date_header():
    dates = ["2023-01-05", "2023/1/5", "2023.1.5", "20230105", "2023年1月5日", "2023-01-05 14:30:00"]
    report = detect_kind("c", s(dates))
    assert (report.kind, report.valid_share) == ("date", 1.0)
    serials = detect_kind("建档日期", s(["45000", "45123", "44927.5", "not a date"]))
    assert serials.kind == "date" and serials.by == "header+content"
    assert serials.valid_share == pytest.approx(0.75)
    assert serials.invalid_examples == ["not a date"]
    # without a date header, serial numbers are numbers
    assert detect_kind("c", s(["45000", "45123"])).kind == "amount"


def test_names_addresses_amounts_and_free_text():
    companies = ["北京百度网讯科技有限公司", "腾讯科技（深圳）有限公司", "上海浦东发展银行股份有限公司", "杭州娃哈哈集团有限公司"]
    assert detect_kind("c", s(companies)).kind == "company_name"
    addresses = ["北京市朝阳区建国路88号", "深圳市南山区科技园南区", "上海市浦东新区世纪大道100号"]
    assert detect_kind("c", s(addresses)).kind == "address"
    people = ["张三", "李四", "王小明", "欧阳娜娜", "陈静"]
    assert detect_kind("c", s(people)).kind == "person_name"
    assert detect_kind("c", s(["¥1,234.50", "100万元", "壹佰万元整", "3000"])).kind == "amount"
    assert detect_kind("客户编号", s(["000123", "000456", "001789"])).kind == "free_text"  # codes, not money
    free = detect_kind("备注", s(["请尽快回电", "客户比较满意", "下周再联系"]))
    assert (free.kind, free.valid_share, free.invalid_examples) == ("free_text", 1.0, [])


def test_empty_column():
    report = detect_kind("备注", s([None, "", "  "]))
    assert report.kind == "free_text" and report.valid_share == 1.0
    report = detect_kind("手机", s([None, None]))
    assert report.kind == "mobile" and report.by == "header"


def test_share_is_weighted_by_frequency():
    values = ["13800138000"] * 90 + ["garbage"] * 10
    report = detect_kind("手机", s(values))
    assert report.valid_share == pytest.approx(0.9)


def test_large_column_is_sampled_and_fast():
    import time

    values = _mobiles(20000) + ["x"] * 2000
    start = time.perf_counter()
    report = detect_kind("c", s(values))
    assert time.perf_counter() - start < 10
    assert report.kind == "mobile"
    assert report.valid_share == pytest.approx(20000 / 22000, abs=0.02)


def test_every_kind_reported_is_known():
    for header in ("客户名称", "税号", "手机", "电话", "邮箱", "日期", "身份证", "金额", "姓名", "地址", "备注"):
        assert detect_kind(header, s(["x", "y"])).kind in KINDS
