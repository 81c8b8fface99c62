"""What kind of data a column holds: from its header name and from its content.

The header gives a candidate through a synonym table (客户名称 → company_name, 联系电话 → landline or
phone by content …). The content gives the share of values that really validate as each kind (credit
codes by both check characters, ID numbers by the GB 11643 check, phones by libphonenumber's number
plans, dates by parsing …), measured on a sample of distinct values weighted by how often each occurs.
Content wins over the header when it is strong (≥ 80 % valid for another kind while the header's
kind is under 50 %); a header with weak content is still reported, with a lower confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    import pandas as pd

KINDS = ("company_name", "credit_code", "mobile", "landline", "phone", "email", "date", "id_number", "amount",
         "person_name", "address", "free_text")

# Header synonyms, matched after lower-casing and removing spaces, brackets and punctuation. Exact
# matches first, then the longest synonym contained in the header (客户联系电话 → 联系电话).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    "company_name": ("客户名称", "公司名称", "企业名称", "单位名称", "客户全称", "公司全称", "企业全称", "单位全称",
                     "机构名称", "组织名称", "名称", "客户名", "供应商名称", "经销商名称", "客户", "公司", "企业", "单位", "公司名",
                     "companyname", "company", "accountname", "account", "customername", "customer", "organization",
                     "organisation"),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "税号", "纳税人识别号", "纳税识别号", "组织机构代码",
                    "营业执照号", "营业执照号码", "注册号", "uscc", "creditcode", "taxid", "taxno"),
    "mobile": ("手机", "手机号", "手机号码", "移动电话", "联系手机", "mobile", "mobilephone", "cellphone", "cell"),
    "phone": ("电话", "座机", "固话", "联系电话", "电话号码", "固定电话", "办公电话", "联系方式", "tel", "telephone",
              "phone", "phonenumber"),
    "email": ("邮箱", "电子邮件", "电子邮箱", "邮件", "邮箱地址", "邮件地址", "电子邮箱地址", "email地址", "email",
              "e-mail", "mail", "emailaddress"),
    "date": ("日期", "时间", "创建时间", "建档日期", "创建日期", "成立日期", "注册日期", "签约日期", "更新时间",
             "修改时间", "生日", "出生日期", "date", "createdat", "createddate", "updatedat", "birthday"),
    "id_number": ("身份证", "身份证号", "身份证号码", "证件号", "证件号码", "公民身份号码", "idcard", "idnumber"),
    "amount": ("金额", "合同金额", "注册资本", "注册资金", "实缴资本", "成交金额", "订单金额", "应收金额", "价格",
               "单价", "总价", "营业额", "年营业额", "amount", "price", "revenue"),
    "person_name": ("联系人", "姓名", "法人", "法定代表人", "法人代表", "负责人", "客户经理", "销售", "业务员",
                    "联系人姓名", "contact", "contactname", "name", "fullname"),
    "address": ("地址", "注册地址", "详细地址", "通讯地址", "联系地址", "办公地址", "公司地址", "经营地址", "收货地址",
                "住所", "address", "street"),
    "free_text": ("备注", "说明", "描述", "留言", "评论", "备忘", "摘要", "内容", "remark", "remarks", "note", "notes",
                  "comment", "comments", "description", "memo"),
}

# Kinds whose content check is strict enough to overrule a header, in tie-break order.
_STRICT = ("credit_code", "id_number", "email", "mobile", "landline", "date", "amount")
_LOOSE = ("company_name", "address", "person_name")
SAMPLE_TOP, SAMPLE_RANDOM = 1500, 1500


@dataclass
class KindReport:
    kind: str
    confidence: float
    valid_share: float
    invalid_examples: list[str] = field(default_factory=list)
    by: str = "content"


def header_key(column: str) -> str:
    """A header as it is compared: spaces, brackets and punctuation removed, lower case, trailing digits
    dropped (电话2 is 电话)."""
    return re.sub(r"\d+$", "", re.sub(r"[\s_\-()（）\[\]【】:：*#./]+", "", str(column)).lower())


# Words that turn a field into something else: 客户编号 is a number, not a customer; 电话类型 a type.
_QUALIFIERS = ("编号", "编码", "类型", "类别", "等级", "级别", "状态", "来源", "数量", "个数", "次数", "标识", "id", "no",
               "type", "status", "count")


def kind_from_header(column: str) -> str | None:
    """The kind a header names (phone = landline, or phone when the content mixes), or None.

    An exact synonym first; then the longest synonym the header ends with (客户联系电话 → 联系电话);
    then the longest one it contains, unless a qualifier follows it (客户编号, 电话类型 → None).
    Trailing digits are ignored (电话2)."""
    key = header_key(column)
    if not key:
        return None
    for kind, names in HEADER_SYNONYMS.items():
        if key in names:
            return kind
    ends = [(len(n), kind) for kind, names in HEADER_SYNONYMS.items() for n in names if len(n) >= 2 and key.endswith(n)]
    if ends:
        return max(ends)[1]
    best = None
    for kind, names in HEADER_SYNONYMS.items():
        for name in names:
            if len(name) >= 2 and name in key and (best is None or len(name) > len(best[1])):
                best = (kind, name)
    if best is None:
        return None
    rest = key[key.index(best[1]) + len(best[1]):]
    return None if any(q in rest for q in _QUALIFIERS) else best[0]


def validator(kind: str) -> Callable[[str], bool]:
    """A str → bool check for `kind` (content detection; the cleanse rules do the full work)."""
    if kind == "credit_code":
        from crmtool.cleanse.credit_code import is_credit_code_like
        return is_credit_code_like
    if kind == "id_number":
        from crmtool.cleanse.id_number import is_valid_id_number
        return is_valid_id_number
    if kind == "email":
        from crmtool.cleanse.email import is_valid_email
        return is_valid_email
    if kind in ("mobile", "landline", "phone"):
        from crmtool.cleanse.phone import is_valid_phone
        return lambda v: is_valid_phone(v, None if kind == "phone" else kind)
    if kind in ("date", "date+serial"):
        from crmtool.cleanse.date import is_valid_date
        return lambda v: is_valid_date(v, allow_serial=kind == "date+serial")
    if kind == "amount":
        from crmtool.cleanse.amount import is_valid_amount
        return is_valid_amount
    if kind == "company_name":
        from crmtool.cleanse.company_name import is_company_like
        return is_company_like
    if kind == "address":
        from crmtool.cleanse.address import is_address_like
        return is_address_like
    if kind == "person_name":
        from crmtool.cleanse.person_name import is_valid_person_name
        return is_valid_person_name
    return lambda v: True


def _sample(values: "pd.Series") -> "pd.Series":
    """Distinct non-empty values → their counts: the most frequent, plus a seeded random rest."""
    text = values.dropna().astype("string").str.strip()
    counts = text[text != ""].value_counts(sort=True)
    if len(counts) <= SAMPLE_TOP + SAMPLE_RANDOM:
        return counts
    rest = counts.iloc[SAMPLE_TOP:]
    picked = rest.sample(SAMPLE_RANDOM, random_state=0)
    # the random part stands for all of the rest: scale its counts so the shares stay unbiased
    picked = picked * (rest.sum() / picked.sum())
    import pandas as pd

    return pd.concat([counts.iloc[:SAMPLE_TOP], picked])


class _Scorer:
    """Valid shares per kind over one sample, computed once per kind."""

    def __init__(self, counts: "pd.Series"):
        self.counts = counts
        self.total = float(counts.sum())
        self._valid: dict[str, list[bool]] = {}

    def flags(self, kind: str) -> list[bool]:
        if kind not in self._valid:
            check = validator(kind)
            self._valid[kind] = [bool(_safe(check, v)) for v in self.counts.index]
        return self._valid[kind]

    def share(self, kind: str) -> float:
        if not self.total:
            return 0.0
        flags = self.flags(kind)
        return float(sum(c for c, ok in zip(self.counts.values, flags) if ok)) / self.total

    def invalid_examples(self, kind: str, n: int = 5) -> list[str]:
        if kind == "free_text":
            return []
        flags = self.flags(kind)
        bad = [(c, v) for v, c, ok in zip(self.counts.index, self.counts.values, flags) if not ok]
        bad.sort(key=lambda cv: -cv[0])
        return [str(v) for _, v in bad[:n]]


def _safe(check: Callable[[str], bool], value: str) -> bool:
    try:
        return check(value)
    except Exception:  # a detector must never fail a profile over one odd value
        return False


def _phone_kind(scorer: _Scorer) -> tuple[str, float]:
    """landline, mobile or phone (a mix) for a column of phone numbers."""
    mobile, landline, either = scorer.share("mobile"), scorer.share("landline"), scorer.share("phone")
    if either and mobile >= 0.9 * either:
        return "mobile", mobile
    if either and landline >= 0.9 * either:
        return "landline", landline
    return "phone", either


def detect_kind(column: str, values: "pd.Series") -> KindReport:
    """The kind of data in `values` (a column named `column`), how sure, and how much of it is valid."""
    header = kind_from_header(column)
    scorer = _Scorer(_sample(values))
    if not scorer.total:
        kind = header or "free_text"
        return KindReport(kind, 0.5 if header else 0.0, 1.0 if kind == "free_text" else 0.0, [], "header"
                          if header else "content")
    best_kind, best_share = _best_content(scorer)
    if header is not None:
        if header in ("phone", "mobile"):
            kind, share = _phone_kind(scorer)
            if header == "mobile" and kind == "phone":
                kind, share = "mobile", scorer.share("mobile")
        elif header == "date":  # a date column may hold Excel serial numbers
            kind, share = header, scorer.share("date+serial")
        else:
            kind, share = header, scorer.share(header)
        if best_kind and best_share >= 0.8 and share < 0.5 and best_kind != kind:
            return _report(scorer, best_kind, best_share, "content")
        if share >= 0.5:
            return _report(scorer, kind, share, "header+content", confidence=0.5 + 0.5 * share)
        return _report(scorer, kind, share, "header", confidence=0.3 + 0.3 * share)
    if best_kind and best_share >= 0.5:
        return _report(scorer, best_kind, best_share, "content")
    return KindReport("free_text", round(0.5 + 0.5 * (1 - best_share), 3), 1.0, [], "content")


def _best_content(scorer: _Scorer) -> tuple[str | None, float]:
    """The kind the content supports best: strict checks first; loose ones only when no strict fits."""
    shares = {k: scorer.share(k) for k in _STRICT}
    top = max(shares.values())
    if top >= 0.5:
        kind = next(k for k in _STRICT if shares[k] >= top - 0.05)  # tie-break by order
        if kind in ("mobile", "landline"):
            kind, top = _phone_kind(scorer)
        return kind, shares.get(kind, top)
    loose = {k: scorer.share(k) for k in _LOOSE}
    kind = max(loose, key=loose.get)
    return (kind, loose[kind]) if loose[kind] >= top else (max(shares, key=shares.get), top)


def _report(scorer: _Scorer, kind: str, share: float, by: str, confidence: float | None = None) -> KindReport:
    conf = share * 0.95 if confidence is None else confidence
    key = "date+serial" if kind == "date" and by != "content" else kind
    return KindReport(kind, round(min(max(conf, 0.0), 1.0), 3), share, scorer.invalid_examples(key), by)
