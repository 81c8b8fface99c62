"""What DuckDB itself does with the load benchmark's rows: the floor under the DuckDB load target.

    python bench/bench_duckdb_floor.py [--rows 1000000] [--markdown]

The rows are bench_load.py's accounts (bench/data/accounts_canonical_N.parquet, made by
bench_load.make_accounts on first use), typed by Arrow exactly as the DuckDB target types them
(`frames.meta_arrow`). Each variant is one bare statement sequence outside crmtool, in a new
database: `INSERT INTO … SELECT` from the registered Arrow table, `ALTER TABLE … ADD PRIMARY KEY`
(what the target's first write does), `COMMIT`. The variants take away, one at a time, what the
store's contract asks for (a file, compressed columns, an enforced key), to show what each costs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

VARIANTS = {  # name: (settings, primary key, in memory)
    "file, as the target does it": ((), True, False),
    "file, preserve_insertion_order=false": (("SET preserve_insertion_order = false",), True, False),
    "file, FSST disabled": (("SET disabled_compression_methods = 'fsst'",), True, False),
    "file, no primary key": ((), False, False),
    "in memory (nothing compressed or written)": ((), True, True),
}


def run(data, obj, settings, primary_key: bool, in_memory: bool) -> dict:
    import duckdb

    from crmtool.load.targets.sqltext import column_types, create_table, quote

    names = ", ".join(map(quote, column_types(obj)))
    with tempfile.TemporaryDirectory() as work:
        con = duckdb.connect(":memory:" if in_memory else f"{work}/floor.duckdb")
        for statement in settings:
            con.execute(statement)
        con.execute(create_table(obj, "accounts", primary_key=False))
        con.register("src", data)
        times = [time.perf_counter()]
        con.execute("BEGIN")
        con.execute(f"INSERT INTO accounts ({names}) SELECT {names} FROM src")
        times.append(time.perf_counter())
        if primary_key:
            con.execute(f"ALTER TABLE accounts ADD PRIMARY KEY ({quote(obj.external_id)})")
        times.append(time.perf_counter())
        con.execute("COMMIT")
        times.append(time.perf_counter())
        con.close()
    insert, key, commit = (b - a for a, b in zip(times, times[1:]))
    return {"insert": insert, "key": key if primary_key else None, "commit": commit, "total": times[-1] - times[0]}


def main() -> int:
    import os

    import pandas as pd

    from crmtool.load.targets.frames import meta_arrow
    from crmtool.model import load_object_model

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    path = ROOT / "bench" / "data" / f"accounts_canonical_{args.rows}.parquet"
    if not path.exists():
        from bench_load import make_accounts

        path.parent.mkdir(parents=True, exist_ok=True)
        make_accounts(args.rows).to_parquet(path, index=False)
    obj = load_object_model()["accounts"]
    data = meta_arrow(pd.read_parquet(path).astype("string"), obj, "bench")
    load = os.getloadavg()[0]
    rows = [(name, run(data, obj, *variant)) for name, variant in VARIANTS.items()]
    if args.markdown:
        print("| store | insert s | add key s | commit s | total s | rows/s |\n|---|---:|---:|---:|---:|---:|")
    for name, r in rows:
        key = "–" if r["key"] is None else f"{r['key']:.2f}"
        cells = [name, f"{r['insert']:.2f}", key, f"{r['commit']:.2f}", f"{r['total']:.2f}", f"{args.rows / r['total']:,.0f}"]
        print("| " + " | ".join(cells) + " |" if args.markdown else "  ".join(cells))
    print(f"\n{args.rows:,} rows; load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
