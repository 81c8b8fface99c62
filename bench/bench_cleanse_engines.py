"""pyarrow.compute beside DuckDB expressions over the same Arrow column, for the column-wise cleanse steps.

    python bench/bench_cleanse_engines.py [--values 500000]

Three steps the phone pass takes (a whole-value pattern, a separator removal, a concatenation), on
VALUES phone-like strings, each as a pyarrow.compute call and as a DuckDB query over the Arrow table
with one thread, the result fetched as Arrow; best CPU seconds of three. docs/cleanse.md says which
was chosen and why.
"""

from __future__ import annotations

import argparse
import random
import time


def main() -> int:
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=500_000)
    args = parser.parse_args()
    rnd = random.Random(1)
    values = pa.array([f"1{rnd.choice('3456789')}{rnd.randrange(10**9):09d}" if i % 2 else
                       f"0755-{rnd.randrange(10**8):08d}" for i in range(args.values)], pa.large_string())
    phones = pa.table({"v": values})
    con = duckdb.connect()
    con.execute("set threads=1")
    con.register("phones", phones)
    empty = pa.scalar("", pa.large_string())
    steps = [
        ("whole-value pattern", lambda: pc.match_substring_regex(values, r"^1[3-9][0-9]{9}$"),
         "select regexp_full_match(v, '1[3-9][0-9]{9}') from phones"),
        ("separators removed", lambda: pc.replace_substring_regex(values, r"[ \-()]+", ""),
         "select regexp_replace(v, '[ \\-()]+', '', 'g') from phones"),
        ("'+86' prefixed", lambda: pc.binary_join_element_wise(pa.scalar("+86", pa.large_string()), values, empty),
         "select '+86' || v from phones"),
    ]

    def best(fn) -> float:
        times = []
        for _ in range(3):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return min(times)

    print(f"| step ({args.values:,} values) | pyarrow.compute (CPU ms) | DuckDB (CPU ms) |\n| --- | ---: | ---: |")
    for name, arrow, sql in steps:
        print(f"| {name} | {best(arrow) * 1e3:.1f} | {best(lambda: con.sql(sql).to_arrow_table()) * 1e3:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
