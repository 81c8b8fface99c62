"""crmtool match (the real-time check) against a store of N accounts, beside batch `dedupe --against`.

    python bench/bench_match.py --n 1000000 [--lookups 1000] [--seed 0] [--hard] [--json]
    python bench/bench_match.py --object contacts --n 100000 [--lookups 1000]

`--object contacts`: the same with generated contacts (crmtool.synth.generate_contacts), `{"object":
"contacts", …}` lookups and `dedupe --object contacts --against store.csv` (the store's rows as a file).

One run:
1. a child process generates N + LOOKUPS accounts (crmtool.synth.generate_accounts; the records are
   in random order, so the last LOOKUPS ones hold copies of stored companies as well as new ones) and
   loads the first N into a DuckDB store through crmtool's DuckDB target, the rest into lookups.csv;
2. `crmtool match --store duckdb:///…` runs as a child process: the index build time is the time from
   its start to its "index:" line on stderr (the figure it prints itself, without Python's start and
   imports, is shown too); then the lookups are written one line at a time, each answer read before
   the next line is written, and each lookup's latency is the time from writing the line to reading
   the answer (pipe I/O and JSON included: what a client sees);
3. `crmtool dedupe lookups.csv --key account_id --against store.duckdb` runs as a child process: the
   time the batch takes for the same lookups (it computes the store's keys again every run);
4. the two are compared pair by pair (a pair is a lookup and a stored account decided match or review).

Peak memory of a child is the larger of its max RSS (wait4) and the peak of the summed PSS of it and
its descendants, sampled every 0.2 s (crmtool parses names in a process pool). The parent holds no
data while the children run. Exit 1 when the p99 latency is 20 ms or more.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
P99_TARGET_MS = 20.0
FIELDS = ["name", "credit_code", "phone", "address"]
CONTACT_FIELDS = ["name", "mobile", "phone", "email", "account_id", "title", "department"]
OBJECT = {"name": "accounts", "key": "account_id", "fields": FIELDS}


def _use(object_name: str) -> None:
    OBJECT.update({"name": object_name, "key": "contact_id" if object_name == "contacts" else "account_id",
                   "fields": CONTACT_FIELDS if object_name == "contacts" else FIELDS})


def prepare(n: int, lookups: int, seed: int, hard: bool, folder: Path) -> None:
    """(child) The store and the lookups."""
    from crmtool.load import open_target
    from crmtool.load.stage import row_hash
    from crmtool.model import load_object_model
    from crmtool.synth import generate_accounts

    name, key, fields = OBJECT["name"], OBJECT["key"], OBJECT["fields"]
    if name == "contacts":
        from crmtool.synth import generate_contacts

        records, _ = generate_contacts(n + lookups, seed=seed)
        records = records.sample(frac=1, random_state=seed).reset_index(drop=True)  # copies among the lookups
    else:
        records, _ = generate_accounts(n + lookups, seed=seed, hard=hard)
    records = records.rename(columns={"record_id": key})[[key, *fields]]
    store = records.iloc[:n].reset_index(drop=True).astype("string[pyarrow]")
    store["_crm_hash"] = row_hash(store, fields)
    path = folder / "store.duckdb"
    path.unlink(missing_ok=True)
    with open_target(f"duckdb:///{path}", load_object_model()) as target:
        target.ensure_schema(["accounts", "contacts"] if name == "contacts" else ["accounts"])
        target.upsert(name, store, "bench")
    if name == "contacts":
        records.iloc[:n].to_csv(folder / "store.csv", index=False)
    records.iloc[n:].to_csv(folder / "lookups.csv", index=False)


def _sampler(pid: int, peak: list, done: threading.Event) -> threading.Thread:
    import psutil

    def sample() -> None:
        try:
            parent = psutil.Process(pid)
            while not done.wait(0.2):
                total = 0
                for p in [parent, *parent.children(recursive=True)]:
                    try:
                        total += p.memory_full_info().pss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
                peak[0] = max(peak[0], total)
        except psutil.NoSuchProcess:
            return

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return thread


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


def run_match(folder: Path) -> dict:
    import pandas as pd

    lookups = pd.read_csv(folder / "lookups.csv", dtype=str, keep_default_na=False)
    extra = {"object": "contacts"} if OBJECT["name"] == "contacts" else {}
    lines = [json.dumps({"id": row[OBJECT["key"]], **extra, **{c: (row[c] or None) for c in OBJECT["fields"]}},
                        ensure_ascii=False) for _, row in lookups.iterrows()]
    del lookups
    load = [os.getloadavg()[0]]
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "crmtool", "match", "--store", f"duckdb:///{folder / 'store.duckdb'}"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", env=_env(), bufsize=1)
    peak, done = [0], threading.Event()
    _sampler(proc.pid, peak, done)
    message = proc.stderr.readline()
    build_wall = time.perf_counter() - started
    if not message.startswith("index:"):
        raise SystemExit(f"crmtool match failed: {message}{proc.stderr.read()}")
    build_peak = peak[0]
    load.append(os.getloadavg()[0])
    latencies, answers = [], []
    for line in lines:
        t = time.perf_counter()
        proc.stdin.write(line + "\n")
        proc.stdin.flush()
        answer = proc.stdout.readline()
        latencies.append(time.perf_counter() - t)
        answers.append(json.loads(answer))
    proc.stdin.close()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    load.append(os.getloadavg()[0])
    if status != 0:
        raise SystemExit(f"crmtool match failed (status {status}): {proc.stderr.read()}")
    ms = sorted(x * 1000 for x in latencies)
    pick = lambda q: ms[min(len(ms) - 1, int(q * len(ms)))]  # noqa: E731
    return {"build_wall_s": build_wall, "build_own_s": float(message.split("(")[1].split(" s")[0]),
            "build_peak_mb": max(build_peak, 0) / 2**20,
            "peak_mb": max(usage.ru_maxrss / 1024, peak[0] / 2**20), "lookups": len(ms),
            "p50_ms": pick(0.50), "p90_ms": pick(0.90), "p99_ms": pick(0.99), "max_ms": ms[-1],
            "mean_ms": sum(ms) / len(ms), "lookups_total_s": sum(latencies), "load": load,
            "answers": answers}


def run_batch(folder: Path) -> dict:
    load = [os.getloadavg()[0]]
    started = time.perf_counter()
    with open(folder / "batch.out", "w") as out, open(folder / "batch.err", "w") as err:
        contacts = OBJECT["name"] == "contacts"
        proc = subprocess.Popen([sys.executable, "-m", "crmtool", "dedupe", str(folder / "lookups.csv"), "--key",
                                 OBJECT["key"], "--out", str(folder / "clusters.csv"), "--pairs", str(folder / "pairs.csv"),
                                 *(["--object", "contacts"] if contacts else []), "--against",
                                 str(folder / ("store.csv" if contacts else "store.duckdb")), "--json"],
                                stdout=out, stderr=err, env=_env())
        peak, done = [0], threading.Event()
        _sampler(proc.pid, peak, done)
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
    seconds = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"crmtool dedupe failed: {(folder / 'batch.err').read_text()}")
    summary = json.loads((folder / "batch.out").read_text())
    return {"seconds": seconds, "dedupe_seconds": summary["seconds"], "peak_mb": max(usage.ru_maxrss / 1024, peak[0] / 2**20),
            "load": load + [os.getloadavg()[0]]}


def agreement(folder: Path, answers: list[dict]) -> dict:
    """The (lookup, stored account, decision) triples of both, match or review."""
    import pandas as pd

    pairs = pd.read_csv(folder / "pairs.csv", dtype=str, keep_default_na=False)
    new = {a["id"] for a in answers}
    cross = pairs[pairs["key_a"].isin(new) != pairs["key_b"].isin(new)]
    cross = cross[cross["decision"] != "non-match"]
    batch = {(a, b, d) if a in new else (b, a, d) for a, b, d in zip(cross["key_a"], cross["key_b"], cross["decision"])}
    mine = {(a["id"], c["key"], c["decision"]) for a in answers for c in a["candidates"]}
    return {"batch_pairs": len(batch), "match_pairs": len(mine), "same": len(batch & mine),
            "only_batch": sorted(batch - mine)[:5], "only_match": sorted(mine - batch)[:5]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--lookups", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hard", action="store_true", help="the generator's hard setting")
    parser.add_argument("--object", choices=["accounts", "contacts"], default="accounts")
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--reuse", action="store_true", help="keep a store made by an earlier run with the same options")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--prepare", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    _use(args.object)
    if args.prepare:
        prepare(args.n, args.lookups, args.seed, args.hard, args.prepare)
        return
    folder = args.workdir / (f"match_{'contacts_' if args.object == 'contacts' else ''}{args.n}_{args.seed}"
                             f"{'_hard' if args.hard else ''}")
    folder.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    if not (args.reuse and (folder / "store.duckdb").exists() and (folder / "lookups.csv").exists()):
        subprocess.run([sys.executable, __file__, "--prepare", str(folder), "--n", str(args.n), "--lookups",
                        str(args.lookups), "--seed", str(args.seed), "--object", args.object,
                        *(["--hard"] if args.hard else [])],
                       check=True, env=_env())
    prepared = time.perf_counter() - started
    match = run_match(folder)
    batch = run_batch(folder)
    agree = agreement(folder, match.pop("answers"))
    report = {"object": args.object, "records": args.n, "hard": args.hard, "seed": args.seed, "prepare_s": prepared, "match": match,
              "batch": batch, "agreement": agree, "p99_target_ms": P99_TARGET_MS}
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        m, b = match, batch
        print(f"store: {args.n:,} {args.object}{' (hard)' if args.hard else ''}, seed {args.seed}; {m['lookups']:,} lookups")
        print(f"crmtool match: index {m['build_wall_s']:.1f} s wall ({m['build_own_s']:.1f} s its own), peak "
              f"{m['peak_mb']:,.0f} MB; latency p50 {m['p50_ms']:.2f} ms, p90 {m['p90_ms']:.2f}, p99 {m['p99_ms']:.2f}, "
              f"max {m['max_ms']:.1f}; {m['lookups_total_s']:.1f} s for all; load {m['load']}")
        print(f"crmtool dedupe --against: {b['seconds']:.1f} s wall, peak {b['peak_mb']:,.0f} MB; load {b['load']}")
        print(f"pairs: batch {agree['batch_pairs']:,}, match {agree['match_pairs']:,}, the same {agree['same']:,}")
    if match["p99_ms"] >= P99_TARGET_MS:
        print(f"MISSED: p99 {match['p99_ms']:.2f} ms (target < {P99_TARGET_MS} ms)")
        raise SystemExit(1)
    print(f"PASS: p99 {match['p99_ms']:.2f} ms < {P99_TARGET_MS} ms")


if __name__ == "__main__":
    main()
