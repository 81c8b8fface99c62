"""Reading benchmark: crmtool's reader against a bare python-calamine read, with pandas+openpyxl beside them.

Every measurement runs in a fresh Python process, so each contender's peak memory is its own
(taken from the kernel's rusage of that child after it exits, `os.wait4`). A child imports its
libraries first (timed apart, shown as "import s"), then times the read call alone with
`time.perf_counter`; that read time is what the ratio compares. Repetitions are interleaved
(calamine, crmtool, calamine, crmtool, ...) so that drift on the machine hits both alike.

Contenders:
  calamine         CalamineWorkbook.from_path(p).get_sheet_by_index(0).to_python()   (the baseline)
  crmtool          crmtool.read.read_table(p): every cell to text, header found, provenance columns
  pandas-openpyxl  pandas.read_excel(p, engine="openpyxl", dtype=str)                (slow: once)
  pandas-calamine  pandas.read_excel(p, engine="calamine", dtype=str)                (information, once)
  crmtool-cli      `crmtool read FILE --out X.parquet`, whole process timed           (information, once)

Exit code: 0 when crmtool's best read time is within --max-ratio (1.5) of calamine's best, 1 when it
is not, 2 when the check could not be made (crmtool not importable, a child failed, row counts differ).

    python bench/bench_read.py --rows 1000000 --markdown
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
REPEATED = ("calamine", "crmtool")
ONCE = ("pandas-openpyxl", "pandas-calamine", "crmtool-cli")
ALL = REPEATED + ONCE
DESCRIPTIONS = {
    "calamine": "bare python-calamine `to_python()` (baseline)",
    "crmtool": "`crmtool.read.read_table` (text cells, header, provenance)",
    "pandas-openpyxl": '`pandas.read_excel(engine="openpyxl", dtype=str)`',
    "pandas-calamine": '`pandas.read_excel(engine="calamine", dtype=str)`',
    "crmtool-cli": "`crmtool read FILE --out X.parquet` (whole process)",
}


# --------------------------------------------------------------------------- child side


def _child(name: str, path: str) -> None:
    """Run one contender once in this (fresh) process and print one JSON line with its figures."""
    import resource

    t0 = time.perf_counter()
    if name == "calamine":
        from python_calamine import CalamineWorkbook

        def read() -> int:
            return len(CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()) - 1  # less the header

    elif name == "crmtool":
        import pandas  # noqa: F401 - the reader's own dependencies, imported outside the timed call
        import pyarrow  # noqa: F401

        from crmtool.read import read_table

        def read() -> int:
            return len(read_table(path).table)

    elif name in ("pandas-openpyxl", "pandas-calamine"):
        import pandas as pd

        engine = name.split("-")[1]
        __import__("openpyxl" if engine == "openpyxl" else "python_calamine")

        def read() -> int:
            return len(pd.read_excel(path, engine=engine, dtype=str))

    else:
        raise SystemExit(f"unknown contender {name!r}")
    import_s = time.perf_counter() - t0
    rss_after_import = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t1 = time.perf_counter()
    rows = read()
    read_s = time.perf_counter() - t1
    print(json.dumps({"read_s": read_s, "import_s": import_s, "rows": rows, "rss_import_kb": rss_after_import}))


# --------------------------------------------------------------------------- parent side


@dataclass
class Contender:
    name: str
    read_s: list[float] = field(default_factory=list)
    import_s: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)
    rows: set[int] = field(default_factory=set)
    error: str | None = None

    @property
    def best(self) -> float:
        return min(self.read_s)

    @property
    def median(self) -> float:
        return statistics.median(self.read_s)


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH", "")]))
    return env


def _run_process(argv: list[str]) -> tuple[int, str, str, float, int]:
    """Run argv to completion; (exit status, stdout, stderr, wall seconds, peak RSS of that child in KiB).

    os.wait4 gives this child's own rusage; RUSAGE_CHILDREN would give the maximum over all children so far.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, cwd=REPO_ROOT, env=_child_env())
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return proc.returncode, out.read().decode(), err.read().decode(errors="replace"), wall, usage.ru_maxrss


def run_once(contender: Contender, path: Path) -> None:
    """One fresh-process measurement of `contender`, added to its figures (or its error noted)."""
    code, out, err, _, peak_kb = _run_process([sys.executable, __file__, "--child", contender.name, str(path)])
    if code != 0:
        contender.error = (err.strip().splitlines() or [f"exit {code}"])[-1]
        return
    figures = json.loads(out.strip().splitlines()[-1])
    contender.read_s.append(figures["read_s"])
    contender.import_s.append(figures["import_s"])
    contender.peak_kb.append(peak_kb)
    contender.rows.add(figures["rows"])


def run_cli(contender: Contender, path: Path) -> None:
    """Time `crmtool read FILE --out X.parquet` as a user runs it: the whole process, start to exit."""
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "read.parquet"
        argv = [sys.executable, "-c", "from crmtool.cli import main; main()", "read", str(path), "--out", str(target)]
        code, _, err, wall, peak_kb = _run_process(argv)
        if code != 0 or not target.exists():
            contender.error = (err.strip().splitlines() or [f"exit {code}, no {target.name}"])[-1]
            return
        import pyarrow.parquet as pq

        contender.rows.add(pq.read_metadata(target).num_rows)
    contender.read_s.append(wall)
    contender.import_s.append(float("nan"))
    contender.peak_kb.append(peak_kb)


def reader_fingerprint() -> str:
    """A hash of crmtool's reader sources: a run during which they changed compares two readers, not one."""
    import hashlib

    digest = hashlib.sha256()
    for source in sorted((REPO_ROOT / "crmtool" / "read").glob("*.py")):
        digest.update(source.name.encode() + source.read_bytes())
    return digest.hexdigest()[:12]


def crmtool_reader_available() -> str | None:
    """None when crmtool.read.read_table can be imported in a fresh process, else the reason it cannot."""
    code, _, err, _, _ = _run_process([sys.executable, "-c", "from crmtool.read import read_table"])
    return None if code == 0 else (err.strip().splitlines() or ["import failed"])[-1]


def run_benchmark(path: Path, names: list[str], reps: int, log=print) -> dict[str, Contender]:
    """Measure every named contender on `path`: the repeated ones interleaved `reps` times, the others once."""
    path.read_bytes()  # into the page cache, so that no contender pays for the first disk read
    results = {name: Contender(name) for name in names}
    for rep in range(reps):
        for name in (n for n in REPEATED if n in results):
            if results[name].error is None:
                log(f"  {name} run {rep + 1}/{reps} ...")
                run_once(results[name], path)
    for name in (n for n in ONCE if n in results):
        log(f"  {name} (once) ...")
        (run_cli if name == "crmtool-cli" else run_once)(results[name], path)
    return results


# --------------------------------------------------------------------------- reporting


def machine_description() -> dict[str, str]:
    """nproc, CPU model, RAM, OS, Python and the versions of the packages that take part."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(next(ln for ln in Path("/proc/meminfo").read_text().splitlines()
                          if ln.startswith("MemTotal")).split()[1])
        ram = f"{mem_kb / 2**20:.1f} GiB"
    except (OSError, StopIteration):
        ram = "unknown"
    packages = []
    for dist in ("crmtool", "python-calamine", "pandas", "openpyxl", "pyarrow", "numpy"):
        try:
            packages.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            packages.append(f"{dist} (not installed)")
    return {
        "cpus": f"{len(os.sched_getaffinity(0))} (nproc)",
        "cpu": cpu,
        "ram": ram,
        "os": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": ", ".join(packages),
    }


def ratio(results: dict[str, Contender], name: str, attr: str = "best") -> float | None:
    base, other = results.get("calamine"), results.get(name)
    if not base or not other or not base.read_s or not other.read_s:
        return None
    return getattr(other, attr) / getattr(base, attr)


def table_rows(results: dict[str, Contender]) -> list[list[str]]:
    rows = []
    for c in results.values():
        if c.error or not c.read_s:
            rows.append([c.name, "0", "failed", "-", "-", "-", "-", "-", "-"])
            continue
        n = max(c.rows)
        best_ratio, median_ratio = ratio(results, c.name), ratio(results, c.name, "median")
        rows.append([
            c.name,
            str(len(c.read_s)),
            f"{c.best:.2f}",
            f"{c.median:.2f}",
            f"{n / c.best:,.0f}",
            "-" if c.import_s[0] != c.import_s[0] else f"{min(c.import_s):.2f}",
            f"{max(c.peak_kb) / 1024:,.0f}",
            "-" if best_ratio is None else f"{best_ratio:.2f}x",
            "-" if median_ratio is None else f"{median_ratio:.2f}x",
        ])
    return rows


HEADINGS = ["contender", "runs", "best s", "median s", "rows/s (best)", "import s", "peak RSS MiB",
            "vs calamine (best)", "vs calamine (median)"]


def run_lines(results: dict[str, Contender]) -> list[str]:
    """Every run's read time, and the crmtool/calamine ratio of each interleaved pair (robust to drift)."""
    lines = [f"{c.name} runs (s): {', '.join(f'{t:.2f}' for t in c.read_s)}" for c in results.values() if len(c.read_s) > 1]
    base, other = results.get("calamine"), results.get("crmtool")
    if base and other and base.read_s and other.read_s:
        pairs = [b / a for a, b in zip(base.read_s, other.read_s)]
        lines.append(f"crmtool/calamine per interleaved pair: {', '.join(f'{r:.2f}x' for r in pairs)}"
                     f" (median {statistics.median(pairs):.2f}x)")
    return lines


def failures(results: dict[str, Contender]) -> list[str]:
    return [f"{c.name} failed: {c.error}" for c in results.values() if c.error]


def render_text(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in [HEADINGS, *rows]) for i in range(len(HEADINGS))]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(HEADINGS), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def render_markdown(rows: list[list[str]], results: dict[str, Contender], path: Path, command: str,
                    data_rows: int, machine: dict[str, str], verdict: str) -> str:
    out = [
        f"Command (run from the repository root): `{command}`",
        "",
        (
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC on `{path.name}`: {data_rows:,} data rows × 8 "
            f"columns plus a header, {path.stat().st_size / 2**20:.1f} MiB."
        ),
        "",
        "| " + " | ".join(["contender", "what is timed", *HEADINGS[1:]]) + " |",
        "|" + "|".join(["---", "---"] + ["---:"] * (len(HEADINGS) - 1)) + "|",
    ]
    for row in rows:
        out.append("| " + " | ".join([row[0], DESCRIPTIONS.get(row[0], ""), *row[1:]]) + " |")
    out += [""] + [f"- {line}" for line in failures(results)] + ([""] if failures(results) else [])
    out += [f"- {line}" for line in run_lines(results)] + [""]
    out += [f"Result: {verdict}", "", "Machine:", ""]
    out += [f"- {key}: {value}" for key, value in machine.items()]
    return "\n".join(out)


def check(results: dict[str, Contender], max_ratio: float, data_rows: int | None) -> tuple[int, str]:
    """The exit code and a one-line verdict for crmtool's best read time against calamine's best."""
    for c in results.values():
        if c.rows and data_rows is not None and c.rows != {data_rows}:
            return 2, f"{c.name} read {sorted(c.rows)} rows, the file has {data_rows:,}: not comparing unlike work"
    best = ratio(results, "crmtool")
    if best is None:
        why = results["crmtool"].error if "crmtool" in results else "crmtool was not run"
        return 2, f"no check made ({why})"
    if best > max_ratio:
        return 1, f"FAIL: crmtool read takes {best:.2f}x the time of bare calamine (target ≤ {max_ratio}x)"
    return 0, f"PASS: crmtool read takes {best:.2f}x the time of bare calamine (target ≤ {max_ratio}x)"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Reading benchmark: crmtool vs bare python-calamine vs pandas.")
    parser.add_argument("--rows", type=int, default=1_000_000, help="data rows of the fixture (default 1,000,000)")
    parser.add_argument("--file", type=Path, help="benchmark this xlsx instead of the generated fixture")
    parser.add_argument("--shared-strings", action="store_true", help="use the shared-string fixture")
    parser.add_argument("--reps", type=int, default=3, help="runs of calamine and crmtool each (default 3)")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated contenders (default: {','.join(ALL)})")
    parser.add_argument("--skip", default="", help="comma-separated contenders to leave out")
    parser.add_argument("--max-ratio", type=float, default=1.5, help="crmtool/calamine limit (default 1.5)")
    parser.add_argument("--markdown", action="store_true", help="also print the block for docs/benchmarks.md")
    parser.add_argument("--child", nargs=2, metavar=("CONTENDER", "FILE"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    names = [n for n in args.only.split(",") if n and n not in args.skip.split(",")]
    unknown = set(names) - set(ALL)
    if unknown:
        print(f"unknown contender(s): {', '.join(sorted(unknown))}; choose from {', '.join(ALL)}", file=sys.stderr)
        return 2
    if args.file:
        path, data_rows = args.file.resolve(), None
    else:
        sys.path.insert(0, str(BENCH_DIR))
        from make_read_fixture import ensure_fixture

        print(f"fixture: {args.rows:,} rows (written once, then cached under bench/data/) ...", file=sys.stderr)
        path, data_rows = ensure_fixture(args.rows, args.shared_strings), args.rows
    if {"crmtool", "crmtool-cli"} & set(names) and (why := crmtool_reader_available()):
        print(f"crmtool reader not importable yet: {why}", file=sys.stderr)
        names = [n for n in names if n not in ("crmtool", "crmtool-cli")] + ["crmtool"]
    load_before, reader_before = os.getloadavg(), reader_fingerprint()
    results = run_benchmark(path, names, args.reps, log=lambda msg: print(msg, file=sys.stderr))
    load_after, reader_after = os.getloadavg(), reader_fingerprint()
    if "crmtool" in results and not results["crmtool"].read_s and results["crmtool"].error is None:
        results["crmtool"].error = "crmtool.read.read_table not importable"
    code, verdict = check(results, args.max_ratio, data_rows)
    if reader_before != reader_after:
        code, verdict = 2, f"no check made: crmtool/read/ changed during the run ({verdict})"
    rows = table_rows(results)
    size = f"{path.stat().st_size / 2**20:.1f} MiB"
    print(f"\n{path} ({size}); read time is the read call alone, in a fresh process per run\n")
    print(render_text(rows))
    for line in run_lines(results):
        print(line)
    for line in failures(results):
        print(line)
    print(f"\n{verdict}")
    if args.markdown:
        command = shlex.join(["python", "bench/bench_read.py", *(sys.argv[1:] if argv is None else argv)])
        n = data_rows if data_rows is not None else max((max(c.rows) for c in results.values() if c.rows), default=0)
        machine = machine_description()
        machine["load average (1 min) before / after"] = f"{load_before[0]:.2f} / {load_after[0]:.2f}"
        machine["crmtool/read sources (sha256, first 12)"] = reader_after
        print("\n" + render_markdown(rows, results, path, command, n, machine, verdict))
    return code


if __name__ == "__main__":
    sys.exit(main())
