"""The health scan on the two engines: DuckDB (the store computes, the default and the baseline) and
Spark local mode, on the same DuckDB stores, in one run.

    python bench/bench_engines.py --rows 100000 1000000 --markdown
    python bench/bench_engines.py --rows 100000 1000000 --dedupe --markdown   # and dedupe each store's accounts

1. Per size, a DuckDB store of ROWS accounts (bench_scan.generate_store: bench/data/scan_<ROWS>.duckdb,
   made once: real division and credit codes, placeholders, invalid values, fuzzy duplicates, region
   and date contradictions).
2. Per engine, a fresh Python process runs the whole scan of the accounts (`run_scan`, not recorded):
   the KPI statement plus the fuzzy duplicate rate on a stable --dup-rows sample. For Spark the child
   starts its own SparkSession (master --master, driver memory --spark-memory) and the scan copies the
   table to Parquet for Spark to read; the session start is timed apart.
3. The parent polls the child's process tree (psutil, every 50 ms: the Python process, the JVM it
   starts, Spark's Python workers) for the peak of the summed RSS, so a JVM's memory is counted.

Printed side by side: wall seconds of the child (imports and Spark start included), the scan's own
seconds (KPI statement / duplicates), peak RSS, and Spark's ratio to DuckDB. The KPI dicts of the two
engines are compared too (exit 1 when they differ).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DATA = ROOT / "bench" / "data"
AS_OF = datetime(2026, 11, 23, tzinfo=timezone.utc)


# -- child: one scan on one engine -----------------------------------------------------------------

def child(engine: str, url: str, master: str, memory: str, dup_rows: int, dedupe_rows: int) -> None:
    started = time.perf_counter()
    from crmtool.config.scan import ScanConfig
    from crmtool.validate.scan import run_scan

    out = {"engine": engine, "import_s": time.perf_counter() - started}
    config = ScanConfig.model_validate({"duplicates": {"max_rows": dup_rows}})
    spark_engine = None
    if engine == "spark":
        from crmtool.engine import SparkEngine

        t = time.perf_counter()
        spark_engine = SparkEngine(master=master, conf={"spark.driver.memory": memory})
        out["spark_start_s"] = time.perf_counter() - t
    t = time.perf_counter()
    scan = run_scan(url, config=config, record=False, objects=["accounts"], now=AS_OF, engine=spark_engine).scan
    out.update(scan_s=time.perf_counter() - t, seconds=scan["seconds"], kpis=scan["objects"]["accounts"])
    print(json.dumps(out, ensure_ascii=False, default=str), flush=True)  # kept if the dedupe cannot finish
    if dedupe_rows:
        print(json.dumps({"dedupe": _dedupe(spark_engine, url, dedupe_rows)}, default=str), flush=True)
    if spark_engine is not None:
        spark_engine.close()


def _dedupe(spark_engine, url: str, rows: int) -> dict:
    """Dedupe the first `rows` accounts on this engine: the in-process stage, or on the Spark session."""
    from crmtool.dedupe.pipeline import DedupeSettings, dedupe
    from crmtool.validate.scan_store import duckdb_path

    import duckdb
    import pandas as pd

    with duckdb.connect(str(duckdb_path(url)), read_only=True) as con:
        table = con.execute(f"SELECT CAST(account_id AS VARCHAR) AS _key, name, credit_code, phone, address "
                            f"FROM accounts WHERE rowid < {int(rows)}").df().astype("string")
    settings = DedupeSettings(processes=2)
    t = time.perf_counter()
    if spark_engine is None:
        result = dedupe(table, "_key", settings)
    else:
        from crmtool.dedupe.spark import dedupe_on_spark

        result = dedupe_on_spark(table, "_key", settings, spark=spark_engine.session)
    clusters = result.clusters[["_key", "cluster_id"]].sort_values("_key", kind="stable")
    return {"rows": len(table), "seconds": time.perf_counter() - t, "phases": result.stats["seconds"],
            "clusters": int(clusters["cluster_id"].nunique()), "candidate_pairs": result.stats["candidate_pairs"],
            "digest": int(pd.util.hash_pandas_object(clusters, index=False).sum())}  # the same cluster per key


# -- parent ---------------------------------------------------------------------------------------

def measure(engine: str, url: str, rows: int, args) -> dict:
    """Run the child, polling its process tree's summed RSS; returns the child's figures + wall, peak.

    A child whose tree passes --max-rss-gib or runs past --timeout is stopped (the whole tree, so the
    kernel's OOM killer never has to choose), and so is one that fails: its result then has `failed`,
    the reason, beside whatever it finished before (the scan, when the dedupe is what could not finish)."""
    import psutil

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    command = [sys.executable, __file__, "--child", engine, url, "--master", args.master,
               "--spark-memory", args.spark_memory, "--dup-rows", str(args.dup_rows),
               "--dedupe-rows", str((args.dedupe_rows or rows) if args.dedupe else 0)]
    started = time.perf_counter()
    log = tempfile.TemporaryFile("w+")  # Spark's log can outgrow a pipe's buffer before the child ends
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    parent, peak, stopped = psutil.Process(proc.pid), 0, None
    limit = args.max_rss_gib * 2**30
    while proc.poll() is None:
        try:
            tree = [parent, *parent.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in tree if p.is_running()))
        except psutil.Error:
            tree = []
        elapsed = time.perf_counter() - started
        if peak > limit or elapsed > args.timeout:
            stopped = (f"stopped at {peak / 2**30:.1f} GiB RSS of the process tree (limit {args.max_rss_gib:g} GiB)"
                       if peak > limit else f"stopped after {elapsed:,.0f} s (limit {args.timeout:,.0f} s)")
            _kill(tree)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - started
    stdout, _ = proc.communicate()
    log.seek(0)
    stderr = log.read()
    log.close()
    result: dict = {"engine": engine}
    for line in stdout.strip().splitlines():
        if line.startswith("{"):
            result.update(json.loads(line))
    if stopped or proc.returncode != 0:
        kept = DATA / f"{engine}_{rows}.log"  # the whole log: a JVM's first error is far from its last line
        kept.write_text(stderr, encoding="utf-8")
        result["failed"] = stopped or f"exit {proc.returncode}: {_first_error(stderr)} (log: {kept})"
        print(f"{engine} at {rows:,} rows: {result['failed']}\n{stderr[-3000:]}", file=sys.stderr)
    result.update(wall_s=wall, peak_mib=peak / 2**20)
    return result


def _first_error(log: str) -> str:
    """The first line of the log that names an error (Python's or the JVM's), else its last line."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    for line in lines:
        if ("Error" in line or "Exception" in line) and not line.startswith("at "):
            return line[:300]
    return lines[-1][:300] if lines else ""


def _kill(tree) -> None:
    import psutil

    for p in reversed(tree):
        try:
            p.kill()
        except psutil.Error:
            pass


def store_for(rows: int) -> str:
    from bench_scan import generate_store

    path = DATA / f"scan_{rows}.duckdb"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"generating {path} …", file=sys.stderr, flush=True)
        generate_store(path, rows)
    return f"duckdb:///{path.relative_to(ROOT)}" if path.is_relative_to(ROOT) else f"duckdb:///{path}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--spark-memory", default="4g", help="spark.driver.memory of the Spark child")
    parser.add_argument("--dup-rows", type=int, default=200_000, help="sample the fuzzy duplicate rate is measured on")
    parser.add_argument("--dedupe", action="store_true", help="also dedupe the store's accounts on each engine")
    parser.add_argument("--dedupe-rows", type=int, default=0, help="with --dedupe: only the first N accounts")
    parser.add_argument("--max-rss-gib", type=float, default=21.0,
                        help="stop a child whose process tree passes this RSS (the machine has 24 GiB)")
    parser.add_argument("--timeout", type=float, default=3600.0, help="stop a child running longer (seconds)")
    parser.add_argument("--engines", type=lambda v: v.split(","), default=["duckdb", "spark"],
                        help="duckdb,spark (default), or one of them (a rerun of one side)")
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if not args.child and (not args.engines or set(args.engines) - {"duckdb", "spark"}):
        parser.error("--engines: duckdb, spark or duckdb,spark")
    if args.child:
        child(args.child[0], args.child[1], args.master, args.spark_memory, args.dup_rows, args.dedupe_rows)
        return 0
    os.chdir(ROOT)
    load = os.getloadavg()[0]
    print(f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, {platform.node()}, {os.cpu_count()} cores, "
          f"load {load:.2f} at the start (the machine is shared)")
    rows_out, same = [], True
    for rows in args.rows:
        url = store_for(rows)
        runs = [measure(engine, url, rows, args) for engine in args.engines]
        if len(runs) == 2:
            duck, spark = runs
            if "kpis" in duck and "kpis" in spark:
                same &= duck["kpis"] == spark["kpis"]
            if "dedupe" in duck and "dedupe" in spark:
                same &= duck["dedupe"]["digest"] == spark["dedupe"]["digest"]
        rows_out += [(rows, r) for r in runs]
    print(f"load {os.getloadavg()[0]:.2f} at the end")
    _report(rows_out, args)
    print(f"KPI dicts{' and dedupe clusters' if args.dedupe else ''} identical where both engines finished: "
          f"{'yes' if same else 'NO'}")
    return 0 if same else 1


def _report(results, args) -> None:
    base = {rows: r for rows, r in results if r["engine"] == "duckdb"}
    base.update({rows: r for rows, r in results if rows not in base})  # one engine alone: its own base
    head = ("rows", "engine", "wall s", "Spark start s", "scan s", "KPI statement s", "duplicates s", "dedupe s",
            "peak RSS MiB", "wall vs DuckDB")
    lines = []
    for rows, r in results:
        ratio = r["wall_s"] / base[rows]["wall_s"]
        engine = "DuckDB (baseline)" if r["engine"] == "duckdb" else f"Spark {args.master}"
        seconds = r.get("seconds", {})
        lines.append((f"{rows:,}", engine, f"{r['wall_s']:.1f}", f"{r.get('spark_start_s', 0):.1f}",
                      _figure(r.get("scan_s")), _figure(seconds.get("kpis")), _figure(seconds.get("duplicates")),
                      _figure(r["dedupe"]["seconds"]) if "dedupe" in r else ("not finished" if args.dedupe else ""),
                      f"{r['peak_mib']:,.0f}", f"> {ratio:.1f}x (stopped)" if "failed" in r else f"{ratio:.1f}x"))
    if args.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(str(x)) for x in col) for col in zip(head, *lines)]
        for line in (head, *lines):
            print("  ".join(str(x).rjust(w) for x, w in zip(line, widths)))
    for rows, r in results:
        if "dedupe" in r:
            print(f"dedupe {rows:,} store, {r['engine']}: {r['dedupe']}")
        if "failed" in r:
            print(f"{r['engine']} at {rows:,} rows did not finish: {r['failed']}")


def _figure(seconds) -> str:
    return "not finished" if seconds is None else f"{seconds:.1f}"


if __name__ == "__main__":
    raise SystemExit(main())
