"""Per-value cost of the company-name and phone checks, on distinct values (no repetition helps).

    python bench/bench_cleanse_values.py [--values 100000] [--seed 5] [--reps 3] [--baseline TREE]
                                         [--min-speedup X] [--markdown]

bench_cleanse.py measures the column rules over a million rows, where repetition does much of the
work; this script measures what is left when every value is new: `check_company_name(v)` and
`check_phone(v)` over the first VALUES distinct `name` and `phone` cells of
`crmtool.synth.generate_accounts` (registered names with regions in front or in brackets, branches,
traditional characters, partnerships and sole proprietorships; mobiles in a dozen notations, landlines
with and without area codes and extensions, two numbers in a cell, notes such as （微信同号）). The
synthetic mobiles are spread over ~50,000 segments (号段), far more than a real customer table has,
so the per-segment caches help less here than in practice.

Every measurement is a fresh Python process (`--child`): it imports, checks a few throw-away values per
rule shape (imports, tables, converters: not what we measure), then times one pass over the values in CPU
seconds (the machine is shared) with every cache cold. `--baseline TREE` also measures another
checkout of the project (for example `git archive <commit> crmtool | tar -x -C /tmp/old`), with TREE
first on that child's PYTHONPATH; baseline and current children alternate, so that both see the same
neighbours' load. The median of the runs is reported, and the best. Exit codes: 0 done, 1 a rule
less than --min-speedup times faster than the baseline, 2 a child failed.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RULES = ("company_name", "phone")


def make_values(count: int, seed: int) -> dict[str, list[str]]:
    """The first `count` distinct names and phone cells of a synthetic account table."""
    from crmtool.synth import generate_accounts

    records, _ = generate_accounts(int(count * 2.2), seed=seed)
    out = {}
    for rule, column in (("company_name", "name"), ("phone", "phone")):
        values = records[column].dropna().drop_duplicates()
        if len(values) < count:
            raise SystemExit(f"only {len(values)} distinct {column} values; lower --values")
        out[rule] = values.head(count).tolist()
    return out


def child(values_file: str) -> None:
    """One measurement in this process: µs of CPU per value, per rule, printed as JSON."""
    import gc

    from crmtool.cleanse.company_name import check_company_name
    from crmtool.cleanse.phone import check_phone

    checks = {"company_name": check_company_name, "phone": check_phone}
    values = json.loads(Path(values_file).read_text(encoding="utf-8"))
    for name in ("北京华信科技有限公司", "华信（北京）科技有限公司", "華信科技海口分公司"):  # loads every table
        check_company_name(name)
    for number in ("0755-26001234", "13800138000", "19912345678"):  # geocoder, carriers, phone.dat
        check_phone(number)
    result = {}
    for rule in RULES:
        gc.collect()
        start = time.process_time()
        for value in values[rule]:
            checks[rule](value)
        result[rule] = (time.process_time() - start) / len(values[rule]) * 1e6
    print(json.dumps(result))


def run_child(values_file: str, tree: str | None) -> dict[str, float]:
    env = dict(os.environ)
    paths = [tree] if tree else [str(ROOT)]
    env["PYTHONPATH"] = os.pathsep.join(paths + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    done = subprocess.run([sys.executable, __file__, "--child", values_file], env=env, capture_output=True,
                          text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(2)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--values", type=int, default=100_000, help="distinct values per rule")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--reps", type=int, default=3, help="measurements (processes) per tree")
    parser.add_argument("--baseline", help="another checkout's root (holding crmtool/) to compare with")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    parser.add_argument("--min-speedup", type=float, default=None,
                        help="with --baseline: exit 1 unless every rule's median is this many times faster")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    sys.path.insert(0, str(ROOT))
    start = time.perf_counter()
    values = make_values(args.values, args.seed)
    print(f"{args.values:,} distinct values per rule generated in {time.perf_counter() - start:.1f} s", flush=True)
    trees = {"baseline": args.baseline, "current": None} if args.baseline else {"current": None}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    with tempfile.TemporaryDirectory() as tmp:
        values_file = str(Path(tmp) / "values.json")
        Path(values_file).write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
        for rep in range(args.reps):
            for name, tree in trees.items():
                runs[name].append(run_child(values_file, tree))
                print(f"run {rep + 1} {name:8s} " + "   ".join(f"{r} {runs[name][-1][r]:7.1f} µs"
                                                                 for r in RULES), flush=True)
    summary = {name: {r: (statistics.median(x[r] for x in rs), min(x[r] for x in rs)) for r in RULES}
               for name, rs in runs.items()}
    if args.markdown:
        head = "| rule | current µs/value (median, best) |"
        sep = "| --- | ---: |"
        if args.baseline:
            head = "| rule | baseline µs/value (median, best) | current µs/value (median, best) | speed-up (medians) |"
            sep = "| --- | ---: | ---: | ---: |"
        print("\n" + head + "\n" + sep)
        for r in RULES:
            cur = summary["current"][r]
            cells = [f"{cur[0]:.1f} ({cur[1]:.1f})"]
            if args.baseline:
                base = summary["baseline"][r]
                cells = [f"{base[0]:.1f} ({base[1]:.1f})", cells[0], f"{base[0] / cur[0]:.1f}x"]
            print(f"| {r} | " + " | ".join(cells) + " |")
    if args.baseline and args.min_speedup:
        slow = [f"{r} x{summary['baseline'][r][0] / summary['current'][r][0]:.1f}" for r in RULES
                if summary["baseline"][r][0] / summary["current"][r][0] < args.min_speedup]
        if slow:
            print(f"TARGET MISSED (x{args.min_speedup}): " + ", ".join(slow))
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
