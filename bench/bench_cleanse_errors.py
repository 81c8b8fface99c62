"""Cleansing quality on cells with known errors: crmtool beside a plain stdnum/phonenumbers/OpenCC/dateutil
script (bench/plain_cleanse.py), on the same cells, in one run.

    python bench/bench_cleanse_errors.py [--rows 10000] [--seed 0] [--per-class] [--markdown]

The cells are `crmtool.synth.errors.generate_error_set(ROWS, seed=SEED)`: ten columns of a customer
export, 60 % of the cells with one planted error of a known class, the rest clean; and the hand-written
fixture tests/cleanse/data/error_cells_handwritten.csv. crmtool runs `cleanse_table` with the matching
kinds (as `crmtool cleanse --as …` does); the plain script runs per cell. Both are scored by
`crmtool.cleanse.score` per error class. Exits 1 when crmtool misses a target: errors fixed or flagged
≥ 99 %, fixable errors fixed ≥ 97 %, errors passed as clean ≤ 1 %, false alarms on clean cells ≤ 0.1 %.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

FIXTURE = ROOT / "tests" / "cleanse" / "data" / "error_cells_handwritten.csv"
TARGETS = {"fixed_or_flagged": (">=", 0.99), "fixable_fixed": (">=", 0.97), "passed_as_clean": ("<=", 0.01),
           "false_alarms": ("<=", 0.001)}
LABELS = {"fixed_or_flagged": "errors fixed or flagged", "fixable_fixed": "fixable errors fixed",
          "passed_as_clean": "errors passed as clean", "false_alarms": "false alarms on clean cells",
          "change_right": "fixes labelled notation/content right"}


def plain_cells(truth):
    """(status, clean) per truth row from the plain script, once per distinct (kind, cell)."""
    import pandas as pd
    from plain_cleanse import plain_cleanse

    seen: dict[tuple[str, str], tuple[str, str | None]] = {}
    status, clean = [], []
    for kind, cell in zip(truth["kind"], truth["cell"]):
        key = (kind, cell)
        if key not in seen:
            seen[key] = plain_cleanse(kind, cell)
        status.append(seen[key][0])
        clean.append(seen[key][1])
    return pd.Series(status, index=truth.index), pd.Series(clean, index=truth.index, dtype=object)


def load_fixture():
    import pandas as pd

    cells = pd.read_csv(FIXTURE, dtype=str, keep_default_na=False)
    cells["error_class"] = cells["kind"] + ": " + cells["what"].where(cells["outcome"] != "clean", "")
    cells["expected"] = cells["expected"].where(cells["outcome"] != "flag", None)
    cells["change"] = ""
    return cells


def score_both(truth, crmtool_cells):
    from crmtool.cleanse.score import score_cells, totals

    started = time.process_time()
    plain = plain_cells(truth)
    plain_seconds = time.process_time() - started
    ours = score_cells(truth, *crmtool_cells)
    theirs = score_cells(truth, *plain)
    return ours, theirs, totals(ours), totals(theirs), plain_seconds


def print_totals(title: str, ours, theirs, seconds: tuple[float, float] | None, labelled: bool = True) -> None:
    print(f"\n{title}: {ours.errors:,} errors, {ours.fixable:,} of them fixable, {ours.clean:,} clean cells")
    print("| measure | crmtool | plain script | target |\n| --- | ---: | ---: | --- |")
    for key, label in LABELS.items():
        if key == "change_right" and not labelled:
            continue
        target = " ".join(("≥" if TARGETS[key][0] == ">=" else "≤", f"{TARGETS[key][1]:.1%}")) if key in TARGETS else ""
        theirs_value = "—" if key == "change_right" else f"{getattr(theirs, key):.2%}"
        print(f"| {label} | {getattr(ours, key):.2%} | {theirs_value} | {target} |")
    if seconds:
        print(f"| CPU seconds | {seconds[0]:.2f} | {seconds[1]:.2f} | |")


def missed(result) -> list[str]:
    out = []
    for key, (op, bound) in TARGETS.items():
        value = getattr(result, key)
        if (op == ">=" and value < bound) or (op == "<=" and value > bound):
            out.append(f"{LABELS[key]}: {value:.2%} (target {op} {bound:.1%})")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-class", action="store_true", help="print the per-class table of both")
    parser.add_argument("--markdown", action="store_true", help="per-class tables as Markdown (docs/cleanse.md)")
    args = parser.parse_args(argv)

    from crmtool.cleanse.score import cells_from_table, cleanse_cells, markdown
    from crmtool.cleanse.stage import cleanse_table
    from crmtool.synth.errors import generate_error_set, kinds

    records, truth = generate_error_set(args.rows, seed=args.seed)
    started = time.process_time()
    table, _ = cleanse_table(records, kinds())
    ours_seconds = time.process_time() - started
    ours, theirs, ours_total, theirs_total, plain_seconds = score_both(truth, cells_from_table(table, truth))
    print(f"crmtool.synth.errors.generate_error_set({args.rows}, seed={args.seed}): "
          f"{truth['error_class'].replace('', None).nunique()} error classes")
    print_totals("Generated error set", ours_total, theirs_total, (ours_seconds, plain_seconds))
    if args.per_class or args.markdown:
        print()
        print(markdown(ours, theirs))

    fixture = load_fixture()
    f_ours, f_theirs, f_ours_total, f_theirs_total, _ = score_both(fixture, cleanse_cells(fixture))
    print_totals(f"Hand-written fixture ({FIXTURE.relative_to(ROOT)})", f_ours_total, f_theirs_total, None,
                 labelled=False)
    if args.per_class or args.markdown:
        wrong = f_ours[(f_ours["wrong"] > 0) | (f_ours["false_alarm"] > 0)]
        print("\nfixture cells crmtool gets wrong:", ", ".join(wrong["error_class"]) or "none")

    failures = missed(ours_total)
    for failure in failures:
        print(f"target missed: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
