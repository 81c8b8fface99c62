"""How long `crmtool --help` takes, beside a bare `python -c pass`, in one run.

Target (foundation issue): `crmtool --help` under 0.3 s. Each command runs N times in a fresh
process (interleaved); best and median wall times are printed; exit 1 when the median misses the target.

    python bench/bench_startup.py --runs 20
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time

TARGET_S = 0.3


def _time(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    script = shutil.which("crmtool") or os.path.join(os.path.dirname(sys.executable), "crmtool")
    contenders = {
        "python -c pass (baseline)": [sys.executable, "-c", "pass"],
        "python -c 'import typer'": [sys.executable, "-c", "import typer"],
        "crmtool --help": [script, "--help"],
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.runs):
        for name, cmd in contenders.items():
            times[name].append(_time(cmd))
    print(f"load average before/after: {os.getloadavg()[0]:.2f}")
    print("| command | runs | best s | median s |\n|---|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} | {len(values)} | {min(values):.3f} | {statistics.median(values):.3f} |")
    median = statistics.median(times["crmtool --help"])
    verdict = "PASS" if median < TARGET_S else "FAIL"
    print(f"\n{verdict}: crmtool --help median {median:.3f} s (target < {TARGET_S} s)")
    return 0 if median < TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
