"""`crmtool run` on generated accounts: seconds per stage (from the run's manifest) and peak RSS.

    python bench/bench_pipeline.py --rows 200000 [--reps 1] [--baseline /tmp/before] [--markdown]
    python bench/bench_pipeline.py --rows 200000 --profile /tmp/prof   # pyinstrument, text + html

The project (bench/data/pipeline_<rows>/, made once and reused; --force remakes it):
- accounts.csv: `crmtool synth <rows> --seed 0` (30 % extra copies of companies, the generator's mess);
- mappings/accounts.yaml: record_id → account_id (strip), name (company_name), credit_code
  (credit_code), phone (phone), address (address), email (email), the fields docs/benchmarks.md's
  "Pipeline" section was first measured with;
- migration.yaml: that mapping, dedupe on accounts, verify with the SQL engine only, the target a
  DuckDB file in the project folder, removed before every run (every run inserts all rows); runs
  pass `--accept-failures` (a million generated rows have a few credit codes two companies share).

Every run is a fresh process (`python -m crmtool run migration.yaml --json`); its peak RSS is the
child's max RSS (`os.wait4`), its stage seconds are the manifest's. With --baseline DIR (a checkout,
e.g. `git archive <commit> crmtool | tar -x -C DIR`) baseline and current runs alternate, so that load
from other work on the machine falls on both; the table shows each side's best run per stage.
With --profile DIR the current code runs once under pyinstrument (DIR/run.pyisession, rendered to
DIR/run.txt and DIR/run.html).
Run under `flock /tmp/bench.lock` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("backup", "read", "cleanse", "dedupe", "enrich", "map", "verify", "load")

MAPPING = """\
version: 1
object: accounts
source:
  file: ../accounts.csv
fields:
  account_id:
    from: record_id
    transforms: [strip]
  name:
    from: name
    transforms: [company_name]
  credit_code:
    from: credit_code
    transforms: [credit_code]
  phone:
    from: phone
    transforms: [phone]
  address:
    from: address
    transforms: [address]
  email:
    from: email
    transforms: [email]
"""

MIGRATION = """\
name: bench pipeline
mappings:
  - mappings/accounts.yaml
target: duckdb:///crm.duckdb
run_dir: runs
dedupe:
  objects: [accounts]
verify:
  engines: [sql]
"""


def _env(code_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code_root), env.get("PYTHONPATH", "")]))
    return env


def make_project(rows: int, seed: int, folder: Path, force: bool) -> Path:
    """The project folder with accounts.csv (generated once), the mapping and the migration file."""
    data = folder / "accounts.csv"
    if force and folder.exists():
        shutil.rmtree(folder)
    (folder / "mappings").mkdir(parents=True, exist_ok=True)
    if not data.exists():
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "crmtool", "synth", str(rows), "--seed", str(seed), "--out", str(data),
                        "--json"], check=True, env=_env(ROOT), stdout=subprocess.DEVNULL)
        print(f"generated {data} ({rows:,} rows) in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    (folder / "mappings" / "accounts.yaml").write_text(MAPPING, encoding="utf-8")
    (folder / "migration.yaml").write_text(MIGRATION, encoding="utf-8")
    return folder


def run_once(folder: Path, code_root: Path, run_id: str, profile: Path | None = None) -> dict:
    """One `crmtool run` in a fresh process: stage seconds, wall time and peak RSS."""
    store = folder / "crm.duckdb"
    for path in (store, folder / "crm.duckdb.wal", folder / "runs" / run_id):
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    # generated data at a million rows has a few credit codes two companies share: accept the rule's
    # failure, so that every run also loads
    command = [sys.executable, "-m", "crmtool", "run", "migration.yaml", "--json", "--run-id", run_id,
               "--accept-failures", "benchmark: generated data"]
    if profile is not None:
        profile.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pyinstrument", "-r", "pyisession", "-o", str(profile / "run.pyisession"),
                   "-m", "crmtool", *command[3:]]
    started = time.perf_counter()
    logs = folder / "runs" / f"{run_id}.log"
    logs.parent.mkdir(parents=True, exist_ok=True)
    with open(logs, "wb") as log:
        proc = subprocess.Popen(command, cwd=folder, env=_env(code_root), stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)  # the child's own rusage: its peak RSS
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.stderr.write(logs.read_text(encoding="utf-8", errors="replace")[-4000:])
        raise SystemExit(f"crmtool run failed (exit {proc.returncode}) with {code_root}")
    manifest = json.loads((folder / "runs" / run_id / "manifest.json").read_text(encoding="utf-8"))
    seconds = {name: manifest["stages"][name].get("seconds") for name in STAGES if name in manifest["stages"]}
    return {"stages": seconds, "wall": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
            "rows": manifest["reconciliation"]["accounts"]["source_rows"]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--dir", type=Path, help="project folder (default bench/data/pipeline_<rows>)")
    parser.add_argument("--baseline", type=Path, help="another checkout's root (holding crmtool/) to compare with")
    parser.add_argument("--profile", type=Path, help="run the current code once under pyinstrument into this folder")
    parser.add_argument("--force", action="store_true", help="regenerate the project folder")
    parser.add_argument("--markdown", action="store_true", help="print the table for docs/benchmarks.md")
    parser.add_argument("--json", action="store_true", help="print every run as JSON")
    args = parser.parse_args(argv)

    folder = make_project(args.rows, args.seed, args.dir or ROOT / "bench" / "data" / f"pipeline_{args.rows}", args.force)
    if args.profile is not None:
        result = run_once(folder, ROOT, "profile", args.profile)
        session = args.profile / "run.pyisession"
        for renderer, name in (("text", "run.txt"), ("html", "run.html")):
            subprocess.run([sys.executable, "-m", "pyinstrument", "--load", str(session), "-r", renderer,
                            "-o", str(args.profile / name)], check=True, env=_env(ROOT))
        print(f"profile: {args.profile / 'run.txt'}, {args.profile / 'run.html'}", file=sys.stderr)
        print(json.dumps(result, indent=1))
        return 0
    sides = [("baseline", args.baseline.resolve())] if args.baseline else []
    sides.append(("current", ROOT))
    runs: dict[str, list[dict]] = {name: [] for name, _ in sides}
    for rep in range(args.reps):
        for name, code_root in sides:
            result = run_once(folder, code_root, f"bench-{name}-{rep}")
            runs[name].append(result)
            print(f"{name} run {rep + 1}: " + ", ".join(f"{s} {v:.1f}" for s, v in result["stages"].items())
                  + f"; wall {result['wall']:.1f} s, peak RSS {result['peak_rss_mib']:,.0f} MiB", file=sys.stderr)
    if args.json:
        print(json.dumps(runs, indent=1))
    _print_table(runs, args.markdown)
    return 0


def _print_table(runs: dict[str, list[dict]], markdown: bool) -> None:
    names = list(runs)
    best = {n: {s: min(r["stages"][s] for r in runs[n]) for s in STAGES if all(s in r["stages"] for r in runs[n])}
            for n in names}
    rss = {n: max(r["peak_rss_mib"] for r in runs[n]) for n in names}
    wall = {n: min(r["wall"] for r in runs[n]) for n in names}
    header = ["stage", *[f"{n} (s)" for n in names]] + (["speed-up"] if len(names) == 2 else [])
    lines = []
    for stage in STAGES:
        if not all(stage in best[n] for n in names):
            continue
        cells = [stage, *[f"{best[n][stage]:.1f}" for n in names]]
        if len(names) == 2:
            before, after = best[names[0]][stage], best[names[1]][stage]
            cells.append(f"{before / after:.1f}×" if after else "")
        lines.append(cells)
    total = {n: sum(best[n].values()) for n in names}
    lines.append(["all stages", *[f"{total[n]:.1f}" for n in names]]
                 + ([f"{total[names[0]] / total[names[1]]:.1f}×"] if len(names) == 2 else []))
    lines.append(["wall (process)", *[f"{wall[n]:.1f}" for n in names]] + ([""] if len(names) == 2 else []))
    lines.append(["peak RSS (MiB)", *[f"{rss[n]:,.0f}" for n in names]] + ([""] if len(names) == 2 else []))
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("| --- | " + " | ".join("---:" for _ in header[1:]) + " |")
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
    else:
        widths = [max(len(c[i]) for c in [header, *lines]) for i in range(len(header))]
        for cells in [header, *lines]:
            print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths))))


if __name__ == "__main__":
    raise SystemExit(main())
