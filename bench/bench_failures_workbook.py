"""verify's failures workbook: masking the whole frame (before issue 13) beside the workbook as it is now.

    python bench/bench_failures_workbook.py [--rows 200000] [--failing-share 0.01]

ROWS generated contacts (`crmtool.synth.generate_contacts`), FAILING-SHARE of them failing one rule;
CPU seconds of `mask_table` over the whole frame (what the workbook spent before it masked only its
rows) and of the whole `write_failures_workbook` now (masking, writing the sheets).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--failing-share", type=float, default=0.01)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    import numpy as np
    import pandas as pd

    from crmtool.mask import mask_table
    from crmtool.synth import generate_contacts
    from crmtool.validate.workbook import write_failures_workbook

    n = args.rows
    contacts, _ = generate_contacts(n, seed=3)
    frame = contacts.astype("string").assign(_row_id=[f"c.csv#{i}" for i in range(n)], _source="c.csv", _sheet="",
                                             _row=[str(i) for i in range(n)])
    bad = np.sort(np.random.default_rng(1).choice(n, int(n * args.failing_share), replace=False))
    failures = pd.DataFrame({"rule_id": "contacts.mobile.valid", "_row_id": frame["_row_id"].iloc[bad].tolist(),
                             "message": "mobile wrong"})
    results = [{"rule_id": "contacts.mobile.valid", "object": "contacts", "field": "mobile", "kind": "pattern",
                "severity": "error", "status": "failed", "checked": n, "failed": len(bad),
                "engine_counts": {"sql": len(bad)}, "message": "m", "note": None}]
    start = time.process_time()
    mask_table(frame)
    whole = time.process_time() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.process_time()
        write_failures_workbook(Path(tmp) / "failures.xlsx", results, failures, {"contacts": frame})
        now = time.process_time() - start
    print(f"| rows | failing | whole-frame mask_table (CPU s) | failures workbook now, all of it (CPU s) |\n"
          f"| ---: | ---: | ---: | ---: |\n| {n:,} | {len(bad):,} | {whole:.2f} | {now:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
