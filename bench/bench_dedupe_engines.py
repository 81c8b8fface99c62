"""Dedupe on DuckDB (crmtool.dedupe.pipeline.dedupe) and on Spark local (crmtool.dedupe.spark), one run.

    python bench/bench_dedupe_engines.py --n 100000,1000000 [--seed 0] [--hard] [--engines duckdb,spark]
                                         [--master local[2]]

Per size the generator set is written once to Parquet (`bench_dedupe.py --child generate`), then each
engine runs in its own child process from reading that file to its clusters, so that wall time and peak
memory are its own: peak memory is the larger of the child's max RSS and the peak of the summed PSS of
its process tree, sampled every 0.2 s (bench_dedupe.child), which for Spark covers the JVM and the Python
workers. Each child also reports the stage's own phase times (keys, blocking, scoring, clustering,
outputs) and the Spark session's start. The parent checks that both engines gave the same clusters.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_dedupe import child  # noqa: E402


def run_engine(engine: str, data: Path, out: Path, master: str) -> None:
    import pandas as pd

    records = pd.read_parquet(data).astype("string")
    timings = {}
    if engine == "duckdb":
        from crmtool.dedupe.pipeline import dedupe

        result = dedupe(records, "record_id")
    else:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        from pyspark.sql import SparkSession

        from crmtool.dedupe.spark import dedupe_on_spark

        t = time.perf_counter()
        cores = master.removeprefix("local[").rstrip("]")
        spark = (SparkSession.builder.master(master).config("spark.ui.enabled", "false")
                 .config("spark.ui.showConsoleProgress", "false")
                 .config("spark.sql.shuffle.partitions", str(2 * int(cores)) if cores.isdigit() else "8")
                 .config("spark.driver.memory", "6g")
                 .config("spark.sql.execution.arrow.pyspark.enabled", "true").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        timings["session"] = round(time.perf_counter() - t, 2)
        result = dedupe_on_spark(records, "record_id", spark=spark)
        spark.stop()
    result.clusters[["record_id", "cluster_id", "is_survivor"]].to_parquet(out)
    timings.update(result.stats["seconds"])
    out.with_suffix(".json").write_text(json.dumps({"seconds": timings, "pairs": result.stats["candidate_pairs"],
                                                    "matches": result.stats["matches"]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", default="100000,1000000")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hard", action="store_true")
    parser.add_argument("--engines", default="duckdb,spark")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--child", choices=["duckdb", "spark"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.child:
        run_engine(args.child, args.data, args.out, os.environ.get("BENCH_SPARK_MASTER", args.master))
        return

    import pandas as pd

    os.environ["BENCH_SPARK_MASTER"] = args.master
    args.workdir.mkdir(parents=True, exist_ok=True)
    rows = []
    for n in (int(v) for v in args.n.split(",")):
        stem = f"dedupe_{n}_s{args.seed}" + ("_hard" if args.hard else "")
        data, truth = args.workdir / f"{stem}.parquet", args.workdir / f"{stem}_truth.parquet"
        if not data.exists() or not truth.exists():
            subprocess.run([sys.executable, str(ROOT / "bench" / "bench_dedupe.py"), "--child", "generate", "--n", str(n),
                            "--seed", str(args.seed), *(["--hard"] if args.hard else []), "--data", str(data),
                            "--out", str(truth)], check=True)
        outs = {}
        for engine in args.engines.split(","):
            out = args.workdir / f"{stem}_{engine}_engine_clusters.parquet"
            run = child(engine, data, out, script=__file__)
            outs[engine] = out
            phases = json.loads(out.with_suffix(".json").read_text())
            rows.append({"engine": engine, "records": n, "wall_s": round(run.pop("seconds"), 1), **run, **phases})
            print(json.dumps(rows[-1]), flush=True)
        frames = [pd.read_parquet(o) for o in outs.values()]
        same = all(f.equals(frames[0]) for f in frames[1:])
        print(f"{n:,} records: clusters identical across engines: {same}", flush=True)
        if not same:
            raise SystemExit(1)
    print(f"{'engine':<7} {'records':>9} {'wall s':>7} {'peak MB':>8}  phases (s)")
    for r in rows:
        phases = ", ".join(f"{k} {v:.1f}" for k, v in r["seconds"].items() if k != "total")
        print(f"{r['engine']:<7} {r['records']:>9,} {r['wall_s']:>7.1f} {r['peak_mb']:>8.0f}  {phases}")


if __name__ == "__main__":
    main()
