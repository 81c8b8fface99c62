"""The scan's fast credit-code check (kpi_uscc, DuckDB) is verify's check: same answer as
crmtool.validate.sql.uscc_sql and the cleanse module's is_valid_uscc on valid, corrupted and odd values."""

from __future__ import annotations

import random

import duckdb
import pytest

from crmtool.cleanse.credit_code import complete_uscc, is_valid_uscc
from crmtool.validate.kpi_uscc import hex_column, uscc_check, word_columns
from crmtool.validate.rules import USCC_CHARSET
from crmtool.validate.sql import uscc_sql


def codes(n: int = 6000, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    valid = [complete_uscc("".join(rnd.choice(USCC_CHARSET) for _ in range(2)) + f"{rnd.randrange(10**6):06d}"
                           + "".join(rnd.choice(USCC_CHARSET) for _ in range(8))) for _ in range(n)]
    out = list(valid)
    for code in valid[: n // 2]:
        k = rnd.randrange(18)  # one character changed: the checks must notice (or still pass, rarely)
        out.append(code[:k] + rnd.choice(USCC_CHARSET) + code[k + 1:])
        out.append(code[:16] + rnd.choice("0123456789X") + code[17])
        out.append(code[:17] + rnd.choice(USCC_CHARSET))
    odd = ["", "9144030071526726XG", "9144030071526726X", "91440300715267260I", "91440300MA5F12342Q ",
           " 91440300MA5F12342Q", "91440300ma5f12342q", "９１４４０３００ＭＡ５Ｆ１２３４２Ｑ", "华信科技有限公司华信科技",
           "ZZZZZZZZZZZZZZZZZZ", "000000000000000000", "91440300MA5F12342Z", "九一四四〇三〇〇"]
    return out + odd


@pytest.mark.parametrize("seed", [7, 8])
def test_fast_check_agrees_with_verify_and_python(seed):
    values = codes(seed=seed)
    con = duckdb.connect()
    con.execute("CREATE TABLE c AS SELECT unnest(?) AS x", [values])
    words = ", ".join(word_columns("h.w_hex", "w"))
    rows = con.execute(f"SELECT x, {uscc_check('x', 'w')}, {uscc_sql('x')} FROM "
                       f"(SELECT x, {words} FROM (SELECT x, {hex_column('x', 'w')} FROM c) AS h) AS z").fetchall()
    assert len(rows) == len(values)
    for value, fast, verify in rows:
        assert bool(fast) == bool(verify) == is_valid_uscc(value), value
    assert sum(bool(r[1]) for r in rows) >= len(values) // 3  # the set holds plenty of valid codes
