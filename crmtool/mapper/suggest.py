"""`crmtool init`: draft mapping files from the sources themselves.

Each source column is matched to a field of the object by its header (the field's label and name,
the synonyms below, and crmtool.cleanse.detect's header synonyms) and by its content (detect_kind: a
column whose values are valid credit codes is a credit code, whatever its header says). Every
suggestion carries a confidence, written as a YAML comment beside it; columns that fit no field are
listed as comments. The external id comes from an id-like column (客户编号, 编码, ID …) that is unique
in the data, or is generated with the `hash` transform over the columns that identify a record
(company name, credit code, person name, mobile), which the draft says in a comment.

The object is given (`--object`) or guessed per table: the sheet's (else the file's) name naming an
object (客户清单 → accounts, 联系人 → contacts), plus how well the columns fit each object's fields.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from crmtool.cleanse.detect import header_key

if TYPE_CHECKING:
    import pandas as pd

    from crmtool.model import FieldDef, ObjectDef, ObjectModel

# Headers for fields that no content kind identifies (keys are field names, across objects).
FIELD_SYNONYMS: dict[str, tuple[str, ...]] = {
    "province": ("省份", "省", "所在省份", "所在省", "省市"),
    "city": ("城市", "市", "所在城市", "地市", "所在地市"),
    "industry": ("行业", "所属行业", "行业类别", "行业分类", "industry"),
    "level": ("客户等级", "等级", "级别", "客户级别", "客户分级", "level", "tier"),
    "owner": ("负责人", "客户经理", "销售", "业务员", "销售负责人", "跟进人", "所属销售", "销售人员", "owner"),
    "website": ("网站", "官网", "网址", "主页", "公司网站", "website", "url"),
    "employees": ("员工人数", "人数", "员工数", "职工人数", "employees"),
    "annual_revenue": ("年营业额", "营业额", "年收入", "营收", "年销售额", "revenue"),
    "source_system": ("来源系统", "系统来源"),
    "created_at": ("创建日期", "创建时间", "建档日期", "建档时间", "录入日期", "录入时间", "登记日期", "createdat",
                   "createddate", "created"),
    "updated_at": ("更新时间", "修改时间", "最后更新", "最后修改时间", "更新日期", "updatedat", "modified"),
    "title": ("职务", "职位", "岗位", "头衔", "title", "position"),
    "department": ("部门", "所属部门", "department"),
    "source": ("来源", "线索来源", "渠道", "获客渠道", "来源渠道", "source", "channel"),
    "status": ("状态", "线索状态", "status"),
    "stage": ("阶段", "销售阶段", "商机阶段", "stage"),
    "amount": ("金额", "商机金额", "预计金额", "合同金额", "amount"),
    "probability": ("赢率", "成交概率", "概率", "probability"),
    "close_date": ("预计成交日期", "成交日期", "预计签约日期", "closedate"),
}

# Common words for picklist values, by field: a value the data spells another way gets the allowed value
# suggested in the draft's value map (互联网 → 信息技术), for the consultant to confirm.
VALUE_SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "industry": {
        "信息技术": ("互联网", "软件", "软件开发", "it", "计算机", "通信", "电子商务", "电商", "信息服务", "科技", "人工智能",
                 "软件和信息技术服务业", "信息传输、软件和信息技术服务业"),
        "制造业": ("制造", "工业", "机械", "机械制造", "电子制造", "汽车制造", "化工", "加工"),
        "批发零售": ("批发", "零售", "贸易", "商贸", "批发和零售业", "进出口"),
        "金融": ("金融业", "银行", "保险", "证券", "投资", "基金", "信托"),
        "房地产": ("房地产业", "地产", "物业", "物业管理"),
        "建筑": ("建筑业", "建设", "工程", "施工", "装修", "装饰"),
        "教育": ("培训", "教育培训", "学校"),
        "医疗健康": ("医疗", "医药", "生物医药", "医院", "卫生", "健康", "卫生和社会工作"),
        "物流": ("运输", "仓储", "快递", "货运", "交通运输", "交通运输、仓储和邮政业"),
        "能源": ("电力", "石油", "燃气", "新能源", "光伏", "煤炭"),
        "农业": ("农林牧渔", "农林牧渔业", "种植", "养殖", "林业", "渔业"),
        "服务业": ("餐饮", "酒店", "住宿", "咨询", "广告", "文化", "旅游", "商务服务", "租赁和商务服务业"),
    },
    "source": {
        "展会": ("会展", "展览"), "官网": ("网站", "官方网站", "网络"), "电话营销": ("电销", "电话"),
        "渠道": ("代理", "代理商", "经销商", "合作伙伴"), "转介绍": ("介绍", "推荐", "老客户介绍", "客户推荐"),
        "广告": ("投放", "推广", "搜索引擎", "百度"),
    },
}
KINDS_NAMED_BY_HEADER = ("credit_code", "email", "id_number", "mobile", "phone")
"""Kinds whose header words (crmtool.cleanse.detect.HEADER_SYNONYMS) name a field of that type outright:
纳税人识别号 is the credit-code field even when the codes in the column are damaged."""
MULTI_VALUE_TYPES = ("phone",)
"""Field types whose cell holds several values ("; "-joined), so two source columns can feed one field."""

# Object names in sheet and file names.
OBJECT_WORDS: dict[str, tuple[str, ...]] = {
    "accounts": ("客户", "account", "customer", "公司名录", "企业名录"),
    "contacts": ("联系人", "contact"),
    "leads": ("线索", "lead", "潜在客户"),
    "opportunities": ("商机", "opportunit", "机会", "项目"),
}

# How well a column kind (crmtool.cleanse.detect) fits a field type.
KIND_FIT: dict[str, dict[str, float]] = {
    "company_name": {"company_name": 1.0}, "credit_code": {"credit_code": 1.0},
    "mobile": {"mobile": 1.0, "phone": 0.85}, "landline": {"phone": 1.0, "mobile": 0.5},
    "phone": {"phone": 1.0, "mobile": 0.85}, "email": {"email": 1.0}, "date": {"date": 1.0, "datetime": 0.9},
    "amount": {"decimal": 1.0, "integer": 0.6}, "person_name": {"person_name": 1.0}, "address": {"address": 1.0},
    "id_number": {"id_number": 1.0},
}
KIND_TYPES = {t for fits in KIND_FIT.values() for t in fits}
STRICT_KINDS = ("credit_code", "id_number", "email", "mobile", "landline", "phone", "date")
IDENTITY_TYPES = ("company_name", "credit_code", "person_name", "mobile")
_ID_HEADER = re.compile(r"(编号|编码|代码|代号|号码|序号|id|no|code|key)$", re.IGNORECASE)
MIN_SCORE = 0.4


@dataclass
class Suggestion:
    field: str
    columns: list[str]
    transforms: list = field(default_factory=list)
    confidence: float = 0.0
    by: str = "header"
    note: str = ""
    relationship: dict | None = None
    value_map: dict[str, str] | None = None
    unmapped_values: list[str] = field(default_factory=list)


@dataclass
class Draft:
    """A drafted mapping of one table to one object."""

    source: str
    sheet: str | None
    object: str
    object_reason: str
    rows: int
    header_row: int | None
    encoding: str | None
    fields: list[Suggestion]
    unmatched: list[dict]
    missing_required: list[str]
    path: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


# ----------------------------------------------------------------------------------------------- matching


def header_names(name: str, fdef: "FieldDef") -> set[str]:
    from crmtool.cleanse.detect import HEADER_SYNONYMS

    names = {header_key(name), *(header_key(s) for s in FIELD_SYNONYMS.get(name, ()))}
    if fdef.label:
        names.add(header_key(fdef.label))
    if fdef.type in KINDS_NAMED_BY_HEADER:
        names.update(header_key(s) for s in HEADER_SYNONYMS.get(fdef.type, ()))
    return {n for n in names if n}


@dataclass
class ColumnInfo:
    column: str
    kind: str | None
    confidence: float
    by: str
    unique: bool
    filled: int


def column_info(table: "pd.DataFrame", column: str) -> ColumnInfo:
    """The column's kind by header and content; a strict content kind overrules a free-text header."""
    from crmtool.cleanse.detect import detect_kind

    values = table[column]
    report = detect_kind(str(column), values)
    kind, confidence, by = report.kind, report.confidence, report.by
    if by == "header" and report.valid_share == 0 and report.invalid_examples:
        kind = "free_text"  # 重要客户 holding 是/否: a header word that no value bears out is no kind
    if kind == "free_text" or report.valid_share < 0.5:
        content = detect_kind("", values)
        if content.kind in STRICT_KINDS and content.valid_share >= 0.8:
            kind, confidence, by = content.kind, content.confidence, "content"
    text = values.dropna().astype("string").str.strip()
    text = text[text != ""]
    unique = bool(len(text)) and text.nunique() == len(text)
    return ColumnInfo(str(column), None if kind == "free_text" else kind, round(float(confidence), 3), by, unique,
                      int(len(text)))


def score(info: ColumnInfo, name: str, fdef: "FieldDef", obj: "ObjectDef") -> tuple[float, str, dict | None]:
    """(score, how, relationship) of a column for a field; 0 when it does not fit."""
    header = header_key(info.column)
    names = header_names(name, fdef)
    if header in names:
        expected = [k for k, fits in KIND_FIT.items() if fdef.type in fits]
        if expected and info.kind and info.kind not in expected:
            return 0.7, f"header, but the content looks like {info.kind}", _reference(name, fdef, info)
        return 0.95, "header", _reference(name, fdef, info)
    if fdef.type == "reference":
        rel = _reference(name, fdef, info)
        return (info.confidence * 0.9, info.by, rel) if rel else (0.0, "", None)
    fit = KIND_FIT.get(info.kind or "", {}).get(fdef.type, 0.0)
    if fit:
        bonus = 0.02 if any(header.endswith(n) for n in names if len(n) >= 2) else 0.0
        return round(info.confidence * fit + bonus, 3), info.by, None
    if any(len(n) >= 2 and header.endswith(n) for n in names) and fdef.type not in KIND_TYPES:
        return 0.6, "header (partial)", None
    return 0.0, "", None


def _reference(name: str, fdef: "FieldDef", info: ColumnInfo) -> dict | None:
    """A relationship for a reference field from a company-name or credit-code column."""
    if fdef.type != "reference":
        return None
    by = {"company_name": "name", "credit_code": "credit_code"}.get(info.kind or "")
    return {"object": fdef.to, "by": by, "from": info.column} if by else None


def rule_for_field(fdef: "FieldDef", info: ColumnInfo | None) -> list[str]:
    """The cleanse transform a field of this type gets in a draft."""
    rules = {"company_name": "company_name", "credit_code": "credit_code", "email": "email",
             "person_name": "person_name", "address": "address", "id_number": "id_number", "date": "date",
             "datetime": "date", "decimal": "amount", "phone": "phone"}
    if fdef.type == "mobile":
        return ["mobile" if info is None or info.kind in (None, "mobile") else "phone"]
    return [rules[fdef.type]] if fdef.type in rules else (["strip"] if fdef.type in ("string", "text", "picklist") else [])


def id_like(info: ColumnInfo) -> bool:
    return bool(_ID_HEADER.search(header_key(info.column))) and info.kind in (None, "amount")


def id_owner(column: str, model: "ObjectModel") -> str | None:
    """The object an id column's name points at (客户编号 → accounts, 联系人ID → contacts), if any."""
    head = _ID_HEADER.sub("", header_key(column))
    for name in model.names():
        words = [header_key(w) for w in OBJECT_WORDS.get(name, ())] + [header_key(model[name].label or "")]
        if any(w and head.endswith(w) for w in words):
            return name
    return None


def suggest(table: "pd.DataFrame", model: "ObjectModel", object_name: str, infos: list[ColumnInfo] | None = None
            ) -> tuple[list[Suggestion], list[dict], list[str]]:
    """(suggestions, unmatched columns, required fields left unmapped) for a table and an object."""
    infos = infos if infos is not None else [column_info(table, c) for c in data_columns(table)]
    obj = model[object_name]
    taken_fields: dict[str, Suggestion] = {}
    taken_columns: set[str] = set()
    ext = obj.external_id
    _external_id_from_column(infos, model, object_name, taken_fields, taken_columns)
    candidates = []
    for order, info in enumerate(infos):
        if info.column in taken_columns:
            continue
        for name, fdef in obj.fields.items():
            if name == ext:
                continue
            value, how, rel = score(info, name, fdef, obj)
            if value >= MIN_SCORE:
                candidates.append((value, -order, name, info, how, rel))
    also: dict[str, list[str]] = {}
    for value, _, name, info, how, rel in sorted(candidates, key=lambda c: (c[0], c[1]), reverse=True):
        if info.column in taken_columns:
            continue
        if name in taken_fields:
            also.setdefault(info.column, []).append(name)
            continue
        fdef = obj.fields[name]
        transforms = [] if rel else rule_for_field(fdef, info)
        note = f"{how}: {info.kind}" if info.kind and how != "header" else how
        taken_fields[name] = Suggestion(name, [info.column], transforms, round(min(value, 1.0), 2), how, note, rel)
        taken_columns.add(info.column)
    _join_multi_value_columns(infos, obj, taken_fields, taken_columns, also)
    if ext not in taken_fields:
        taken_fields[ext] = _generated_id(obj, taken_fields, [i.column for i in infos])
    for s in taken_fields.values():
        if obj.fields[s.field].type == "picklist":
            _picklist_values(table, s, obj.fields[s.field])
    ordered = [taken_fields[n] for n in obj.fields if n in taken_fields]
    unmatched = [{"column": i.column, "kind": i.kind, "could_be": also.get(i.column, [])}
                 for i in infos if i.column not in taken_columns]
    missing = [n for n in obj.required_fields if n not in taken_fields]
    return ordered, unmatched, missing


def _join_multi_value_columns(infos: list[ColumnInfo], obj: "ObjectDef", taken_fields: dict[str, Suggestion],
                              taken_columns: set, also: dict[str, list[str]]) -> None:
    """A column left over, under the same merged header as the column a field holding several values
    took (联系方式 and 联系方式_2, or 联系方式/手机 and 联系方式/座机), joins that field: `from: [both]`,
    concatenated with "; " before the rule. Columns with headers of their own stay apart."""
    for info in infos:
        if info.column in taken_columns:
            continue
        for name in also.get(info.column, []):
            s = taken_fields[name]
            same_group = any(_header_group(c) == _header_group(info.column) for c in s.columns)
            if obj.fields[name].type in MULTI_VALUE_TYPES and not s.relationship and same_group:
                rules = [t for t in s.transforms if not isinstance(t, dict)]
                s.columns.append(info.column)
                s.transforms = [{"concat": {"sep": "; "}}, *rules]
                s.note = f"{s.note}; {info.column} joined ({info.kind})"
                taken_columns.add(info.column)
                break


def _header_group(column: str) -> str:
    """The merged header a column was named under by crmtool.read (联系方式/手机, 联系方式_2 → 联系方式)."""
    return re.sub(r"_\d+$", "", str(column).split("/")[0])


def _external_id_from_column(infos: list[ColumnInfo], model: "ObjectModel", object_name: str,
                             taken_fields: dict, taken_columns: set) -> None:
    """客户编号 → the external id of accounts; in a contacts table, a reference to accounts by id."""
    obj = model[object_name]
    own = [i for i in infos if id_like(i) and id_owner(i.column, model) in (object_name, None)]
    own.sort(key=lambda i: (id_owner(i.column, model) != object_name, not i.unique))
    if own:
        best = own[0]
        confidence = 0.9 if best.unique else 0.6
        note = "id column" + ("" if best.unique else ": NOT unique in the data, check it")
        taken_fields[obj.external_id] = Suggestion(obj.external_id, [best.column], ["strip"], confidence, "id column",
                                                   note)
        taken_columns.add(best.column)
    for info in infos:
        owner = id_owner(info.column, model) if id_like(info) else None
        if info.column in taken_columns or owner in (None, object_name):
            continue
        for name, target in obj.references.items():
            if target == owner and name not in taken_fields:
                taken_fields[name] = Suggestion(name, [info.column], [], 0.8, "id column", f"{owner} id column",
                                                {"object": owner, "by": "external_id", "from": info.column})
                taken_columns.add(info.column)
                break


def _generated_id(obj: "ObjectDef", taken: dict[str, Suggestion], all_columns: list[str]) -> Suggestion:
    """The external id as a hash over the columns that identify a record."""
    columns: list[str] = []
    for s in taken.values():
        ftype = obj.fields[s.field].type
        by_name = s.relationship and s.relationship.get("by") == "name"
        if ftype in IDENTITY_TYPES or by_name:
            columns.extend(c for c in s.columns if c not in columns)
    order = {t: i for i, t in enumerate(IDENTITY_TYPES)}
    columns.sort(key=lambda c: next((order.get(obj.fields[s.field].type, -1) for s in taken.values()
                                     if c in s.columns), 9))
    if not columns:
        columns = [c for s in taken.values() for c in s.columns][:3] or all_columns[:3]
    transforms: list = [{"concat": {"sep": "|"}}, "hash"] if len(columns) > 1 else ["hash"]
    note = (f"no id column: generated as a stable hash of {' + '.join(columns)}" if columns
            else "no column to make an id from")
    return Suggestion(obj.external_id, columns, transforms if columns else [], 0.5 if columns else 0.0, "generated",
                      note)


def _picklist_values(table: "pd.DataFrame", s: Suggestion, fdef: "FieldDef") -> None:
    """A value map for the data's values outside the picklist, where a close allowed value exists."""
    from crmtool.cleanse.picklist import Picklist

    picklist = Picklist(allowed=fdef.values or [])
    values = table[s.columns[0]].dropna().astype("string").str.strip()
    mapped, unmapped = {}, []
    for value in values[values != ""].value_counts().index.tolist():
        if picklist.check(value).valid:
            continue
        near = picklist.suggest(value) or _value_synonym(s.field, value, fdef.values or [])
        if near:
            mapped[value] = near
        else:
            unmapped.append(value)
    s.value_map = mapped or None
    s.unmapped_values = unmapped


def _value_synonym(field: str, value: str, allowed: Sequence[str]) -> str | None:
    """The allowed value that VALUE_SYNONYMS gives for `value` (compared as picklist keys)."""
    from crmtool.cleanse.picklist import picklist_key

    key = picklist_key(value)
    return next((target for target, words in VALUE_SYNONYMS.get(field, {}).items()
                 if target in allowed and key in {picklist_key(w) for w in words}), None)


def data_columns(table: "pd.DataFrame") -> list[str]:
    from crmtool.issues import PROVENANCE

    return [str(c) for c in table.columns if c not in PROVENANCE]


def guess_object(infos: list[ColumnInfo], model: "ObjectModel", names: Sequence[str]) -> tuple[str, str]:
    """(object, why): a table name that names an object wins; the columns decide between the rest."""
    named = []
    for text in names:
        key = header_key(text or "")
        named = [o for o in model.names() if any(header_key(w) in key for w in [*OBJECT_WORDS.get(o, ()), model[o].label or ""]
                                                 if header_key(w))]
        if named:
            break
    fits = {}
    for name in model.names():
        obj = model[name]
        best: dict[str, float] = {}
        for info in infos:
            for fname, fdef in obj.fields.items():
                value = score(info, fname, fdef, obj)[0]
                if value >= MIN_SCORE:
                    best[fname] = max(best.get(fname, 0.0), value)
        fits[name] = sum(best.values())
    pool = [o for o in named if o in fits] or list(fits)
    choice = max(pool, key=lambda o: (fits[o], -model.names().index(o)))
    why = (f"named by {names[0] if named else ''}".strip() if named and len(named) == 1 else
           f"columns fit {choice} best ({fits[choice]:.1f} vs " +
           ", ".join(f"{o} {fits[o]:.1f}" for o in fits if o != choice) + ")")
    return choice, why


# ----------------------------------------------------------------------------------------------- drafts


def draft_table(read, model: "ObjectModel", object_name: str | None = None) -> Draft:
    """A draft mapping for one read table (crmtool.read.ReadResult)."""
    table = read.table
    infos = [column_info(table, c) for c in data_columns(table)]
    sheet = read.info.get("sheet") or None
    if object_name is None:
        object_name, why = guess_object(infos, model, [sheet or "", Path(read.info.get("path", "")).stem])
    else:
        why = "given with --object"
    fields, unmatched, missing = suggest(table, model, object_name, infos)
    headers = read.info.get("header_rows") or []
    return Draft(str(read.info.get("path")), sheet, object_name, why, len(table), headers[-1] if headers else None,
                 read.info.get("encoding"), fields, unmatched, missing)
