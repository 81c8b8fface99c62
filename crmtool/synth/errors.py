"""Error sets: clean cells of the ten field kinds, and dirty cells with one known error each.

`generate_error_set(n, seed)` gives `n` rows of a customer export with ten columns (company name,
credit code, mobile, landline, e-mail, ID number, date, address, amount, contact person) and a truth
table with one row per cell: the error class planted in it (or none), the outcome a cleanser must
reach (`fix`: this clean value; `flag`: invalid, because the value cannot be recovered) and the kind
of change a fix is (`notation` or `content`, see docs/cleanse.md). crmtool/cleanse/score.py scores a
cleanse run against it.

Expected values are built here from the parts the clean value was made of (a number's digits, a
date's year/month/day, a name's characters), never by the cleanse code: the check characters of
credit codes and ID numbers are computed by this module's own arithmetic (GB 32100 / GB 11643),
traditional forms come from the generator's own character table (`vocab.TRADITIONAL`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Callable

from crmtool.synth import vocab
from crmtool.synth.regions import MUNICIPALITIES, load_regions

COLUMNS = {
    "company_name": "客户名称", "credit_code": "统一社会信用代码", "mobile": "手机", "landline": "座机",
    "email": "邮箱", "id_number": "身份证号", "date": "日期", "address": "地址", "amount": "金额",
    "person_name": "联系人",
}
TRUTH_COLUMNS = ("row", "column", "kind", "cell", "error_class", "outcome", "expected", "change")

_USCC = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_W = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_W = (3, 7, 9, 10, 5, 8, 4, 2)
_ID_W = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz@.-"}
_TRAD = vocab.TRADITIONAL
# Variant forms (异体字) that a simplified converter maps back; written by some people and old systems.
_VARIANTS = {"峰": "峯", "群": "羣", "线": "綫", "里": "裡", "够": "夠", "床": "牀", "凉": "涼"}
# Districts of regions.csv whose name no other city has (朝阳区, 鼓楼区, 南山区 … repeat elsewhere);
# 渝北区 is left out: the division table crmtool ships marks 500112 as no longer in use.
_UNIQUE_DISTRICTS = ("海淀区", "浦东新区", "徐汇区", "闵行区", "滨海新区", "天河区", "越秀区", "福田区",
                     "宝安区", "顺德区", "余杭区", "鄞州区", "江宁区", "姑苏区", "新吴区", "历下区", "崂山区", "洪山区",
                     "岳麓区", "武侯区", "雁塔区", "思明区", "蜀山区", "金水区", "青秀区", "昌平区")
_CN_DIGITS = "〇一二三四五六七八九"
_CAPITAL = "零壹贰叁肆伍陆柒捌玖"
_CAPITAL_TRAD = str.maketrans({"贰": "貳", "叁": "參", "陆": "陸", "万": "萬", "亿": "億"})
_ROLES = ("经理", "总经理", "女士", "先生", "主任", "总监", "老师", "主管")
_SHORT_TITLES = ("经理", "总", "工", "董", "姐", "哥", "老板", "女士", "先生", "主任", "老师")
_PROVIDERS = ("qq.com", "163.com", "126.com", "gmail.com", "hotmail.com", "sina.com", "foxmail.com", "outlook.com")
_DOMAIN_TYPOS = {
    "qq.com": ("qq.con", "qq.cm", "qq.co", "qq.comm", "qq.ocm"), "163.com": ("163.co", "163.con", "163.cm", "163.ocm"),
    "126.com": ("126.con", "126.co"), "gmail.com": ("gmial.com", "gmai.com", "gmail.con", "gamil.com"),
    "hotmail.com": ("hotmial.com", "hotmal.com", "hotmail.con"), "sina.com": ("sina.con", "sian.com"),
    "foxmail.com": ("foxmial.com", "foxmail.con"), "outlook.com": ("outlook.con", "outlok.com"),
}


def _uscc_check(body17: str) -> str:
    return _USCC[(31 - sum(_USCC.index(c) * w for c, w in zip(body17, _USCC_W)) % 31) % 31]


def _org_check(body8: str) -> str:
    value = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body8, _ORG_W))
    r = 11 - value % 11
    return "X" if r == 10 else "0" if r == 11 else str(r)


def _id_check(body17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, _ID_W)) % 11]


@dataclass
class Row:
    """The parts one clean row is made of, so that an error can be planted and its fix known."""

    region: object
    other_region: object
    trade: str
    industry: str
    form: str
    code: str
    mobile: str
    area: str
    local: str
    email_local: str
    email_domain: str
    id_number: str
    date: tuple[int, int, int]
    road: str
    house: int
    cents: int
    surname: str
    given: str

    @property
    def company_name(self) -> str:
        return self.region.city.removesuffix("市") + self.trade + self.industry + self.form

    @property
    def address(self) -> str:
        return self.region.address_prefix + self.road + f"{self.house}号"

    @property
    def email(self) -> str:
        return f"{self.email_local}@{self.email_domain}"

    @property
    def iso_date(self) -> str:
        y, m, d = self.date
        return f"{y:04d}-{m:02d}-{d:02d}"

    @property
    def amount(self) -> str:
        yuan, cents = divmod(self.cents, 100)
        return f"{yuan}" if not cents else f"{yuan}.{cents:02d}".rstrip("0")

    @property
    def person(self) -> str:
        return self.surname + self.given


def _row(rng: random.Random) -> Row:
    regions = load_regions()
    region = rng.choice(regions)
    other = rng.choice([r for r in regions if r.province != region.province])
    trade = "".join(rng.choice(vocab.TRADE_CHARS)[0] for _ in range(rng.choice((2, 2, 3))))
    form = rng.choice(("有限公司", "有限责任公司", "股份有限公司", "集团有限公司"))
    body = region.division_code + "".join(rng.choice("0123456789") for _ in range(8))
    code = "91" + body + _org_check(body[6:])
    code += _uscc_check(code)
    born = (rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
    id_body = region.division_code + f"{born[0]:04d}{born[1]:02d}{born[2]:02d}" + f"{rng.randint(1, 999):03d}"
    local = str(rng.randint(2, 8)) + "".join(rng.choice("0123456789") for _ in range(region.local_digits - 1))
    if local.startswith("800"):  # 800x… is the toll-free range, not a local number
        local = "6" + local[1:]
    given = "".join(rng.choice(vocab.GIVEN_CHARS)[0] for _ in range(rng.choice((1, 2, 2))))
    surname, pinyin = rng.choice(vocab.SURNAMES)
    email_local = rng.choice((pinyin + str(rng.randint(1, 999)), str(rng.randint(10000, 999999999)), pinyin + "_cn"))
    return Row(region, other, trade, rng.choice(vocab.INDUSTRIES), form, code,
               rng.choice(vocab.MOBILE_PREFIXES) + f"{rng.randint(0, 99999999):08d}", region.area_code[1:], local,
               email_local, rng.choice(_PROVIDERS), id_body + _id_check(id_body),
               (rng.randint(2008, 2026), rng.randint(1, 12), rng.randint(1, 28)), rng.choice(vocab.ROADS),
               rng.randint(1, 999), rng.choice((rng.randint(1, 99999) * 100, rng.randint(1, 99999999))),
               surname, given)


def _fullwidth(text: str) -> str:
    return "".join(_FULLWIDTH.get(c, c) for c in text)


def _traditional(text: str) -> str:
    return "".join(_TRAD.get(c, c) for c in text)


def _with(text: str, positions, rng: random.Random, sep: str = " ") -> str:
    """`text` with `sep` inserted at `positions` places, never inside a run of digits or letters."""
    spots = [i for i in range(1, len(text)) if not (text[i - 1].isascii() and text[i].isascii())]
    cut = sorted(rng.sample(spots, min(positions, len(spots))))
    parts, last = [], 0
    for c in cut:
        parts.append(text[last:c])
        last = c
    return sep.join(parts + [text[last:]])


def _digit_changed(digits: str, rng: random.Random, start: int = 0) -> str:
    i = rng.randrange(start, len(digits))
    return digits[:i] + rng.choice([d for d in "0123456789" if d != digits[i]]) + digits[i + 1:]


def _sci(digits: str, significant: int) -> str:
    """A number as Excel's General format shows it: mantissa with `significant` digits, E+exponent."""
    mantissa = digits[0] + "." + digits[1:significant].rstrip("0") if significant > 1 else digits[0]
    return f"{mantissa.rstrip('.')}E+{len(digits) - 1:02d}"


def _rounded(digits: str, keep: int) -> str:
    """The digits rounded to `keep` significant digits (Excel keeps 15), the rest zeros."""
    value = round(int(digits), keep - len(digits))
    return str(value)


def _cn_year(y: int) -> str:
    return "".join(_CN_DIGITS[int(c)] for c in str(y))


def _cn_number(n: int) -> str:
    """1..31 in Chinese numerals as dates write them (十二, 二十五)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


def _capital(yuan: int) -> str | None:
    """An integer amount below 1亿 in 大写 financial numerals (壹万贰仟叁佰元整), None when it has 零 gaps
    this little writer does not handle."""
    if not 0 < yuan < 100_000_000:
        return None
    wan, rest = divmod(yuan, 10_000)

    def four(n: int) -> str:
        out, zero = "", False
        for value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
            digit = n // value % 10
            if digit:
                out += ("零" if zero and out else "") + _CAPITAL[digit] + unit
                zero = False
            else:
                zero = True
        return out

    text = (four(wan) + "万" if wan else "") + (("零" if wan and rest < 1000 and rest else "") + four(rest))
    return text + "元整"


Maker = Callable[[Row, random.Random], "tuple[str, str | None] | str | None"]


@dataclass(frozen=True)
class ErrorClass:
    """One kind of error: how to plant it in a row's value, and what a cleanser must do about it.

    `make(row, rng)` returns the dirty cell (the expected value is then the row's clean value), a
    (cell, expected) pair when the fix is another value, or None when the row cannot carry the error."""

    name: str
    kind: str
    outcome: str  # fix | flag
    change: str  # notation | content | "" (flag)
    make: Maker


def _fix(name, kind, change, make) -> ErrorClass:
    return ErrorClass(name, kind, "fix", change, make)


def _flag(name, kind, make) -> ErrorClass:
    return ErrorClass(name, kind, "flag", "", make)


def _changed(text: str, new: str) -> str | None:
    return new if new != text else None


def _company_classes() -> list[ErrorClass]:
    k = "company_name"
    return [
        _fix("company_name.traditional", k, "content", lambda r, g: _changed(r.company_name, _traditional(r.company_name))),
        _fix("company_name.variant_chars", k, "content",
             lambda r, g: _changed(r.company_name, "".join(_VARIANTS.get(c, c) for c in r.company_name))),
        _fix("company_name.spaces", k, "notation", lambda r, g: _with(r.company_name, 2, g)),
        _fix("company_name.halfwidth_brackets", k, "notation", lambda r, g: (
            f"{r.trade}({r.region.city.removesuffix('市')}){r.industry}{r.form}",
            f"{r.trade}（{r.region.city.removesuffix('市')}）{r.industry}{r.form}")),
        _fix("company_name.quotes", k, "notation", lambda r, g: g.choice("“\"'*") + r.company_name + g.choice("”\"'*")),
        _flag("company_name.holds_credit_code", k, lambda r, g: g.choice((r.code, r.code.lower()))),
        _flag("company_name.holds_mobile", k, lambda r, g: r.mobile),
        _flag("company_name.holds_email", k, lambda r, g: r.email),
        _flag("company_name.holds_address", k, lambda r, g: r.address),
        _flag("company_name.holds_date", k, lambda r, g: r.iso_date),
    ]


def _code_classes() -> list[ErrorClass]:
    k = "credit_code"

    def ocr(r, g):
        return _changed(r.code, r.code.replace("0", "O") if "0" in r.code else r.code.replace("1", "I"))

    def transposed(r, g):
        spots = [i for i in range(16) if r.code[i] != r.code[i + 1]]
        i = g.choice(spots)
        return r.code[:i] + r.code[i + 1] + r.code[i] + r.code[i + 2:]

    def typo(r, g):
        i = g.randrange(18)
        return r.code[:i] + g.choice([c for c in _USCC if c != r.code[i]]) + r.code[i + 1:]

    return [
        _fix("credit_code.lower_case", k, "notation", lambda r, g: _changed(r.code, r.code.lower())),
        _fix("credit_code.spaced", k, "notation", lambda r, g: g.choice((" ", "-", "  ")).join(
            (r.code[:2], r.code[2:8], r.code[8:17], r.code[17]) if g.random() < .5 else (r.code[:6], r.code[6:12], r.code[12:]))),
        _fix("credit_code.fullwidth", k, "notation", lambda r, g: _fullwidth(r.code)),
        _fix("credit_code.letters_for_digits", k, "content", ocr),
        _flag("credit_code.one_char_wrong", k, typo),
        _flag("credit_code.transposed", k, transposed),
        _flag("credit_code.char_missing", k, lambda r, g: (lambda i: r.code[:i] + r.code[i + 1:])(g.randrange(18))),
        _flag("credit_code.holds_company_name", k, lambda r, g: r.company_name),
        _flag("credit_code.holds_mobile", k, lambda r, g: r.mobile),
        _flag("credit_code.scientific_notation", k, lambda r, g: _sci("9" + r.code[2:8] + "0" * 11, 6)),
    ]


def _mobile_classes() -> list[ErrorClass]:
    k = "mobile"
    m = lambda r: r.mobile  # noqa: E731
    return [
        _fix("mobile.plus86", k, "notation", lambda r, g: g.choice(("+86 ", "86-", "0086", "(+86)", "86 ")) + m(r)),
        _fix("mobile.spaced", k, "notation", lambda r, g: f"{m(r)[:3]}{g.choice(' -')}{m(r)[3:7]}{g.choice(' -')}{m(r)[7:]}"),
        _fix("mobile.fullwidth", k, "notation", lambda r, g: _fullwidth(m(r))),
        _fix("mobile.label_or_note", k, "notation", lambda r, g: g.choice(("手机：{}", "Tel: {}", "{}（微信同号）", "{}(本人)")).format(
            m(r))),
        _fix("mobile.float_suffix", k, "notation", lambda r, g: m(r) + ".0"),
        _fix("mobile.scientific_lossless", k, "notation", lambda r, g: f"{m(r)[0]}.{m(r)[1:]}E+10"),
        _flag("mobile.scientific_lossy", k, lambda r, g: _changed(f"{m(r)[0]}.{m(r)[1:]}E+10",
                                                                  _sci(m(r), g.choice((3, 5, 6))))),
        _flag("mobile.digit_missing", k, lambda r, g: (lambda i: m(r)[:i] + m(r)[i + 1:])(g.randrange(3, 11))),
        _flag("mobile.digit_extra", k, lambda r, g: (lambda i: m(r)[:i] + g.choice("0123456789") + m(r)[i:])(
            g.randrange(3, 11))),
        _flag("mobile.bad_prefix", k, lambda r, g: "1" + g.choice("012") + m(r)[2:]),
        _fix("mobile.letter_o", k, "content", lambda r, g: _changed(m(r), m(r)[:3] + m(r)[3:].replace("0", "O"))),
        _flag("mobile.holds_email", k, lambda r, g: r.email),
        _flag("mobile.holds_id_number", k, lambda r, g: r.id_number),
    ]


def _landline(r: Row) -> str:
    return f"0{r.area}-{r.local}"


def _landline_classes() -> list[ErrorClass]:
    k = "landline"
    return [
        _fix("landline.brackets", k, "notation", lambda r, g: g.choice(("({}){}", "（{}）{}", "({}) {}")).format(
            "0" + r.area, r.local)),
        _fix("landline.plus86", k, "notation", lambda r, g: f"+86 {r.area} {r.local}"),
        _fix("landline.run_together", k, "notation", lambda r, g: f"0{r.area}{r.local}"),
        _fix("landline.fullwidth", k, "notation", lambda r, g: _fullwidth(_landline(r))),
        _fix("landline.leading_zero_lost", k, "notation", lambda r, g: f"{r.area}{r.local}" + g.choice(("", ".0"))),
        _flag("landline.no_area_code", k, lambda r, g: r.local),
        _flag("landline.digit_missing", k, lambda r, g: f"0{r.area}-{r.local[:-1]}"),
        _flag("landline.scientific_lossy", k, lambda r, g: _sci(r.area + r.local, 6)),
        _flag("landline.holds_email", k, lambda r, g: r.email),
    ]


def _email_classes() -> list[ErrorClass]:
    k = "email"

    def typo(r, g):
        return f"{r.email_local}@{g.choice(_DOMAIN_TYPOS[r.email_domain])}"

    return [
        _fix("email.upper_case", k, "notation", lambda r, g: r.email.upper()),
        _fix("email.spaces", k, "notation", lambda r, g: g.choice((" {} ", "{} ", "{}\u3000")).format(r.email)),
        _fix("email.fullwidth_at", k, "notation", lambda r, g: r.email.replace("@", "＠").replace(".", g.choice((".", "。")))),
        _fix("email.mailto", k, "notation", lambda r, g: g.choice(("mailto:{}", "<{}>", "MAILTO:{}")).format(r.email)),
        _fix("email.display_name", k, "notation", lambda r, g: f"{r.person} <{r.email}>"),
        _fix("email.comma_for_dot", k, "notation", lambda r, g: r.email.replace(".", g.choice((",", "，")))),
        _fix("email.domain_typo", k, "content", typo),
        _flag("email.no_at", k, lambda r, g: r.email.replace("@", g.choice(("", " ", "#")))),
        _flag("email.double_at", k, lambda r, g: r.email.replace("@", "@@") if g.random() < .5 else r.email + "@"),
        _flag("email.chinese_local_part", k, lambda r, g: r.person + "@" + r.email_domain),
        _flag("email.holds_mobile", k, lambda r, g: r.mobile),
        _flag("email.two_addresses", k, lambda r, g: r.email + g.choice(("; ", ",", " / ")) + r.email_local + "2@" + r.email_domain),
    ]


def _id_classes() -> list[ErrorClass]:
    k = "id_number"

    def with_x(r, g):
        for seq in range(1, 1000):
            body = r.id_number[:14] + f"{seq:03d}"
            if _id_check(body) == "X":
                return body + "x", body + "X"
        return None

    def fifteen(r, g):
        if not r.id_number[6:8] == "19":
            return None
        return r.id_number[:6] + r.id_number[8:17]

    def bad_date(r, g):
        body = r.id_number[:10] + g.choice(("13", "00")) + r.id_number[12:17]
        return body + _id_check(body)

    def precision(r, g):
        lost = _rounded(r.id_number[:17] + ("0" if r.id_number[17] == "X" else r.id_number[17]), 15)
        return _changed(r.id_number, lost)

    return [
        _fix("id_number.lower_x", k, "notation", with_x),
        _fix("id_number.spaced", k, "notation", lambda r, g: f"{r.id_number[:6]} {r.id_number[6:14]} {r.id_number[14:]}"),
        _fix("id_number.fullwidth", k, "notation", lambda r, g: _fullwidth(r.id_number)),
        _fix("id_number.apostrophe", k, "notation", lambda r, g: "'" + r.id_number),
        _fix("id_number.old_15_digits", k, "content", fifteen),
        _flag("id_number.check_char_wrong", k, lambda r, g: r.id_number[:17] + g.choice(
            [c for c in "0123456789X" if c != r.id_number[17]])),
        _flag("id_number.digit_wrong", k, lambda r, g: _changed(r.id_number, _digit_changed(r.id_number[:17], g, 14)
                                                                 + r.id_number[17])),
        _flag("id_number.no_such_birth_date", k, bad_date),
        _flag("id_number.scientific_notation", k, lambda r, g: _sci(r.id_number[:17], 6)),
        _flag("id_number.excel_precision_lost", k, precision),
        _flag("id_number.char_missing", k, lambda r, g: r.id_number[:17]),
        _flag("id_number.holds_mobile", k, lambda r, g: r.mobile),
    ]


def _date_classes() -> list[ErrorClass]:
    k = "date"

    def serial(r, g):
        import datetime as dt

        days = (dt.date(*r.date) - dt.date(1899, 12, 30)).days
        return str(days) + g.choice(("", ".0"))

    def ambiguous(r, g):
        y, m, d = r.date
        return f"{m:02d}/{d:02d}/{y}" if d <= 12 and d != m else None

    return [
        _fix("date.slashes", k, "notation", lambda r, g: "{}/{}/{}".format(*r.date)),
        _fix("date.chinese", k, "notation", lambda r, g: "{}年{}月{}日".format(*r.date)),
        _fix("date.compact", k, "notation", lambda r, g: r.iso_date.replace("-", "")),
        _fix("date.dotted", k, "notation", lambda r, g: "{}.{}.{}".format(*r.date)),
        _fix("date.midnight_time", k, "notation", lambda r, g: r.iso_date + g.choice((" 00:00:00", " 0:00", "T00:00:00"))),
        _fix("date.fullwidth", k, "notation", lambda r, g: _fullwidth(r.iso_date).replace("-", "－")),
        _fix("date.chinese_numerals", k, "notation", lambda r, g: f"{_cn_year(r.date[0])}年{_cn_number(r.date[1])}月"
                                                                  f"{_cn_number(r.date[2])}日"),
        _fix("date.excel_serial", k, "content", serial),
        _flag("date.no_such_day", k, lambda r, g: f"{r.date[0]}-{g.choice(('02-30', '02-31', '04-31', '13-05', '00-10'))}"),
        _flag("date.day_month_ambiguous", k, ambiguous),
        _flag("date.two_digit_year", k, lambda r, g: f"{r.date[0] % 100:02d}-{r.date[1]:02d}-{r.date[2]:02d}"),
        _flag("date.year_out_of_range", k, lambda r, g: f"{r.date[0] + g.choice((200, -1000))}{r.iso_date[4:]}"),
        _flag("date.zero_date", k, lambda r, g: g.choice(("0000-00-00", "1900-01-00", "0000/00/00 00:00:00"))),
        _flag("date.holds_amount", k, lambda r, g: f"{r.cents // 100 + 30000}.{r.cents % 90 + 10}"),
    ]


def _address_classes() -> list[ErrorClass]:
    k = "address"

    def wrong_province(r, g):
        o = r.other_region
        if o.city in MUNICIPALITIES or r.region.city in MUNICIPALITIES:
            return None
        return r.region.province + o.city + o.district + r.road + f"{r.house}号"

    def wrong_city(r, g):
        cities = {x.district: x.city for x in load_regions()}
        district = g.choice([d for d in _UNIQUE_DISTRICTS if cities[d] != r.region.city])
        head = r.region.city if r.region.city in MUNICIPALITIES else r.region.province + r.region.city
        return head + district + r.road + f"{r.house}号"

    return [
        _fix("address.traditional", k, "content", lambda r, g: _changed(r.address, _traditional(r.address))),
        _fix("address.variant_chars", k, "content",
             lambda r, g: _changed(r.address, "".join(_VARIANTS.get(c, c) for c in r.address))),
        _fix("address.fullwidth_digits", k, "notation", lambda r, g: _fullwidth(r.address)),
        _fix("address.country_prefix", k, "content", lambda r, g: g.choice(("中国", "中国 ")) + r.address),
        _fix("address.spaces", k, "notation", lambda r, g: _with(r.address, 2, g, g.choice((" ", "\n", "\u3000")))),
        _flag("address.city_not_in_province", k, wrong_province),
        _flag("address.district_not_in_city", k, wrong_city),
        _flag("address.holds_company_name", k, lambda r, g: r.company_name),
        _flag("address.holds_mobile", k, lambda r, g: r.mobile),
        _flag("address.holds_email", k, lambda r, g: r.email),
        _flag("address.holds_person_name", k, lambda r, g: r.person),
    ]


def _amount_classes() -> list[ErrorClass]:
    k = "amount"

    def thousands(r, g):
        yuan, cents = divmod(r.cents, 100)
        return f"{yuan:,}" + (f".{cents:02d}" if cents else "")

    def capital(r, g):
        return None if r.cents % 100 else _capital(r.cents // 100)

    def capital_trad(r, g):
        text = capital(r, g)
        return _changed(text, text.translate(_CAPITAL_TRAD)) if text else None

    def wan(r, g):
        from decimal import Decimal

        if r.cents % 100:
            return None
        return format((Decimal(r.cents // 100) / 10000).normalize(), "f") + g.choice(("万", "万元"))

    return [
        _fix("amount.thousands_separator", k, "notation", thousands),
        _fix("amount.currency_sign", k, "notation", lambda r, g: g.choice(("¥", "￥", "RMB ", "CNY")) + r.amount),
        _fix("amount.yuan_suffix", k, "notation", lambda r, g: r.amount + g.choice(("元", "元整", " 元"))),
        _fix("amount.wan_unit", k, "notation", wan),
        _fix("amount.capital_numerals", k, "notation", capital),
        _fix("amount.capital_traditional", k, "notation", capital_trad),
        _fix("amount.fullwidth", k, "notation", lambda r, g: _fullwidth(r.amount)),
        _flag("amount.scientific_notation", k, lambda r, g: _sci(str(r.cents // 100 * 10 ** 5), 4)),
        _flag("amount.two_decimal_points", k, lambda r, g: f"{r.cents // 100}.{r.cents % 100:02d}.{g.randint(0, 9)}"),
        _flag("amount.letter_o", k, lambda r, g: f"{r.cents // 100 + 1}".replace("0", "O") + "O"),
        _flag("amount.holds_date", k, lambda r, g: r.iso_date),
        _flag("amount.approximate", k, lambda r, g: g.choice(("约{}", "{}左右", "{}以上", "{}+", "≈{}")).format(r.amount)),
        _flag("amount.holds_mobile", k, lambda r, g: r.mobile),
    ]


def _person_classes() -> list[ErrorClass]:
    k = "person_name"
    return [
        _fix("person_name.title_after_name", k, "content", lambda r, g: r.person + g.choice(_ROLES)),
        _fix("person_name.role_in_brackets", k, "content", lambda r, g: r.person + g.choice(("（采购）", "(财务)", "（销售部）"))),
        _fix("person_name.traditional", k, "content", lambda r, g: _changed(r.person, _traditional(r.person))),
        _fix("person_name.spaces", k, "notation", lambda r, g: " ".join(r.person) if g.random() < .5 else f" {r.person} "),
        _flag("person_name.surname_and_title", k, lambda r, g: r.surname + g.choice(_SHORT_TITLES)),
        _flag("person_name.familiar_prefix", k, lambda r, g: g.choice("老小阿") + r.surname),
        _flag("person_name.holds_company_name", k, lambda r, g: r.company_name),
        _flag("person_name.holds_mobile", k, lambda r, g: r.mobile),
        _flag("person_name.with_mobile", k, lambda r, g: r.person + g.choice(("", " ", "：")) + r.mobile),
        _flag("person_name.holds_email", k, lambda r, g: r.email),
        _flag("person_name.two_people", k, lambda r, g: r.person + g.choice("/、,， ") + g.choice(vocab.SURNAMES)[0]
              + g.choice(vocab.GIVEN_CHARS)[0] * 1),
    ]


def error_classes() -> list[ErrorClass]:
    """Every error class the generator plants, in the order of COLUMNS."""
    return (_company_classes() + _code_classes() + _mobile_classes() + _landline_classes() + _email_classes()
            + _id_classes() + _date_classes() + _address_classes() + _amount_classes() + _person_classes())


def clean_values(row: Row) -> dict[str, tuple[str, str]]:
    """(cell as a clean export holds it, the value a cleanser must give) per kind."""
    landline = _landline(row)
    return {
        "company_name": (row.company_name, row.company_name), "credit_code": (row.code, row.code),
        "mobile": (row.mobile, "+86" + row.mobile), "landline": (landline, f"+86{row.area}{row.local}"),
        "email": (row.email, row.email), "id_number": (row.id_number, row.id_number),
        "date": (row.iso_date, row.iso_date), "address": (row.address, row.address),
        "amount": (row.amount, row.amount), "person_name": (row.person, row.person),
    }


def generate_error_set(n: int, *, seed: int = 0, error_share: float = 0.6):
    """(records, truth): `n` rows with the ten COLUMNS, and one truth row per cell (TRUTH_COLUMNS).

    Each cell is dirty with probability `error_share`; a dirty cell gets one error class drawn
    uniformly among its kind's classes that apply to the row's value."""
    import pandas as pd

    rng = random.Random(seed)
    by_kind: dict[str, list[ErrorClass]] = {}
    for c in error_classes():
        by_kind.setdefault(c.kind, []).append(c)
    records: dict[str, list[str]] = {col: [] for col in COLUMNS.values()}
    truth: list[tuple] = []
    for i in range(n):
        row = _row(rng)
        clean = clean_values(row)
        for kind, column in COLUMNS.items():
            cell, expected = clean[kind]
            found = ("", "clean", expected, "none" if cell == expected else "notation")
            if rng.random() < error_share:
                classes = by_kind[kind][:]
                rng.shuffle(classes)
                for cls in classes:
                    made = cls.make(row, rng)
                    if made is None:
                        continue
                    if isinstance(made, tuple):
                        cell, value = made
                    else:
                        cell, value = made, expected
                    found = (cls.name, cls.outcome, value if cls.outcome == "fix" else None, cls.change)
                    break
            records[column].append(cell)
            truth.append((i, column, kind, cell, *found))
    table = pd.DataFrame({c: pd.array(v, dtype="string") for c, v in records.items()})
    return table, pd.DataFrame(truth, columns=list(TRUTH_COLUMNS)).astype({"expected": "string"})


def kinds() -> dict[str, str]:
    """{column: kind} for cleanse_table over the records."""
    return {column: kind for kind, column in COLUMNS.items()}
