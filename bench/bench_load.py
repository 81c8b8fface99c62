"""Loading 1,000,000 accounts: crmtool's DuckDB and PostgreSQL targets beside pandas.DataFrame.to_sql.

    python bench/bench_load.py --rows 1000000 [--to-sql-rows 100000] [--only crmtool-duckdb,...] [--markdown]

The accounts (every field of the model, canonical text, realistic Chinese values) are generated once
with a vectorised generator and written to Parquet. Each contender then runs in its own child
process, so its peak RSS (the child's max RSS, from os.wait4) is its own; the time of reading the
Parquet file and of imports is left out.

Contenders:
- duckdb-floor: bare DuckDB writing the same rows, typed as the target types them, into a new file
  with the primary key (bench_duckdb_floor.py's "file, as the target does it"): the floor under any
  DuckDB target, measured in the same run;
- crmtool-duckdb / crmtool-postgresql: `crmtool.load.stage.load_object` into an empty store, the
  whole load stage (canonicalise, hash, fetch, snapshot, upsert, per-row load file) = "load";
  then the same frame again, all rows unchanged = "re-load"; and, on a fresh store, the target's
  own write, `Target.upsert` of all rows = "upsert" (the first write: it also adds the primary key),
  then all rows again with one field changed = "update" (every key exists: the MERGE / UPDATE path);
- pandas-duckdb / pandas-postgresql: `DataFrame.to_sql(if_exists="append", chunksize=10_000)` through
  SQLAlchemy (duckdb-engine; psycopg 3) into a new table: a plain insert of text columns, no key,
  no types, no upsert. DuckDB's to_sql runs at about a thousand rows a second, so by default it gets
  the first --to-sql-rows rows (its rows/s is a rate; the table says how many rows it was given).

Targets: >= 500,000 rows/s into DuckDB and >= 100,000 rows/s into PostgreSQL ("upsert" and "load"
are both reported; the exit code checks "upsert"), and the whole load stage into DuckDB at >= 0.8x
the floor's rows/s (issue 13). Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PG = "postgresql://postgres@127.0.0.1:5432/test"
TARGETS = {"crmtool-duckdb": 500_000, "crmtool-postgresql": 100_000}
CONTENDERS = ["duckdb-floor", "crmtool-duckdb", "crmtool-postgresql", "pandas-duckdb", "pandas-postgresql"]
FLOOR_SHARE = 0.8  # issue 13: the whole load stage into DuckDB at >= 0.8x the rows/s of bare DuckDB


def make_accounts(n: int, seed: int = 0):
    """n accounts with every field of the model filled the way the map stage leaves them (canonical text)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    rng = np.random.default_rng(seed)

    def pick(values, p_missing=0.0):
        arr = pa.array(np.asarray(values, dtype=object)[rng.integers(0, len(values), n)], type=pa.string())
        if p_missing:
            arr = pc.if_else(pa.array(rng.random(n) < p_missing), pa.nulls(n, pa.string()), arr)
        return arr

    def digits(width):
        return pa.array(np.char.zfill(rng.integers(0, 10 ** width, n).astype(str), width).astype(object), type=pa.string())

    def join(*parts):
        return pc.binary_join_element_wise(*parts, "")

    ids = pa.array(np.char.add("A", np.char.zfill(np.arange(1, n + 1).astype(str), 8)).astype(object), type=pa.string())
    cities = ["北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "苏州", "天津", "重庆"]
    trades = ["华信", "东方", "南山", "长城", "恒达", "新世纪", "远航", "瑞丰", "金桥", "宏图", "天成", "博远"]
    kinds = ["科技", "贸易", "物流", "建设", "医疗器械", "信息技术", "食品", "机械制造"]
    city = pick(cities)
    frame = {
        "account_id": ids,
        "name": join(city, pick(trades), digits(3), pick(kinds), pick(["有限公司", "股份有限公司", "集团有限公司"])),
        "credit_code": join(pick(["91", "92", "93"]), digits(6), pick(["MA", "MB", "MC"]), digits(7), pick(list("0123456789X"))),
        "phone": join(pick(["+86 10 ", "+86 21 ", "+86 755 "]), digits(4), pick([" "]), digits(4)),
        "email": join(pick(["info", "sales", "hr", "contact"]), digits(5), pick(["@example.cn", "@163.com", "@qq.com"])),
        "address": join(city, pick(["市朝阳区", "市浦东新区", "市南山区", "市西湖区"]), pick(["建国路", "世纪大道", "科技园路"]), digits(3), pick(["号"])),
        "province": city,
        "city": city,
        "industry": pick(["制造业", "信息技术", "批发零售", "金融", "物流", "服务业", "其他"]),
        "level": pick(["A", "B", "C", "D"], 0.1),
        "owner": pick(["张伟", "王芳", "李娜", "刘洋", "陈静"]),
        "annual_revenue": join(pa.array(rng.integers(0, 10_000_000, n).astype(str).astype(object), type=pa.string()), pick([".00", ".50", ".25"])),
        "employees": pa.array(rng.integers(1, 5000, n).astype(str).astype(object), type=pa.string()),
        "website": pick(["https://www.example.cn", None, "https://shop.example.com.cn"], 0.0),
        "source_system": pick(["ERP", "Excel", "旧CRM"]),
        "created_at": pc.strftime(pa.array(rng.integers(16000, 20000, n).astype("datetime64[D]")), "%Y-%m-%d"),
        "updated_at": pc.strftime(pa.array((rng.integers(1.6e9, 1.75e9, n)).astype("datetime64[s]")), "%Y-%m-%d %H:%M:%S"),
    }
    table = pa.table(frame)
    out = table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow"))
    out.insert(0, "_row_id", "bench.parquet#" + pd.Series(np.arange(2, n + 2).astype(str), dtype="string[pyarrow]"))
    return out


# --- children: one contender each --------------------------------------------------------------

def _timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def child_crmtool(kind: str, data: Path, work: Path) -> dict:
    import pandas as pd

    from crmtool.load.stage import load_object
    from crmtool.load.targets import open_target
    from crmtool.model import load_object_model

    rows = pd.read_parquet(data).astype("string[pyarrow]")
    model = load_object_model()
    urls = {}
    if kind == "duckdb":
        urls = {"upsert": f"duckdb:///{work}/upsert.duckdb", "load": f"duckdb:///{work}/load.duckdb"}
    else:
        tag = uuid.uuid4().hex[:8]
        urls = {"upsert": f"{PG}?schema=bench_upsert_{tag}", "load": f"{PG}?schema=bench_load_{tag}"}
    times = {}
    try:
        with open_target(urls["upsert"], model) as target:
            target.ensure_schema(["accounts"])
            fields = rows.drop(columns="_row_id")
            times["upsert"] = _timed(lambda: target.upsert("accounts", fields, "bench"))
            assert len(target.fetch("accounts", ["A00000001"])) == 1
            changed = fields.assign(owner="赵敏")
            times["update"] = _timed(lambda: target.upsert("accounts", changed, "bench2"))
            assert target.fetch("accounts", ["A00000001"])["owner"].tolist() == ["赵敏"]
        with open_target(urls["load"], model) as target:
            counts = {}
            times["load"] = _timed(lambda: counts.update(first=load_object(target, "accounts", rows, "r1", work / "r1")))
            times["re-load"] = _timed(lambda: counts.update(again=load_object(target, "accounts", rows, "r2", work / "r2")))
        assert counts["first"]["inserted"] == len(rows) and counts["again"]["unchanged"] == len(rows), counts
    finally:
        if kind == "postgresql":
            _drop_schemas([u.rpartition("=")[2] for u in urls.values()])
    return {"rows": len(rows), "times": times}


def _drop_schemas(schemas: list[str]) -> None:
    import psycopg

    with psycopg.connect(PG, autocommit=True) as con:
        for schema in schemas:
            con.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def child_pandas(kind: str, data: Path, work: Path, limit: int | None) -> dict:
    import pandas as pd
    import sqlalchemy as sa

    rows = pd.read_parquet(data).drop(columns="_row_id")
    if limit:
        rows = rows.iloc[:limit]
    rows = rows.astype(object).where(rows.notna(), None)
    table = f"bench_to_sql_{uuid.uuid4().hex[:8]}"
    url = f"duckdb:///{work}/to_sql.duckdb" if kind == "duckdb" else PG.replace("postgresql://", "postgresql+psycopg://")
    engine = sa.create_engine(url)
    try:
        seconds = _timed(lambda: rows.to_sql(table, engine, index=False, if_exists="append", chunksize=10_000))
        with engine.connect() as con:
            assert con.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == len(rows)
    finally:
        with engine.begin() as con:
            con.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()
    return {"rows": len(rows), "times": {"to_sql": seconds}}


def child_floor(data: Path) -> dict:
    """Bare DuckDB writing the same rows, typed as the target types them, with the key: what
    bench_duckdb_floor.py measures as "file, as the target does it"."""
    import pandas as pd
    from bench_duckdb_floor import VARIANTS, run

    from crmtool.load.targets.frames import meta_arrow
    from crmtool.model import load_object_model

    obj = load_object_model()["accounts"]
    table = meta_arrow(pd.read_parquet(data).astype("string[pyarrow]"), obj, "bench")
    return {"rows": table.num_rows, "times": {"floor": run(table, obj, *VARIANTS["file, as the target does it"])["total"]}}


def run_child(name: str, data: Path, limit: int | None) -> dict:
    if name == "duckdb-floor":
        return child_floor(data)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as work:
        work = Path(work)
        tool, _, kind = name.partition("-")
        return child_crmtool(kind, data, work) if tool == "crmtool" else child_pandas(kind, data, work, limit)


# --- parent -------------------------------------------------------------------------------------

def spawn(name: str, data: Path, limit: int | None) -> tuple[dict, float]:
    """Run a contender in a fresh process; (its result, its own peak RSS in MiB, reported by the child)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "bench"), os.environ.get("PYTHONPATH", "")])}
    command = [sys.executable, __file__, "--child", name, str(data), "--to-sql-rows", str(limit or 0)]
    done = subprocess.run(command, capture_output=True, env=env)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr.decode(errors='replace')}")
    result = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return result, result["peak_mib"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--to-sql-rows", type=int, default=100_000, help="rows given to DuckDB's to_sql (0 = all)")
    parser.add_argument("--only", default=",".join(CONTENDERS))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        name, data = args.child
        limit = args.to_sql_rows if name == "pandas-duckdb" else 0
        result = run_child(name, Path(data), limit or None)
        import resource  # ru_maxrss: this process's own peak resident set, in KiB on Linux

        result["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return 0

    data = ROOT / "bench" / "data" / f"accounts_canonical_{args.rows}.parquet"
    if not data.exists():
        data.parent.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        make_accounts(args.rows).to_parquet(data, index=False)
        print(f"generated {args.rows:,} accounts in {time.perf_counter() - started:.1f} s -> {data}", file=sys.stderr)
    load_before = os.getloadavg()[0]
    results = {}
    for name in [c for c in CONTENDERS if c in args.only.split(",")]:
        print(f"running {name} …", file=sys.stderr, flush=True)
        results[name] = spawn(name, data, args.to_sql_rows)
    report(results, args, load_before, os.getloadavg()[0])
    missed = [n for n, goal in TARGETS.items() if n in results and results[n][0]["rows"] / results[n][0]["times"]["upsert"] < goal]
    share = floor_share(results)
    return 1 if missed or (share is not None and share < FLOOR_SHARE) else 0


def floor_share(results: dict) -> float | None:
    """The load stage's rows/s into DuckDB over bare DuckDB's, when both ran."""
    if "duckdb-floor" not in results or "crmtool-duckdb" not in results:
        return None
    floor, crmtool = results["duckdb-floor"][0], results["crmtool-duckdb"][0]
    return (crmtool["rows"] / crmtool["times"]["load"]) / (floor["rows"] / floor["times"]["floor"])


def report(results: dict, args, load_before: float, load_after: float) -> None:
    rows = []
    for name, (result, peak) in results.items():
        for phase, seconds in result["times"].items():
            rows.append((name, phase, result["rows"], seconds, result["rows"] / seconds, peak))
    if args.markdown:
        print("| contender | what is timed | rows | seconds | rows/s | peak RSS MiB |")
        print("|---|---|---:|---:|---:|---:|")
        for name, phase, n, seconds, rate, peak in rows:
            print(f"| {name} | {phase} | {n:,} | {seconds:.2f} | {rate:,.0f} | {peak:,.0f} |")
    else:
        print(f"{'contender':<20} {'phase':<8} {'rows':>10} {'seconds':>9} {'rows/s':>12} {'peak MiB':>9}")
        for name, phase, n, seconds, rate, peak in rows:
            print(f"{name:<20} {phase:<8} {n:>10,} {seconds:>9.2f} {rate:>12,.0f} {peak:>9,.0f}")
    print(f"\nload average {load_before:.1f} before, {load_after:.1f} after")
    for name, goal in TARGETS.items():
        if name in results:
            result = results[name][0]
            for phase in ("upsert", "load"):
                rate = result["rows"] / result["times"][phase]
                print(f"{'PASS' if rate >= goal else 'MISS'}: {name} {phase} {rate:,.0f} rows/s (target >= {goal:,})")
    share = floor_share(results)
    if share is not None:
        print(f"{'PASS' if share >= FLOOR_SHARE else 'MISS'}: crmtool-duckdb load at {share:.2f}x the bare-DuckDB floor's "
              f"rows/s (target >= {FLOOR_SHARE}x, issue 13)")


if __name__ == "__main__":
    sys.exit(main())
