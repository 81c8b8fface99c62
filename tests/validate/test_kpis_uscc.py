"""The scan's vectorised credit-code check (kpi_uscc, DuckDB) is verify's check: same answer as
crmtool.validate.sql.uscc_sql and the cleanse module's is_valid_uscc on valid, corrupted and odd values,
as a plain function and inside DuckDB (vectors of several sizes, CASE branches, NULLs)."""

from __future__ import annotations

import random

import duckdb
import pyarrow as pa
import pytest

from crmtool.canon.uscc import USCC_CHARSET, complete_uscc, is_valid_uscc
from crmtool.validate.kpi_uscc import USCC_FUNCTION, register, valid_codes
from crmtool.validate.sql import uscc_sql

STANDARD = "91350100M000100Y43"  # the example code of GB 32100-2015
ODD = ["", "9144030071526726XG", "9144030071526726X", "91440300715267260I", "91440300MA5F12342Q ",
       " 91440300MA5F12342Q", "91440300ma5f12342q", "９１４４０３００ＭＡ５Ｆ１２３４２Ｑ", "华信科技有限公司华信科技",
       "ZZZZZZZZZZZZZZZZZZ", "000000000000000000", "91440300MA5F12342Z", "九一四四〇三〇〇", STANDARD + "0",
       "91350100M000100Y4", "91350100M000100Y4Z", "91350100M000100Y4Y", "9135010OM000100Y43", "91350100I000100Y43",
       "913501华M000100Y43"]


def codes(n: int = 6000, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    valid = [complete_uscc("".join(rnd.choice(USCC_CHARSET) for _ in range(2)) + f"{rnd.randrange(10**6):06d}"
                           + "".join(rnd.choice(USCC_CHARSET) for _ in range(8))) for _ in range(n)]
    out = list(valid)
    for code in valid[: n // 2]:
        k = rnd.randrange(18)  # one character changed: the checks must notice (or still pass, rarely)
        out.append(code[:k] + rnd.choice(USCC_CHARSET + "IOSVZa") + code[k + 1:])
        out.append(code[:16] + rnd.choice("0123456789X") + code[17])
        out.append(code[:17] + rnd.choice(USCC_CHARSET))
    return out + ODD


def test_the_standards_example_and_its_wrong_check_characters():
    wrong17 = [STANDARD[:16] + c + STANDARD[17] for c in "0123456789X" if c != STANDARD[16]]
    wrong18 = [STANDARD[:17] + c for c in USCC_CHARSET if c != STANDARD[17]]
    result = valid_codes(pa.array([STANDARD, *wrong17, *wrong18])).to_pylist()
    assert result == [True] + [False] * (len(wrong17) + len(wrong18))


@pytest.mark.parametrize("seed", [7, 8])
def test_function_agrees_with_python_on_every_arrow_layout(seed):
    values = codes(seed=seed) + [None]
    expected = [v is not None and is_valid_uscc(v) for v in values]
    assert sum(expected) >= len(values) // 3  # plenty of valid codes, and plenty of invalid ones
    assert valid_codes(pa.array(values)).to_pylist() == expected
    assert valid_codes(pa.array(values, pa.large_string())).to_pylist() == expected
    assert valid_codes(pa.array(values, pa.string_view())).to_pylist() == expected
    assert valid_codes(pa.array(values).slice(3)).to_pylist() == expected[3:]
    assert valid_codes(pa.chunked_array([values[:101], values[101:]])).to_pylist() == expected
    assert valid_codes(pa.array([None, None], pa.string())).to_pylist() == [False, False]


@pytest.mark.parametrize("seed", [7, 8])
def test_function_in_duckdb_agrees_with_verify_sql(seed):
    values = codes(seed=seed) + [None, "-"]
    con = duckdb.connect()
    assert register(con) == USCC_FUNCTION == register(con)  # registering twice is harmless
    con.execute("CREATE TABLE c AS SELECT unnest(?) AS x", [values])
    rows = con.execute(f"SELECT x, {USCC_FUNCTION}(x), {uscc_sql('x')}, "
                       f"CASE WHEN x IS NULL OR x = '-' THEN FALSE ELSE {USCC_FUNCTION}(x) END FROM c").fetchall()
    assert len(rows) == len(values)
    for value, fast, verify, in_case in rows:
        expected = value is not None and is_valid_uscc(value)
        assert bool(fast) == bool(verify) == bool(in_case) == expected, value


def test_the_kpi_statement_of_a_duckdb_store_uses_the_function():
    import pandas as pd

    from crmtool.model import load_object_model
    from crmtool.validate.kpi_sql import object_query
    from crmtool.validate.kpis import frame_kpis, store_source
    from crmtool.validate.scan_store import DuckDBStore

    model = load_object_model()
    wrong = STANDARD[:17] + "4"
    frame = pd.DataFrame({"account_id": ["A1", "A2", "A3", "A4"], "name": ["甲公司", "乙公司", "丙公司", "丁公司"],
                          "credit_code": [STANDARD, wrong, "-", STANDARD.lower()]}).astype("string")
    with DuckDBStore.of_frames({"accounts": frame}) as store:
        source = store_source(store, model, "accounts")
        sql, _ = object_query("accounts", model["accounts"], source, "duckdb", placeholders=["-"])
    assert source.uscc_function == USCC_FUNCTION and f"{USCC_FUNCTION}(" in sql
    kpis = frame_kpis(frame, model["accounts"], "accounts")
    assert kpis["fields"]["credit_code"]["validity"] == round(1 / 3, 6)  # 3 present, 1 valid
