"""Cross-object links (crmtool.dedupe.cross) on generated leads with a known truth.

    python bench/bench_cross.py --n 20000 [--seed 31] [--json]

generate_leads(n) makes a CRM of 2n contacts at their accounts and n leads (45% known contacts written
again, 22% new people at known accounts, 3% known people at another account, 30% new); the links of every
lead are computed once (leads → contacts with the contact rules, leads → accounts with the account rules)
and scored against the truth (crmtool.synth.link_accuracy): precision of the match links (target ≥ 0.99)
and recall per object. Wall time is the matching only, on whatever else the machine is doing.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=31)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from crmtool.dedupe.cross import link_counts, match_cross
    from crmtool.synth import generate_contacts, generate_leads, link_accuracy
    
    accounts, contacts, leads, truth = generate_leads(args.n, seed=args.seed)
    _, contact_truth = generate_contacts(2 * args.n, seed=args.seed)
    started = time.perf_counter()
    links = match_cross(leads, "record_id", accounts=accounts, account_key="record_id", contacts=contacts,
                        contact_key="record_id")
    seconds = time.perf_counter() - started
    scored = link_accuracy(links, truth, contact_truth)
    scored.pop("links")
    result = {"leads": len(leads), "contacts": len(contacts), "accounts": len(accounts), "seed": args.seed,
              "seconds": round(seconds, 1), **{k: round(v, 4) if isinstance(v, float) else v for k, v in scored.items()},
              **link_counts(links, len(leads))}
    print(json.dumps(result, indent=2) if args.json else
          " ".join(f"{k}={v}" for k, v in result.items()))


if __name__ == "__main__":
    main()
