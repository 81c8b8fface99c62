"""Cleanse rules over all-distinct columns: the column-wise pass beside the per-value path, one run.

    python bench/bench_cleanse_vector.py [--values 1000000] [--seed 5] [--compare] [--markdown]

For phone, credit_code, email and company_name, VALUES distinct cells shaped like a synthetic export's: the distinct
cells of `crmtool.synth.generate_accounts` / `generate_contacts` as templates (their notations, messy
shares, typos and invalid values kept), each template's last digits (phones), organisation-code body
(credit codes, both check characters recomputed, a wrong one kept wrong) or local part (e-mails)
varied until every cell is new; a company name gets one to three of the templates' own Chinese
characters inserted into its first half (its form, branch part and notation kept). Each kind is cleansed by `cleanse_column` twice in this process:
with its column-wise pass (`columnwise=True`, the default) and without (`columnwise=False`, every
distinct value through the per-value check, as before issue 13), caches cleared before each. Times
are CPU seconds (the machine is shared). Also printed: the share of distinct values the pass left to
the per-value check. `--compare` asserts that both give the same columns and issues.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("phone", "credit_code", "email", "company_name")


def templates(seed: int) -> dict[str, list[str]]:
    from crmtool.synth import generate_accounts, generate_contacts

    accounts, _ = generate_accounts(30_000, seed=seed)
    contacts, _ = generate_contacts(30_000, seed=seed)
    cells = {"phone": [*accounts["phone"], *contacts["mobile"], *contacts["phone"]],
             "credit_code": list(accounts["credit_code"]), "email": [*accounts["email"], *contacts["email"]],
             "company_name": list(accounts["name"])}
    return {k: list(dict.fromkeys(v for v in values if isinstance(v, str) and v.strip())) for k, values in cells.items()}


def make_values(kind: str, count: int, seed: int, cells: list[str]) -> list[str]:
    from crmtool.canon.uscc import USCC_CHARSET, complete_uscc, is_valid_uscc
    from crmtool.cleanse.credit_code import normalise_credit_code

    rnd = random.Random(seed)
    out: dict[str, None] = dict.fromkeys(cells[:count])
    last_digits = re.compile(r"\d{4}(?=\D*$)")
    han = sorted({c for cell in cells for c in cell if "\u4e00" <= c <= "\u9fff"}) if kind == "company_name" else []
    while len(out) < count:
        cell = rnd.choice(cells)
        if kind == "company_name":  # one to three characters of the templates' own put into the first half
            at = rnd.randrange(max(1, len(cell) // 2))
            value = cell[:at] + "".join(rnd.choice(han) for _ in range(rnd.randint(1, 3))) + cell[at:]
        elif kind == "phone":
            value = last_digits.sub(lambda m: f"{rnd.randrange(10_000):04d}", cell, count=1)
        elif kind == "email":
            local, at, domain = cell.rpartition("@")
            value = f"{local}{rnd.randrange(10_000)}{at}{domain}" if at else cell + str(rnd.randrange(10_000))
        else:
            code, _ = normalise_credit_code(cell)
            if len(code) != 18 or any(c not in USCC_CHARSET for c in code):
                value = cell[:-4] + f"{rnd.randrange(10_000):04d}"
            else:
                new = complete_uscc(code[:8] + "".join(rnd.choice(USCC_CHARSET) for _ in range(8)))
                if not is_valid_uscc(code):
                    new = new[:17] + USCC_CHARSET[(USCC_CHARSET.index(new[17]) + 1) % 31]
                value = new.lower() if cell.islower() else new
        out[value] = None
    return list(out)


def table_of(values: list[str]):
    import numpy as np
    import pandas as pd

    n = len(values)
    return pd.DataFrame({"v": pd.array(values, dtype="string"), "_row_id": np.arange(n).astype(str),
                         "_source": "bench.csv", "_sheet": "", "_row": np.arange(n)})


def measure(kind: str, values: list[str], compare: bool) -> dict:
    import gc

    import pandas as pd
    import pyarrow as pa

    from crmtool.cleanse import company_name, company_name_columns, divisions, phone
    from crmtool.cleanse.stage import cleanse_column, rule_for

    def clear_caches() -> None:
        """The per-value caches (bounded lru_caches), not the tables built once (unbounded caches)."""
        phone.clear_caches()
        for module in (company_name, company_name_columns, divisions):
            for value in vars(module).values():
                if (hasattr(value, "cache_parameters") and value.cache_parameters()["maxsize"] is not None
                        and getattr(value, "__module__", "") == module.__name__):
                    value.cache_clear()

    table = table_of(values)
    cleanse_column(table.head(200), "v", kind)  # imports, tables, converters: not what is measured
    cleanse_column(table.head(200), "v", kind, columnwise=False)
    results, seconds = {}, {}
    for columnwise in (True, False):
        clear_caches()
        gc.collect()
        start = time.process_time()
        results[columnwise] = cleanse_column(table, "v", kind, columnwise=columnwise)
        seconds[columnwise] = time.process_time() - start
    settled = len(rule_for(kind).settle(pa.array(values, type=pa.large_string())).positions)
    if compare:
        fast, slow = results[True], results[False]
        for a, b in ((fast.clean, slow.clean), (fast.status, slow.status), (fast.change, slow.change)):
            pd.testing.assert_series_equal(a, b)
        pd.testing.assert_frame_equal(fast.attrs, slow.attrs)
        pd.testing.assert_frame_equal(fast.issues, slow.issues)
    return {"kind": kind, "values": len(values), "columnwise_s": seconds[True], "per_value_s": seconds[False],
            "fallback": 1 - settled / len(values), "issues": len(results[True].issues)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=1_000_000, help="distinct values per kind")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--compare", action="store_true", help="assert both paths give the same result")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    cells = templates(args.seed)
    print(f"templates in {time.perf_counter() - start:.1f} s", flush=True)
    rows = []
    for kind in args.kinds.split(","):
        values = make_values(kind, args.values, args.seed, cells[kind])
        row = measure(kind, values, args.compare)
        rows.append(row)
        print(f"{kind:12s} {row['values']:,} distinct: column-wise {row['values'] / row['columnwise_s']:>11,.0f} values/s"
              f" ({row['columnwise_s']:.2f} s), per value {row['values'] / row['per_value_s']:>9,.0f} values/s"
              f" ({row['per_value_s']:.2f} s), {row['per_value_s'] / row['columnwise_s']:.1f}x;"
              f" left to the check {row['fallback']:.1%}", flush=True)
    if args.markdown:
        print("\n| kind | distinct values | column-wise (CPU s) | values/s | per value (CPU s) | values/s | speed-up |"
              " left to the check |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in rows:
            print(f"| {r['kind']} | {r['values']:,} | {r['columnwise_s']:.2f} | {r['values'] / r['columnwise_s']:,.0f} |"
                  f" {r['per_value_s']:.2f} | {r['values'] / r['per_value_s']:,.0f} |"
                  f" {r['per_value_s'] / r['columnwise_s']:.1f}x | {r['fallback']:.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
