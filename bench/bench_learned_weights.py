"""Configured vs learned (EM) weights: pairwise precision and recall on the generator's labelled accounts.

    python bench/bench_learned_weights.py [--n 10000] [--seed 31]

For the default and the hard set, `crmtool dedupe` (crmtool.dedupe.run.run_dedupe) runs twice over the
same CSV: with the configured weights (`--learn-weights`) and with the learned ones (`--apply-learned`).
Precision and recall are computed against the generator's truth as bench_dedupe.py computes them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> None:
    import pandas as pd

    from bench_dedupe import pairwise
    from crmtool.dedupe.run import run_dedupe
    from crmtool.synth import generate_accounts, write_records

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=31)
    args = parser.parse_args()
    print(f"{'set':<8} {'weights':<11} {'clusters':>8} {'precision':>9} {'recall':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for hard in (False, True):
            records, truth = generate_accounts(args.n, seed=args.seed, hard=hard)
            source = write_records(records, Path(tmp) / f"accounts_{hard}.csv")
            truth = truth.set_index("record_id")["entity_id"]
            for apply in (False, True):
                out = Path(tmp) / f"clusters_{hard}_{apply}.csv"
                summary = run_dedupe(source, "record_id", out, learn=True, apply_learned=apply)
                clusters = pd.read_csv(out, dtype=str).set_index("record_id")["cluster_id"].reindex(truth.index)
                score = pairwise(truth, clusters.fillna(pd.Series(truth.index, index=truth.index)))
                print(f"{'hard' if hard else 'normal':<8} {'learned' if apply else 'configured':<11} "
                      f"{summary['clusters']:>8,} {score['precision']:>9.4f} {score['recall']:>7.4f}", flush=True)


if __name__ == "__main__":
    main()
