"""The column-wise passes (`cleanse.*_columns.settle_*`) against the per-value checks: on messy generated
values of each kind and on the hand-written cases, `cleanse_column` with and without the pass gives the
same clean values, statuses, changes, attributes and issue rows, row for row."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from crmtool.canon.blank import BLANK_CHARS

from crmtool.canon.uscc import USCC_CHARSET, complete_uscc
from crmtool.cleanse.stage import cleanse_column, rule_for

FULL_WIDTH = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)})


def _table(values: list[str | None]) -> pd.DataFrame:
    n = len(values)
    return pd.DataFrame({"v": pd.array(values, dtype="string"), "_row_id": np.arange(n).astype(str),
                         "_source": "gen.csv", "_sheet": "", "_row": np.arange(n)})


def assert_same(values: list[str | None], kind: str) -> float:
    """Both paths agree; returns the share of distinct values the pass left to the check."""
    table = _table(values)
    fast, slow = cleanse_column(table, "v", kind), cleanse_column(table, "v", kind, columnwise=False)
    pd.testing.assert_series_equal(fast.clean, slow.clean)
    pd.testing.assert_series_equal(fast.status, slow.status)
    pd.testing.assert_series_equal(fast.change, slow.change)
    pd.testing.assert_frame_equal(fast.attrs, slow.attrs)
    pd.testing.assert_frame_equal(fast.issues, slow.issues)
    distinct = pa.array(pd.Series(values, dtype="string").dropna().unique(), type=pa.large_string())
    distinct = distinct.filter(pc.greater(pc.utf8_length(pc.utf8_trim(distinct, BLANK_CHARS)), 0))
    return 1 - len(rule_for(kind).settle(distinct).positions) / len(distinct)


def credit_codes(n: int, seed: int = 3) -> list[str]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        head = rnd.choice("9915N1Y") + rnd.choice("1239") + rnd.choice(("110108", "440305", "350100", "999999",
                                                                          f"{rnd.randrange(10**6):06d}"))
        code = complete_uscc(head + "".join(rnd.choice(USCC_CHARSET) for _ in range(8)))
        shape = i % 14
        if shape == 1:
            code = code.lower()
        elif shape == 2:
            code = " ".join(code[k:k + 4] for k in range(0, 18, 4))
        elif shape == 3:
            code = code[:6] + "-" + code[6:]
        elif shape == 4:
            code = code.replace("0", "O", 1)
        elif shape == 5:
            code = code.replace("1", "I", 1)
        elif shape == 6:
            code = code[:17] + rnd.choice(USCC_CHARSET.replace(code[17], ""))
        elif shape == 7:
            code = code[:16] + rnd.choice("0123456789X".replace(code[16], "")) + code[17]
        elif shape == 8:
            code = code.translate(FULL_WIDTH)
        elif shape == 9:
            code = code[:rnd.randrange(1, 18)]
        elif shape == 10:
            code = f"{rnd.randrange(10**14):015d}"
        elif shape == 11:
            code = code[8:16] + "-" + rnd.choice("0123456789X")
        elif shape == 12:
            code = code[:5] + rnd.choice("SVZ?中·") + code[6:]
        elif shape == 13:
            code = f"  {code}\u3000"
        out.append(code)
    return out


HAND_CODES = ["91350100M000100Y43", "91350100m000100y43", "9135 0100 M000 100Y 43", "9135010OM000100Y43",
              "91350100M000100Y44", "91350100M000100X43", "12345", "", "  ", "ＡＢＣ", "12345678-9",
              "110108000000016", "Y1350100M000100Y4?", None, "01990000M000100Y43", "I1350100M000100Y43",
              "９１３５０１００Ｍ０００１００Ｙ４３", "9135_0100/M000\\100Y.43", "---"]


def test_credit_codes_column_wise_equal_the_check():
    assert_same(HAND_CODES, "credit_code")
    assert assert_same(credit_codes(60_000), "credit_code") < 0.25  # 9 and 15 characters, S V Z ? 中 ·


@pytest.mark.slow
def test_a_million_credit_codes_column_wise_equal_the_check():
    assert_same(credit_codes(1_000_000, seed=5), "credit_code")


def emails(n: int, seed: int = 4) -> list[str]:
    rnd = random.Random(seed)
    domains = ["qq.com", "163.com", "Gmail.com", "huaxin-tech.com.cn", "sub.example.org", "qq.con", "gmial.com",
               "xn--fiqs8s.cn", "例子.中国", "bad_domain.com", "a.b", "-x.com", "x.c0m"]
    out = []
    for i in range(n):
        local = "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789._-+") for _ in range(rnd.randrange(1, 14)))
        local = local if i % 9 else local.upper()
        address = f"{local}@{rnd.choice(domains)}{'' if i % 5 else str(i)}"
        shape = i % 16
        if shape == 1:
            address = address.upper()
        elif shape == 2:
            address = f"  {address} "
        elif shape == 3:
            address = address.replace("@", "＠")
        elif shape == 4:
            address = address.translate(FULL_WIDTH)
        elif shape == 5:
            address = f"mailto:{address}"
        elif shape == 6:
            address = f"张伟 <{address}>"
        elif shape == 7:
            address = address.replace("@", " @ ")
        elif shape == 8:
            address = address.replace("@", "")
        elif shape == 9:
            address = address.replace("@", "@@")
        elif shape == 10:
            address = address.rsplit(".", 1)[0] + "," + address.rsplit(".", 1)[-1]
        elif shape == 11:
            address = address + "."
        elif shape == 12:
            address = "x" * 70 + address
        elif shape == 13:
            address = address.replace(".", "。")
        elif shape == 14:
            address = f"{address};{local}@qq.com"
        out.append(address)
    return out


HAND_EMAILS = ["ZhangWei@QQ.com", "zhangwei@qq.com", "Zhang.Wei@Huaxin.COM", " a@b.cn ", "a@b", "@qq.com", "a@",
               "mailto:x@qq.com", "张伟 <zhangwei@qq.com>", "x@qq,com", "x＠163。com", "x@gmial.com", "a..b@qq.com",
               "a b@qq.com", "x@例子.中国", "Ｘ＠ｑｑ．ｃｏｍ", "'x'@qq.com", "x@.qq.com", "x@qq.com."]


def test_emails_column_wise_equal_the_check():
    assert_same(HAND_EMAILS, "email")
    assert assert_same(emails(60_000), "email") < 0.6


@pytest.mark.slow
def test_a_million_emails_column_wise_equal_the_check():
    assert_same(emails(1_000_000, seed=6), "email")


def test_divisions_of_equals_division_of():
    from crmtool.cleanse.divisions import division_of, division_table, divisions_of

    rnd = random.Random(8)
    known = list(division_table())
    codes = known + [c[:4] + f"{rnd.randrange(100):02d}" for c in known] + [c[:2] + f"{rnd.randrange(10**4):04d}"
                                                                             for c in known]
    codes += [f"{rnd.randrange(10**6):06d}" for _ in range(5000)] + ["12345A", "1234", "", "440300", "110000"]
    got = divisions_of(pa.array(codes, type=pa.large_string()))
    for name, attr in (("province", "province"), ("city", "city"), ("district", "county")):
        assert got[name].to_pylist() == [getattr(d, attr) if (d := division_of(c)) else None for c in codes], name


def phones(n: int, seed: int = 5) -> list[str]:
    rnd = random.Random(seed)
    areas = ["010", "020", "021", "0755", "0571", "0512", "0311", "0871", "0991", "0898"]
    out = []
    for i in range(n):
        if i % 3:
            number = rnd.choice("3456789") + "".join(rnd.choice("0123456789") for _ in range(9))
            number = "1" + number
            national, local = number, number
        else:
            area = rnd.choice(areas)
            local = rnd.choice("2345678") + "".join(rnd.choice("0123456789") for _ in range(7 if len(area) == 3 else
                                                                                               rnd.choice((6, 7))))
            number, national = f"{area}-{local}", area[1:] + local
        shape = i % 19
        if shape == 1:
            number = f"+86 {national}"
        elif shape == 2:
            number = f"0086{national}"
        elif shape == 3:
            number = f"86{national}"
        elif shape == 4:
            number = number.translate(FULL_WIDTH)
        elif shape == 5:
            number = f"{number} 转{rnd.randrange(1, 999)}"
        elif shape == 6:
            number = f"{number}-{rnd.randrange(1, 999)}"
        elif shape == 7:
            number = " ".join(national[k:k + 4] for k in range(0, len(national), 4))
        elif shape == 8:
            number = local
        elif shape == 9:
            number = national[:-1]
        elif shape == 10:
            number = national + "7"
        elif shape == 11:
            number = number.replace("0", "O", 1)
        elif shape == 12:
            number = f"{national}.0"
        elif shape == 13:
            number = f"({national[:3]}){national[3:]}"
        elif shape == 14:
            number = f"{number}（微信同号）"
        elif shape == 15:
            number = f"{number} 13912345678"
        elif shape == 16:
            number = f"1.{national[1:]}E+10"
        elif shape == 17:
            number = f"400-{rnd.randrange(100, 999)}-{rnd.randrange(1000, 9999)}"
        elif shape == 18:
            number = f"  {number}\u3000"
        out.append(number)
    return out


HAND_PHONES = ["13812345678", "+86 138 1234 5678", "0755-26001234", "(010)62345678", "400-810-8888", "62345678",
               "010-62345678-801", "13812345678（微信同号）", "1.3800138000E+10", "138OO138000", "17912345678",
               "8613812345678", "008613812345678", "+8601062345678", "11812345678", "12345", "16212345678",
               "19912345678", "０７５５－２６００１２３４", "13800138000 13900139000", "138 0013 8000", "0086-10-62345678",
               "13812345678.0", "+86 (10) 6234 5678", "95588", "12110", "8662345678", "+1 650 253 0000"]


@pytest.mark.parametrize("kind", ["phone", "mobile", "landline"])
def test_phones_column_wise_equal_the_check(kind):
    assert_same(HAND_PHONES, kind)
    assert assert_same(phones(40_000), kind) < 0.7


@pytest.mark.slow
def test_a_million_phones_column_wise_equal_the_check():
    assert_same(phones(1_000_000, seed=7), "phone")


HAND_NAMES = [
    "北京华信科技有限公司", "华信（北京）科技有限公司", "華信科技有限公司", "华信科技", "華信(北京)科技有限公司",
    "北京 华信科技 有限公司", "北京华信　科技有限公司", "ＡＢＣ科技有限公司", "ABC科技有限公司", "abc Tech 科技",
    "华信 ABC 科技", "华信A B科技", "K8软件有限公司", "华信科技Ltd", "华信（）科技有限公司", "华信()科技有限公司",
    "（北京）华信科技有限公司", "华信（北京）（上海）科技有限公司", "华信（北京科技有限公司", "华信（朝阳）科技有限公司",
    "北京市有限公司", "北京市", "有限公司", "公司", "北京公司", "广东省深圳市南山区华信科技有限公司",
    "广东深圳华信科技有限公司", "吉林华信科技有限公司", "西安华信科技", "内蒙古自治区呼和浩特市华信科技有限公司",
    "华信科技（集团）有限公司", "华信科技合伙企业（有限合伙）", "温州瑞丰服装个人独资企业", "华信科技有限公司北京分公司",
    "华信科技北京分公司", "北京华信科技有限公司上海分公司", "北京华信科技有限公司分公司", "华信科技有限公司（海口）分公司",
    "華信科技有限公司海口分公司", "华信分公司", "分公司", "人民路88号", "2020年1月", "12345", "华", "华信1", "a华",
    "华信科技有限公司a", "华信科技（北京）", "（北京）", "中国工商银行北京分行", "华信科技有限公司驻广州办事处",
    "华信企业管理咨询海口分公司", "ＨＵＡＸＩＮ科技", "  华信科技有限公司  ", "华信科技有限公司。", "91110108MA00000000",
    "zhang@huaxin.com", "北京市朝阳区建国路88号", "華信（臺北）科技有限公司", "华信科技有限责任公司营业部",
]


def company_names(n: int, seed: int = 6) -> list[str]:
    """Generated names in the notations exports have: traditional characters (OpenCC s2t), full-width
    letters and brackets, half-width brackets, stray spaces, branch parts, no form, English forms."""
    import opencc

    from crmtool.synth import generate_accounts

    rnd = random.Random(seed)
    records, _ = generate_accounts(max(2000, n // 3), seed=seed, hard=True)
    base = [v for v in records["name"].dropna().astype(str).tolist() if v.strip()]
    to_traditional = opencc.OpenCC("s2t")
    han = sorted({c for name in base for c in name if "\u4e00" <= c <= "\u9fff"})
    out = []
    for i in range(n):
        name = rnd.choice(base)
        at = rnd.randrange(max(1, len(name) // 2))
        name = name[:at] + "".join(rnd.choice(han) for _ in range(rnd.randint(0, 2))) + name[at:]
        shape = i % 12
        if shape == 1:
            name = to_traditional.convert(name)
        elif shape == 2:
            name = name.translate(FULL_WIDTH).replace("（", "(").replace("）", ")")
        elif shape == 3:
            name = name.replace("（", "(").replace("）", ")")
        elif shape == 4:
            name = " " + name[:3] + "  " + name[3:] + "\u3000"
        elif shape == 5:
            name += rnd.choice(("北京分公司", "（海口）分公司", "驻广州办事处", "营业部", "上海分行", "分公司"))
        elif shape == 6:
            name = name.removesuffix("有限公司").removesuffix("公司")
        elif shape == 7:
            name += rnd.choice((" Co., Ltd.", "Ltd", "（集团）", "。"))
        elif shape == 8:
            name = rnd.choice(("广东省", "北京市朝阳区", "吉林", "（上海）")) + name
        out.append(name)
    return out


def test_company_names_column_wise_equal_the_check():
    assert_same(HAND_NAMES, "company_name")
    assert assert_same(company_names(30_000), "company_name") < 0.3  # English forms, stray punctuation, …


@pytest.mark.slow
def test_a_million_company_names_column_wise_equal_the_check():
    assert_same(company_names(1_000_000, seed=8), "company_name")
