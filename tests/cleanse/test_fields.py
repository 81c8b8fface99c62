"""E-mail, date, amount and person-name rules."""

from __future__ import annotations

import pytest

from crmtool.cleanse.amount import check_amount, parse_amount, parse_capital
from crmtool.cleanse.date import check_date, parse_date
from crmtool.cleanse.email import check_email
from crmtool.cleanse.person_name import check_person_name


@pytest.mark.parametrize("text,clean", [
    (" Zhang.San@QQ.COM ", "zhang.san@qq.com"), ("Zhang.San@Corp.CN", "Zhang.San@corp.cn"),
    ("张三 <zhangsan@qq.com>", "zhangsan@qq.com"), ("wang@163,com", "wang@163.com"), ("mailto:li@163.com", "li@163.com"),
    ("<wang@corp.cn>", "wang@corp.cn"),
    ("ｌｉ＠１６３．ｃｏｍ", "li@163.com"), ("user+tag@sub.example.com.cn", "user+tag@sub.example.com.cn"),
    ("info@公司.中国", "info@公司.中国"),
])
def test_email_valid(text, clean):
    out = check_email(text)
    assert out.valid and out.clean == clean and not out.findings


@pytest.mark.parametrize("text", ["bad@", "@qq.com", "a@b", "a@b.c", "a b@qq.com", "a..b@qq.com", "张三"])
def test_email_invalid(text):
    out = check_email(text)
    assert not out.valid and [f.rule for f in out.findings] == ["email.syntax"]


@pytest.mark.parametrize("text,suggestion", [
    ("a@qq.con", "a@qq.com"), ("a@163.cm", "a@163.com"), ("a@gmial.com", "a@gmail.com"),
    ("a@hotmial.com", "a@hotmail.com"), ("a@sian.com", "a@sina.com"), ("a@foxmial.com", "a@foxmail.com"),
])
def test_email_domain_typos_of_big_providers_are_corrected_as_content(text, suggestion):
    out = check_email(text)
    assert out.valid and out.clean == suggestion and out.change == "content"
    assert [(f.rule, f.suggestion) for f in out.findings] == [("email.domain_typo", suggestion)]


def test_email_other_domains_are_not_corrected():
    out = check_email("sales@huaxin-tech.com")
    assert out.valid and out.clean == "sales@huaxin-tech.com" and not out.findings


def test_email_provider():
    assert check_email("a@qq.com").attrs == {"domain": "qq.com", "provider": "腾讯QQ"}


@pytest.mark.parametrize("text,iso", [
    ("2023-01-05", "2023-01-05"), ("2023/1/5", "2023-01-05"), ("2023.1.5", "2023-01-05"), ("20230105", "2023-01-05"),
    ("2023年1月5日", "2023-01-05"), ("2023年01月05号", "2023-01-05"), ("２０２３－０１－０５", "2023-01-05"),
    ("2023-01-05 14:30", "2023-01-05T14:30:00"), ("2023/1/5 2:30 PM", "2023-01-05T14:30:00"),
    ("2023-01-05T14:30:00", "2023-01-05T14:30:00"), ("2023-01-05 00:00:00", "2023-01-05"),
    ("2023年1月5日 下午2:30", "2023-01-05T14:30:00"), ("2023年1月", "2023-01"), ("25/12/2023", "2023-12-25"),
    ("44931", "2023-01-05"), ("44931.5", "2023-01-05T12:00:00"), ("1", "1900-01-01"), ("59", "1900-02-28"), ("61", "1900-03-01"),
])
def test_dates(text, iso):
    out = check_date(text)
    assert out.valid and out.clean == iso
    assert check_date(iso).clean == iso  # idempotent


def test_excel_serials_match_openpyxl():
    from openpyxl.utils.datetime import from_excel

    for serial in (1, 59, 61, 1000, 36526, 44931, 45000.25):
        assert parse_date(str(serial), allow_serial=True)[0].startswith(from_excel(serial).date().isoformat())


def test_ambiguous_and_impossible_dates_are_reported():
    out = check_date("05/01/2023")
    assert not out.valid and out.findings[0].rule == "date.ambiguous"
    assert out.findings[0].suggestion == "2023-01-05 or 2023-05-01"
    assert check_date("03/04/23").findings[0].rule == "date.ambiguous"
    assert not check_date("60").valid  # Excel's 1900-02-29
    for text in ("2023-02-30", "2023年13月5日", "soon", "2023-01-05 25:00"):
        out = check_date(text)
        assert not out.valid and out.findings[0].rule == "date.unparseable"


@pytest.mark.parametrize("text,clean,unit", [
    ("¥1,234.50", "1234.5", None), ("￥1,234.50元", "1234.5", "元"), ("100万元", "1000000", "万元"),
    ("100万", "1000000", "万"), ("1.5亿", "150000000", "亿"), ("壹佰万元整", "1000000", "元"),
    ("叁仟伍佰元伍角", "3500.5", "元"), ("壹亿贰仟万零伍佰元", "120000500", "元"), ("贰拾万零叁佰元整", "200300", "元"),
    ("人民币 5000", "5000", None), ("-20", "-20", None), ("0.00", "0", None), ("3000.00", "3000", None),
])
def test_amounts(text, clean, unit):
    out = check_amount(text)
    assert out.valid and out.clean == clean and out.attrs["unit"] == unit
    assert check_amount(clean).clean == clean


def test_amount_currency_and_failures():
    assert parse_amount("USD 1,000")[2] == "USD" and parse_amount("1,000美元")[2] == "USD"
    assert parse_capital("拾万") == 100000 and parse_capital("abc") is None
    for text in ("abc", "1,23", "12元34", "1e5", "--5", "000123", "0012.5"):
        assert not check_amount(text).valid, text


@pytest.mark.parametrize("text,clean,surname,title", [
    ("张三", "张三", "张", None), (" 张 三 ", "张三", "张", None), ("张三先生", "张三", "张", "先生"),
    ("欧阳娜娜", "欧阳娜娜", "欧阳", None), ("阿依古丽•买买提", "阿依古丽·买买提", "阿", None),
    ("陳穎", "陈颖", "陈", None), ("张伟（采购）", "张伟", "张", None), ("李娜总经理", "李娜", "李", "总经理"),
    ("JOHN SMITH", "John Smith", None, None),
])
def test_person_names(text, clean, surname, title):
    out = check_person_name(text)
    assert out.valid and out.clean == clean
    assert (out.attrs["surname"], out.attrs["title"]) == (surname, title)
    assert check_person_name(clean).clean == clean


def test_person_name_problems():
    assert not check_person_name("李").valid
    assert not check_person_name("123").valid
    for text in ("李先生", "王总", "张经理", "欧阳总", "老张", "小王"):  # a surname and a title: no full name
        out = check_person_name(text)
        assert not out.valid and {f.rule for f in out.findings} == {"person_name.surname_only"}, text
    assert "person_name.unknown_surname" in {f.rule for f in check_person_name("好的").findings}
