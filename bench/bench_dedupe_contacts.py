"""crmtool contact (person) dedupe on the generator's contacts with a known truth.

    python bench/bench_dedupe_contacts.py --n 100000 [--seed 0] [--json]

The data set is generated once (crmtool.synth.generate_contacts: spaces, 繁體, titles, romanised
names in either order, mobiles in many formats, second mobiles, personal vs work e-mail, shared
switchboards, missing accounts; same names at other accounts and at the same account) and written to
Parquet. The dedupe then runs in a child process, from reading that Parquet file to its clusters, so
that wall time and peak memory are its own (measured as bench_dedupe.py does: the larger of the child's
max RSS and the peak summed PSS of its process tree). Pairwise precision and recall against the truth
are computed in the parent; the targets are precision ≥ 0.995 and recall ≥ 0.97.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.bench_dedupe import child, pairwise  # noqa: E402


def generate(n: int, seed: int, data: Path, truth_path: Path) -> None:
    from crmtool.synth import generate_contacts

    records, truth = generate_contacts(n, seed=seed)
    records.to_parquet(data)
    truth[["record_id", "entity_id"]].to_parquet(truth_path)


def run_crmtool(data: Path, out: Path) -> None:
    import pandas as pd

    from crmtool.dedupe.pipeline import DedupeSettings, dedupe
    from crmtool.dedupe.rules import builtin_rules

    records = pd.read_parquet(data).astype("string")
    result = dedupe(records, "record_id", DedupeSettings.from_rules(builtin_rules("contacts")))
    result.clusters[["record_id", "cluster_id"]].to_parquet(out)
    (out.with_suffix(".json")).write_text(json.dumps({"stats": result.stats, "blocks": result.blocks}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--child", choices=["crmtool", "generate"])
    parser.add_argument("--data", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.child == "generate":
        generate(args.n, args.seed, args.data, args.out)
        return
    if args.child == "crmtool":
        run_crmtool(args.data, args.out)
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    stem = f"contacts_{args.n}_s{args.seed}"
    data, truth_path = args.workdir / f"{stem}.parquet", args.workdir / f"{stem}_truth.parquet"
    if not data.exists() or not truth_path.exists():
        subprocess.run([sys.executable, __file__, "--child", "generate", "--n", str(args.n), "--seed", str(args.seed),
                        "--data", str(data), "--out", str(truth_path)], check=True)
    out = args.workdir / f"{stem}_crmtool_clusters.parquet"
    run = child("crmtool", data, out, script=__file__)

    import pandas as pd

    truth = pd.read_parquet(truth_path).set_index("record_id")["entity_id"]
    clusters = pd.read_parquet(out).set_index("record_id")["cluster_id"].reindex(truth.index)
    row = {"records": args.n, "seed": args.seed, **pairwise(truth, clusters), **run,
           **json.loads(out.with_suffix(".json").read_text())}
    missed = [f"{k} {row[k]:.4f} < {v}" for k, v in (("precision", 0.995), ("recall", 0.97)) if row[k] < v]
    if args.json:
        print(json.dumps({**row, "targets_missed": missed}, indent=2, ensure_ascii=False))
    else:
        print(f"{'records':>9} {'pairs':>9} {'precision':>9} {'recall':>7} {'wall s':>7} {'peak MB':>8}")
        print(f"{row['records']:>9,} {row['stats']['candidate_pairs']:>9,} {row['precision']:>9.4f} {row['recall']:>7.4f} "
              f"{row['seconds']:>7.1f} {row['peak_mb']:>8.0f}")
        print("per phase (s): " + ", ".join(f"{k} {v}" for k, v in row["stats"]["seconds"].items()))
        print("targets: " + ("all met" if not missed else "MISSED: " + "; ".join(missed)))
    if missed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
