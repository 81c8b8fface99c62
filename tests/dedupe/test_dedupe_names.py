"""The column-wise company-name keys (cleanse.company_name_columns) against the per-value parser
(cleanse.company_name.check_company_name through dedupe.keys.name_keys): for every name the fast path
handles, every attribute must be what the parser says; the test fails as soon as the two diverge."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crmtool.cleanse.company_name_columns import FIELDS, name_attributes
from crmtool.dedupe.keys import NAME_FIELDS, name_keys

TESTS = Path(__file__).resolve().parents[1]
_CJK = re.compile(r"[\u3400-\u9fff]")

# shapes at the edges of what the fast path takes, and of what it leaves to the parser
EDGES = [
    "北京华信科技有限公司", "华信（北京）科技有限公司", "華信科技有限公司", "华信科技", "華信(北京)科技有限公司",
    "北京 华信科技 有限公司", "北京华信　科技有限公司", "ＡＢＣ科技有限公司", "ABC科技有限公司", "abc Tech 科技",
    "ABC Tech有限公司", "华信 ABC 科技", "华信A B科技", "K8软件有限公司", "南京K8软件有限公司", "华信科技Ltd",
    "华信科技 Co., Ltd.", "华信（）科技有限公司", "华信()科技有限公司", "华信（（））科技有限公司", "华信( )科技",
    "（北京）华信科技有限公司", "华信（北京）（上海）科技有限公司", "华信（北京科技有限公司", "华信北京）科技有限公司",
    "华信（北京市朝阳区）科技有限公司", "华信（朝阳）科技有限公司", "华信（一二三四五六七八九十一二三）科技",
    "北京市有限公司", "北京市", "北京", "有限公司", "公司", "集团", "北京公司", "北京华信", "北京华",
    "广东省深圳市南山区华信科技有限公司", "广东深圳华信科技有限公司", "深圳市南山区科技园华信科技有限公司",
    "上海浦东发展银行", "浦东新区华信科技", "吉林华信科技有限公司", "吉林省吉林市华信科技有限公司", "西安华信科技",
    "北京朝阳华信科技有限公司", "北京市朝阳区华信科技有限公司", "朝阳区华信科技有限公司", "内蒙古华信科技有限公司",
    "内蒙古自治区呼和浩特市华信科技有限公司", "新疆维吾尔自治区华信", "华信科技（集团）有限公司", "华信科技集团有限公司",
    "华信科技合伙企业（有限合伙）", "华信科技（有限合伙）", "温州瑞丰服装个人独资企业", "北京光通信息技术股份公司",
    "华信科技有限公司北京分公司", "华信科技北京分公司", "北京华信科技有限公司上海分公司", "华信分公司", "分公司",
    "人民路88号", "人民路88号有限公司", "2020年1月", "12345", "１２３４５６７８", "华", "华1", "华信1", "1华信",
    "a华", "华a", "华信科技有限公司a", "華信科技（北京）有限公司", "华信科技（北京）", "（北京）", "北京（华信）",
    "华信\u4dc0科技", "华信\uf900科技", "华信·科技有限公司", "华信科技有限公司。", "华信科技-有限公司", "华信_科技",
    "中国工商银行北京分行", "华信科技有限公司驻广州办事处", "华信企业管理咨询海口分公司", "ＨＵＡＸＩＮ科技",
    "华信科技1Ltd", "华信8Inc", "华信8ＩＮＣ", "K8有限公司Corp",
]


def _literals(path: Path) -> list[str]:
    """Every string constant with a Chinese character in a test module: its hand-written cases."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
            and _CJK.search(n.value) and len(n.value) <= 60]


@cache
def _hand_vectors() -> tuple[str, ...]:
    values = list(EDGES)
    for module in ("cleanse/test_company_name_rules.py", "cleanse/test_names_addresses.py", "dedupe/test_dedupe_keys.py",
                   "dedupe/test_dedupe_rules.py", "dedupe/test_dedupe_evidence.py", "dedupe/test_dedupe_scale.py"):
        if (TESTS / module).exists():
            values += _literals(TESTS / module)
    values += pd.read_csv(TESTS / "dedupe" / "data" / "look_alikes.csv", dtype=str)["name"].dropna().tolist()
    return tuple(dict.fromkeys(v.strip() for v in values if v.strip()))


@cache
def _generated() -> tuple[str, ...]:
    from crmtool.synth.generate import generate_accounts

    names = []
    for n, seed, hard in ((20000, 21, True), (4000, 11, False)):
        records, _ = generate_accounts(n, seed=seed, hard=hard)
        names += records["name"].dropna().astype(str).str.strip().tolist()
    return tuple(dict.fromkeys(v for v in names if v))


def _compare(values: tuple[str, ...]) -> tuple[int, list]:
    rows, columns = name_attributes(pa.array(values, type=pa.string()))
    got = {f: columns[f].to_pylist() for f in FIELDS}
    wrong = []
    for i, row in enumerate(rows.tolist()):
        want = dict(zip(NAME_FIELDS, name_keys(values[row]), strict=True))
        fast = {"name_norm": got["name_norm"][i], "trade": got["trade"][i], "region": got["city"][i],
                "province": got["province"][i], "org_form": got["org_form"][i], "branch": got["branch"][i]}
        if fast != want:
            wrong.append((values[row], fast, want))
    return len(rows), wrong


def test_the_han_class_is_word_characters_that_lower_case_leaves():
    """The fast path's Chinese characters are what Python's \\w holds and .lower() leaves (the parser's
    name_key lower-cases and drops [\\W_])."""
    chars = [chr(c) for c in [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)]]
    assert all(re.fullmatch(r"\w", c) and c.lower() == c for c in chars)


def test_column_keys_equal_the_parser_on_the_hand_vectors():
    handled, wrong = _compare(_hand_vectors())
    assert not wrong, wrong[:5]
    assert handled >= 0.5 * len(_hand_vectors())


def test_column_keys_equal_the_parser_on_every_generated_name():
    """Every distinct name of the 20,000-record hard set (seed 21) and the 4,000-record default set."""
    values = _generated()
    handled, wrong = _compare(values)
    assert not wrong, wrong[:5]
    assert handled >= 0.9 * len(values)  # the fast path really takes the common shapes


@pytest.mark.parametrize("value", EDGES)
def test_each_edge_case_is_the_parsers_or_left_to_it(value):
    _, wrong = _compare((value,))
    assert not wrong, wrong


def test_record_name_keys_equal_name_keys_per_row():
    """dedupe.keys' name columns (fast path plus the parser for the rest, mapped back to rows, nulls and
    repeats included) are name_keys of each row's stripped name."""
    from crmtool.dedupe.keys import _name_columns

    values = list(_hand_vectors()[:200]) + list(_generated()[:2000])
    cells = pd.Series(values + [None, values[0], values[-1]], dtype="string")
    columns = _name_columns(cells.str.strip().replace("", pd.NA))
    got = list(zip(*(c.to_pylist() for c in columns), strict=True))
    want = [name_keys(v) if isinstance(v, str) else (None,) * len(NAME_FIELDS) for v in cells.tolist()]
    assert got == want


def test_no_names_and_only_parser_names():
    from crmtool.dedupe.keys import _name_columns

    for cells in (pd.Series([None, None], dtype="string"), pd.Series(["华信科技有限公司北京分公司"], dtype="string")):
        got = list(zip(*(c.to_pylist() for c in _name_columns(cells)), strict=True))
        assert got == [name_keys(v) if isinstance(v, str) else (None,) * 6 for v in cells.tolist()]
    rows, columns = name_attributes(pa.array([], type=pa.string()))
    assert len(rows) == 0 and all(len(c) == 0 for c in columns.values())
    assert np.asarray(rows).dtype.kind == "i"
