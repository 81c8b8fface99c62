"""Person names: Chinese (2-4 characters, compound surnames, the ·/• of minority names) or Latin.

Titles stuck to a name in CRM exports (张三先生, 李经理, 王总) are split off into `title`; the
surname is recognised for Chinese names (compound surnames first).
"""

from __future__ import annotations

import re

from crmtool.cleanse.text import basic, to_simplified
from crmtool.cleanse.rule import CONTENT, Finding, Outcome
from crmtool.issues import Severity

ATTRIBUTES = ("surname", "title", "script")

COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "公孙", "慕容", "尉迟", "长孙", "宇文",
             "司徒", "夏侯", "轩辕", "端木", "独孤", "南宫", "西门", "澹台", "申屠", "闻人", "赫连", "呼延", "钟离")
# Single-character surnames of the 百家姓 and the most common modern ones (covers > 95 % of people).
SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎"
    "鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康伍余元卜顾孟平黄"
    "和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭"
    "梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗丁宣贲邓郁单杭洪包诸左石崔吉钮龚"
    "程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫"
    "宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴郁胥能苍双"
    "闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍却璩桑桂濮牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容"
    "向古易慎戈廖庾终暨居衡步都耿满弘匡国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空"
    "曾毋沙乜养鞠须丰巢关蒯相查后荆红游竺权逯盖益桓公覃付仝揭佘兰谌晋笪卿琚区"
)
_TITLES = ("先生", "女士", "小姐", "经理", "总经理", "副总经理", "副总", "董事长", "董事", "主任", "老师", "教授",
           "博士", "总监", "主管", "老板", "老板娘", "师傅", "律师", "医生", "会计", "工", "总", "董", "总裁", "科长",
           "处长", "局长", "部长", "书记", "院长", "校长", "厂长", "站长", "所长", "助理", "秘书", "专员", "工程师",
           "姐", "哥", "阿姨", "叔")
# 老张, 小王, 阿李: what colleagues call someone, not a name.
_FAMILIAR = ("老", "小", "阿")
_NOTE = re.compile(r"\s*[(（]([^()（）]{1,8})[)）]$")
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0002ebef"
_CHINESE = re.compile(rf"[{_HAN}]{{1,6}}(?:·[{_HAN}]{{1,10}})*")
_LATIN = re.compile(r"[A-Za-z][A-Za-z'\-.]*(?: [A-Za-z][A-Za-z'\-.]*){0,4}")
_DOTS = re.compile(r"\s*[•・．.·‧∙]\s*")


def _split_title(name: str) -> tuple[str, str | None]:
    for title in sorted(_TITLES, key=len, reverse=True):
        if name.endswith(title) and len(name) - len(title) >= 1:
            return name[: -len(title)], title
    return name, None


def _cut_note(text: str, findings: list[Finding]) -> tuple[str, bool]:
    """张伟（采购）→ 张伟: a role or department in brackets after the name goes to an info issue."""
    m = _NOTE.search(text)
    if m is None or m.start() < 2:
        return text, False
    findings.append(Finding("person_name.note", Severity.INFO, f"note {m.group(1)} cut off", text[: m.start()]))
    return text[: m.start()], True


def _not_a_full_name(text: str, title: str | None, base: str) -> Finding | None:
    """王总, 李先生 (a surname and a title), 老张, 小王 (a familiar form): a person, but no usable name."""
    if title and (len(base) == 1 or base in COMPOUND_SURNAMES):
        return Finding("person_name.surname_only", Severity.ERROR,
                       f"only a surname and a title ({title}): ask for the full name")
    if text[:1] in _FAMILIAR and (text[1:] in SURNAMES or text[1:] in COMPOUND_SURNAMES):
        return Finding("person_name.surname_only", Severity.ERROR,
                       f"{text} is a familiar form of a surname, not a name: ask for the full name")
    return None


def _several_people(text: str) -> bool:
    """张伟 李娜: two full names with a space between (张 伟, 欧阳 娜娜 and 王 小明 are one person spaced)."""
    parts = text.split(" ")
    return len(parts) > 1 and all(len(p) >= 2 and (p[0] in SURNAMES or p[:2] in COMPOUND_SURNAMES) for p in parts) and \
        parts[0] not in COMPOUND_SURNAMES


def check_person_name(value: str) -> Outcome:
    text = basic(value)
    findings: list[Finding] = []
    if re.search(f"[{_HAN}]", text) and _several_people(text):
        return Outcome(None, False, {}, [Finding("person_name.format", Severity.ERROR,
                                                 "several people in one cell: keep one contact per row")])
    if re.search(f"[{_HAN}]", text):
        written = _DOTS.sub("·", text.replace(" ", ""))
        text = to_simplified(written)
        if text != written:
            findings.append(Finding("person_name.traditional", Severity.INFO, "traditional characters simplified", text))
        text, noted = _cut_note(text, findings)
        base, title = _split_title(text)
        if problem := _not_a_full_name(text, title, base):
            return Outcome(None, False, {}, [problem])
        if title and len(base) >= 2:
            findings.append(Finding("person_name.title", Severity.INFO, f"title {title} split off", base))
            text = base
        else:
            title = None
        if not _CHINESE.fullmatch(text) or len(text.replace("·", "")) < 2:
            return Outcome(None, False, {}, [Finding("person_name.format", Severity.ERROR, "not a person's name")])
        if "·" not in text and len(text) > 4:
            findings.append(Finding("person_name.long", Severity.WARNING, "unusually long for a Chinese name"))
        surname = next((c for c in COMPOUND_SURNAMES if text.startswith(c) and len(text) > 2), text[0])
        if "·" not in text and surname not in SURNAMES and surname not in COMPOUND_SURNAMES:
            findings.append(Finding("person_name.unknown_surname", Severity.INFO,
                                    f"{surname} is not a common Chinese surname"))
        content = title is not None or noted or written != to_simplified(written)
        return Outcome(text, True, {"surname": surname, "title": title, "script": "han"}, findings,
                       CONTENT if content else None)
    if _LATIN.fullmatch(text) and any(c.isalpha() for c in text):
        clean = text.title() if text.isupper() or text.islower() else text
        return Outcome(clean, True, {"surname": None, "title": None, "script": "latin"}, findings)
    return Outcome(None, False, {}, [Finding("person_name.format", Severity.ERROR, "not a person's name")])


def is_valid_person_name(value: str) -> bool:
    """Valid and, for a Chinese name, with a known surname (column detection: 好的 is not a name)."""
    out = check_person_name(value)
    if not out.valid:
        return False
    if out.attrs.get("script") == "latin":  # "ok", "test": a single Latin word is rarely a name
        return " " in out.clean
    return "person_name.unknown_surname" not in {f.rule for f in out.findings}


def cleanse_person_name(table, column: str):
    from crmtool.cleanse.rule import run_rule

    return run_rule(table, column, check_person_name, ATTRIBUTES)
