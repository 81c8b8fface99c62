"""crmtool.canon holds one definition per shared concept; every other form of it (SQL, a DuckDB Arrow
function, numpy, pandas, great-expectations' prepared frames, the map stage) gives the same answer."""

from __future__ import annotations

import random
import re

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crmtool.canon import blank, phone, placeholders, uscc

STANDARD = "91350100M000100Y43"  # the example code of GB 32100-2015


def _codes(n: int = 3000, seed: int = 11) -> list[str]:
    rnd = random.Random(seed)
    valid = [uscc.complete_uscc("".join(rnd.choice(uscc.USCC_CHARSET) for _ in range(2)) + f"{rnd.randrange(10**6):06d}"
                                + "".join(rnd.choice(uscc.USCC_CHARSET) for _ in range(8))) for _ in range(n)]
    changed = [c[:k] + rnd.choice(uscc.USCC_CHARSET) + c[k + 1:] for c in valid for k in [rnd.randrange(18)]]
    return valid + changed + [STANDARD, STANDARD[:17] + "4", "", "91350100M000100Y4", "9135010OM000100Y43"]


def test_uscc_definition_on_the_standards_example():
    assert uscc.is_valid_uscc(STANDARD)
    assert uscc.complete_uscc(STANDARD[:16]) == STANDARD
    assert uscc.org_code_check(STANDARD[8:16]) == STANDARD[16]
    assert uscc.uscc_check(STANDARD[:17]) == STANDARD[17]
    assert re.fullmatch(uscc.USCC_SHAPE, STANDARD) and not re.fullmatch(uscc.USCC_SHAPE, "9135010OM000100Y43")


def test_uscc_sql_and_arrow_function_are_translations_of_the_definition():
    from crmtool.validate.kpi_uscc import valid_codes
    from crmtool.validate.sql import uscc_sql

    codes = _codes()
    expected = [uscc.is_valid_uscc(c) for c in codes]
    assert 0.3 < sum(expected) / len(expected) < 0.7
    assert valid_codes(pa.array(codes)).to_pylist() == expected
    con = duckdb.connect()
    con.register("codes", pa.table({"v": codes, "i": list(range(len(codes)))}))
    sql = con.execute(f"SELECT {uscc_sql('v')} FROM codes ORDER BY i").fetchall()
    assert [bool(r[0]) for r in sql] == expected


def test_uscc_numpy_generator_and_cleanse_rule_follow_the_definition():
    from crmtool.cleanse.credit_code import check_credit_code
    from crmtool.synth.codes import build_codes, random_org_bodies

    rng = np.random.default_rng(3)
    n = 2000
    built = build_codes("9", rng.choice([1, 3], n), rng.integers(0, 10, (n, 6)), random_org_bodies(rng, n))
    assert all(uscc.is_valid_uscc(c) for c in built)
    assert all(uscc.complete_uscc(c[:16]) == c for c in built)
    wrong = STANDARD[:17] + ("4" if STANDARD[17] != "4" else "5")
    assert check_credit_code(STANDARD).valid and not check_credit_code(wrong).valid


BLANK_CASES = ["", " ", "\t\n", "\u3000", "\u00a0 \u3000", "\r\f\v", "a", " a ", "\u3000张\u3000", "\u2003", "0", "-",
               "\u200b", " \u2003 "]


def test_is_blank_definition():
    assert [blank.is_blank(v) for v in BLANK_CASES] == [
        True, True, True, True, True, True, False, False, False, False, False, False, False, False]
    assert blank.is_blank(None) and blank.is_blank(float("nan")) and blank.is_blank(pd.NA)
    assert not blank.is_blank(0)


def test_blank_in_sql_pandas_gx_and_the_map_stage_is_the_definition():
    """The map stage blanks what verify calls blank, and nothing else (they disagreed on Unicode spaces)."""
    from crmtool.validate.kpi_sql import Dialect
    from crmtool.validate.sql import blank_sql

    values = [*BLANK_CASES, None]
    expected = [blank.is_blank(v) for v in values]
    series = pd.Series(values, dtype="string")
    assert blank.blank_mask(series).tolist() == expected
    assert blank.blank_to_na(series).isna().tolist() == expected
    con = duckdb.connect()
    con.register("t", pa.table({"v": pa.array(values, pa.string()), "i": list(range(len(values)))}))
    assert [r[0] for r in con.execute(f"SELECT {blank_sql('v')} FROM t ORDER BY i").fetchall()] == expected
    cleaned = con.execute(f"SELECT {Dialect('duckdb').clean('v')} FROM t ORDER BY i").fetchall()
    assert [r[0] for r in cleaned] == [None if v is None else v.strip(blank.BLANK_CHARS) for v in values]


def test_the_map_stage_strip_transform_and_verify_agree_on_blank():
    from crmtool.mapper.fields import SIMPLE

    series = pd.Series(BLANK_CASES, dtype="string")
    stripped = SIMPLE["strip"](series)
    assert stripped.isna().tolist() == [blank.is_blank(v) for v in BLANK_CASES]
    assert stripped.dropna().tolist() == [v.strip(blank.BLANK_CHARS) for v in BLANK_CASES if not blank.is_blank(v)]


def test_every_default_filler_is_a_placeholder_by_the_pattern():
    for filler in placeholders.FILLERS:
        assert re.fullmatch(placeholders.FILLER_PATTERN, filler), filler
        assert placeholders.is_placeholder(filler)


def test_placeholders_in_the_profile_and_the_scan_are_the_definition():
    from crmtool.config.scan import ScanConfig
    from crmtool.profile.stats import cell_classes

    values = [*placeholders.PLACEHOLDER_WORDS, "N/A", " 无 ", "\u3000NULL", "0000-00-00", "xxx", "0", "无锡", "张三",
              "na na", "--x"]
    series = pd.Series(values, dtype="string")
    _, profiled = cell_classes(series)
    assert profiled.tolist() == [placeholders.is_placeholder(v) for v in values]
    assert profiled.sum() == len(placeholders.PLACEHOLDER_WORDS) + 5
    scan = set(ScanConfig().placeholder_values())
    assert {w.casefold() for w in placeholders.PLACEHOLDER_WORDS} <= scan
    assert all(placeholders.is_placeholder(v) for v in scan)


@pytest.mark.parametrize("raw", ["13812345678", "+86 138-1234-5678", "010-62345678", "(0755)8765 4321 转 808",
                                 "138 1234 5678；021-65432109", "0086 139 1234 5678"])
def test_cleanse_writes_phones_in_the_canonical_form(raw):
    from crmtool.cleanse.phone import check_phone

    out = check_phone(raw)
    assert out.valid and phone.is_canonical_phone(out.clean), out.clean


def test_canonical_phone_and_mobile_forms():
    assert phone.is_canonical_mobile("+8613812345678; +8613912345678")
    assert not phone.is_canonical_mobile("+861081234567")
    assert phone.is_canonical_phone("+861062345678;ext=808")
    assert not phone.is_canonical_phone("13812345678") and not phone.is_canonical_phone("+86 138 1234 5678")


def test_uscc_check_characters_in_numpy_equal_the_scalar_checks():
    codes = [c for c in _codes() if len(c) == 18 and all(ch in uscc.USCC_CHARSET for ch in c)]
    matrix = np.frombuffer("".join(codes).encode(), np.uint8).reshape(-1, 18)
    c17, c18 = uscc.check_characters(matrix)
    assert [chr(c) for c in c17] == [uscc.org_code_check(c[8:16]) for c in codes]
    assert [chr(c) for c in c18] == [uscc.uscc_check(c[:17]) for c in codes]
