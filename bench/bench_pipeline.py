"""`crmtool run` on generated sources: seconds per stage (from the run's manifest) and peak RSS, against issue 13's targets.

    python bench/bench_pipeline.py --rows 200000 [--reps 1] [--baseline /tmp/before] [--markdown]
    python bench/bench_pipeline.py --rows 1000000 --source accounts-xlsx
    python bench/bench_pipeline.py --rows 10000000 --source contacts --files 10
    python bench/bench_pipeline.py --rows 200000 --profile /tmp/prof   # pyinstrument, text + html

Sources (--source):
- accounts-csv (default): `crmtool synth <rows> --seed 0 --encoding gb18030` (30 % extra copies of
  companies, the generator's mess), written as GB18030 CSV as legacy Chinese systems export it; the
  mapping names no `source.encoding`, so the reader's detection is exercised: every run is checked to
  have read all rows (the reconciliation's source_rows) and the names without mojibake (the read
  stage's first names equal the generator's);
- accounts-xlsx: the same records as one workbook (sheet 客户, xlsxwriter: a few minutes per million
  rows); at most 1,048,575 data rows, the sheet limit less the header;
- contacts: `crmtool synth <rows> --kind contacts` (UTF-8 CSV with BOM, the CLI's default), with the
  mobile column rewritten after generation so that every mobile is distinct (the generator repeats a
  person's mobile on their copies): valid mainland numbers of the segments 130-139, 150-153, 155-159,
  180-189, from a bijection of the row index (so distinct across parts too), written in the notation
  the generator used on that row where it was one number (plain, 138 0013 8000, 138-0013-8000, +86…,
  86…, +86 138 0013 8000, full-width); a cell with two numbers gets one plain number; empty cells stay
  empty. The contacts' required account reference (docs/migrate.md: a reference that does not resolve
  rejects the row; the store is new at every run) is resolved against accounts.csv, one company
  record per account id the contacts use (`generate_accounts` with no copies, seed + 1, keyed by the
  contacts' account_id), mapped in the same migration. Dedupe runs on contacts only (the accounts
  have no copies; contacts are compared with their account reference, docs/migrate.md "Stages").

Project folder bench/data/pipeline_<source>_<rows>[_<K>files]/ (made once and reused; --force remakes
it; source.json records what was generated):
- the source: accounts.csv / accounts.xlsx / contacts.csv, or with --files K (K > 1) K files of about
  rows/K rows each (accounts_01.csv …) and the mapping's `source.file` a glob (`../accounts_*.csv`).
  The generator holds ~2 GB per million rows, so sources over 1,000,000 rows are generated in parts of
  at most 1,000,000 rows, each in its own process, as bench_dedupe.py makes its ten-million set: part p
  has seed `seed * 1000 + p` and its ids prefixed `P<p>-` (for contacts their account ids too). Each
  file is one part or several concatenated (bytes streamed, the repeated header line skipped), so
  `--rows 10000000` writes one file of ten parts and `--files 10` ten files, the 10M source as
  several exports. The parts are made as `crmtool synth` makes its file (generate_accounts /
  generate_contacts, then write_records), in-process in each part's process;
- mappings/accounts.yaml: record_id → account_id (strip), name (company_name), credit_code
  (credit_code), phone (phone), address (address), email (email), the fields docs/benchmarks.md's
  "Pipeline" section was first measured with (for contacts: the contacts' accounts, without email);
- mappings/contacts.yaml (contacts): record_id → contact_id (strip), account_id (strip: an external
  id), name (person_name), mobile (mobile), phone (phone), email (email), title and department (strip);
- migration.yaml: the mapping(s), dedupe on accounts (contacts for --source contacts), verify with the
  SQL engine only, the target a DuckDB file in the project folder, removed before every run (every
  run inserts all rows); runs pass `--accept-failures` (a million generated rows have a few credit
  codes two companies share: accept the rule's failure, so that every run also loads).

Every run is a fresh process (`python -m crmtool run migration.yaml --json`); its peak RSS is the
child's max RSS (`os.wait4`), its stage seconds are the manifest's, its wall time the process's. With
--baseline DIR (a checkout, e.g. `git archive <commit> crmtool | tar -x -C DIR`) baseline and current
runs alternate, so that load from other work on the machine falls on both; the table shows each side's
best run per stage. With --profile DIR the current code runs once under pyinstrument
(DIR/run.pyisession, rendered to DIR/run.txt and DIR/run.html).

Targets (issue 13, any source): 1,000,000 rows in <= 90 s wall; 10,000,000 rows in <= 15 minutes
wall with peak RSS <= 12 GiB. The current code's best wall time and highest peak RSS are checked when
--rows is one of those sizes (other sizes print the targets as not applying). Exit 1 when a target
that applies is missed, 2 when a run read the wrong number of rows or mojibake, or its reconciliation
is not ok.
Run under `flock /tmp/bench.lock` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the part generators (spawned processes) import crmtool.synth

STAGES = ("backup", "read", "cleanse", "dedupe", "enrich", "map", "verify", "load")
SOURCES = ("accounts-csv", "accounts-xlsx", "contacts")
CHUNK = 1_000_000  # the generator holds ~2 GB per million records while it builds them
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows less the header row
GIB = 1024 ** 3
# issue 13: rows -> [(what, limit, unit)]; "wall" in seconds, "rss" in bytes
TARGETS = {1_000_000: [("wall", 90, "s")], 10_000_000: [("wall", 15 * 60, "s"), ("rss", 12 * GIB, "GiB")]}
# contacts' distinct mobiles: segment * 10**8 + 8 digits, numbers i -> (A * i + B) mod M (a bijection: gcd(A, M) = 1)
SEGMENTS = (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190))
MOBILE_SPACE = len(SEGMENTS) * 10 ** 8
MOBILE_STEP = 1_640_531_527

ACCOUNT_FIELDS = """\
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
"""

CONTACT_FIELDS = """\
  contact_id:
    from: record_id
    transforms: [strip]
  account_id:
    from: account_id
    transforms: [strip]
  name:
    from: name
    transforms: [person_name]
  mobile:
    from: mobile
    transforms: [mobile]
  phone:
    from: phone
    transforms: [phone]
  email:
    from: email
    transforms: [email]
  title:
    from: title
    transforms: [strip]
  department:
    from: department
    transforms: [strip]
"""

EMAIL_FIELD = """\
  email:
    from: email
    transforms: [email]
"""


def _mapping(obj: str, file: str, fields: str) -> str:
    # no source.encoding: the reader detects it (GB18030 for accounts-csv)
    return f"version: 1\nobject: {obj}\nsource:\n  file: {file}\nfields:\n{fields}"


def _migration(mappings: list[str], dedupe: str) -> str:
    listed = "".join(f"  - mappings/{m}.yaml\n" for m in mappings)
    return (f"name: bench pipeline\nmappings:\n{listed}target: duckdb:///crm.duckdb\nrun_dir: runs\n"
            f"dedupe:\n  objects: [{dedupe}]\nverify:\n  engines: [sql]\n")


def _env(code_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(code_root), env.get("PYTHONPATH", "")]))
    return env


def source_spec(source: str, rows: int, files: int, seed: int) -> dict:
    """What the project's source is: its object, files, encoding and the parts it is generated in."""
    obj = "contacts" if source == "contacts" else "accounts"
    suffix = "xlsx" if source == "accounts-xlsx" else "csv"
    encoding = {"accounts-csv": "gb18030", "contacts": "utf-8-sig"}.get(source)
    if source == "accounts-xlsx":
        parts = files  # at most XLSX_MAX_ROWS rows in all: one part per workbook
    else:
        parts = files * math.ceil(math.ceil(rows / CHUNK) / files) if rows else files
    width = max(2, len(str(files)))
    names = [f"{obj}.{suffix}"] if files == 1 else [f"{obj}_{k + 1:0{width}d}.{suffix}" for k in range(files)]
    return {"source": source, "object": obj, "rows": rows, "files": files, "encoding": encoding, "seed": seed,
            "parts": parts, "names": names, "pattern": names[0] if files == 1 else f"{obj}_*.{suffix}"}


def make_project(spec: dict, folder: Path, force: bool) -> Path:
    """The project folder with the source files (generated once), the mapping(s) and the migration file."""
    if force and folder.exists():
        shutil.rmtree(folder)
    (folder / "mappings").mkdir(parents=True, exist_ok=True)
    marker = folder / "source.json"
    if not marker.exists() or json.loads(marker.read_text(encoding="utf-8")) != spec:
        marker.unlink(missing_ok=True)
        started = time.perf_counter()
        generate(spec, folder)
        marker.write_text(json.dumps(spec, indent=1), encoding="utf-8")
        print(f"generated {', '.join(spec['names'])} in {folder} ({spec['rows']:,} rows, {spec['parts']} part(s)) in "
              f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
    if spec["object"] == "contacts":
        (folder / "mappings" / "accounts.yaml").write_text(_mapping("accounts", "../accounts.csv", ACCOUNT_FIELDS),
                                                           encoding="utf-8")
        (folder / "mappings" / "contacts.yaml").write_text(
            _mapping("contacts", f"../{spec['pattern']}", CONTACT_FIELDS), encoding="utf-8")
        migration = _migration(["accounts", "contacts"], "contacts")
    else:
        (folder / "mappings" / "accounts.yaml").write_text(
            _mapping("accounts", f"../{spec['pattern']}", ACCOUNT_FIELDS + EMAIL_FIELD), encoding="utf-8")
        migration = _migration(["accounts"], "accounts")
    (folder / "migration.yaml").write_text(migration, encoding="utf-8")
    return folder


def generate(spec: dict, folder: Path) -> None:
    """The source files: spec['parts'] parts, each generated in its own (spawned) process, then
    concatenated into the files (consecutive parts per file) where a file holds more than one."""
    rows, parts, files = spec["rows"], spec["parts"], spec["files"]
    sizes = [rows // parts + (1 if p < rows % parts else 0) for p in range(parts)]
    per_file = parts // files
    work = folder / "parts"
    shutil.rmtree(work, ignore_errors=True)
    for name in spec["names"] + ["accounts.csv"]:
        (folder / name).unlink(missing_ok=True)
    suffix = Path(spec["names"][0]).suffix
    context = multiprocessing.get_context("spawn")
    part_files: list[Path] = []
    account_files: list[Path] = []
    for part, size in enumerate(sizes):
        if per_file == 1:
            out = folder / spec["names"][part]
        else:
            work.mkdir(exist_ok=True)
            out = work / f"part_{part:03d}{suffix}"
        accounts = None
        if spec["object"] == "contacts":
            accounts = folder / "accounts.csv" if parts == 1 else (work / f"accounts_{part:03d}.csv")
            work.mkdir(exist_ok=True)
        task = {"source": spec["source"], "size": size, "offset": sum(sizes[:part]), "part": part, "parts": parts,
                "seed": spec["seed"], "encoding": spec["encoding"], "out": str(out),
                "accounts": str(accounts) if accounts else None}
        process = context.Process(target=write_part, args=(task,))
        process.start()
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"generating part {part} failed (exit {process.exitcode})")
        part_files.append(out)
        if accounts is not None:
            account_files.append(accounts)
    if per_file > 1:
        for k, name in enumerate(spec["names"]):
            _concatenate(part_files[k * per_file:(k + 1) * per_file], folder / name)
    if len(account_files) > 1:
        _concatenate(account_files, folder / "accounts.csv")
    shutil.rmtree(work, ignore_errors=True)


def _concatenate(paths: list[Path], out: Path) -> None:
    """Text files with one header line into one: bytes streamed, the later files' header line (with
    a UTF-8 BOM if there is one; GB18030 has none) skipped."""
    with open(out, "wb") as target:
        for i, path in enumerate(paths):
            with open(path, "rb") as handle:
                if i:
                    handle.readline()
                shutil.copyfileobj(handle, target, 16 << 20)
            path.unlink()


def write_part(task: dict) -> None:
    """One part of the source (run in its own process): generated, ids prefixed when there are several
    parts, contacts' mobiles made distinct and their accounts written, then written as crmtool synth does."""
    import pandas as pd

    from crmtool.synth import generate_accounts, generate_contacts, write_records

    part, size, several = task["part"], task["size"], task["parts"] > 1
    seed = task["seed"] * 1000 + part if several else task["seed"]
    prefix = f"P{part}-" if several else ""
    encoding = task["encoding"] if task["out"].endswith(".csv") else None
    if task["source"] == "contacts":
        records, _ = generate_contacts(size, seed=seed)
        records["mobile"] = distinct_mobiles(records["mobile"], task["offset"], task["seed"])
        ids = records["account_id"].dropna().unique()
        ids = ids[ids.argsort()]
        companies, _ = generate_accounts(len(ids), seed=seed + 1, duplicate_share=0.0)
        companies = companies[["record_id", "name", "credit_code", "phone", "address"]].copy()
        companies["record_id"] = prefix + pd.Series(ids, dtype="string", index=companies.index)
        if several:
            for column in ("record_id", "account_id"):
                records[column] = prefix + records[column]
        write_records(companies, task["accounts"])
    else:
        records, _ = generate_accounts(size, seed=seed)
        if several:
            records["record_id"] = prefix + records["record_id"]
    write_records(records, task["out"], encoding=encoding)


def distinct_mobiles(written, offset: int, seed: int):
    """A mobile column of distinct valid mainland numbers for rows offset, offset + 1, …: number i is
    segment and 8 digits of (MOBILE_STEP * i + B) mod MOBILE_SPACE, B from the seed. Each row keeps the
    notation its generated value had when that was one number (11 digits, or 13 starting 86, with
    spaces, dashes, + or full-width digits); other cells (two numbers, notes) get the plain number;
    empty cells stay empty."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    assert math.gcd(MOBILE_STEP, MOBILE_SPACE) == 1
    n = len(written)
    index = np.arange(offset, offset + n, dtype=np.int64)
    value = (MOBILE_STEP * index + (seed * 7_919 + 12_345) % MOBILE_SPACE) % MOBILE_SPACE
    number = np.asarray(SEGMENTS, dtype=np.int64)[value // 10 ** 8] * 10 ** 8 + value % 10 ** 8
    digits = (number[:, None] // 10 ** np.arange(10, -1, -1, dtype=np.int64)) % 10  # (n, 11)
    with86 = np.concatenate([np.broadcast_to(np.array([8, 6]), (n, 2)), digits], axis=1)
    original = pa.array(written.to_numpy(dtype=object, na_value=None), type=pa.string())
    shape = pc.replace_substring_regex(pc.replace_substring_regex(original, "[0-9]", "X"), "[０-９]", "Y")
    codes, shapes = pd.factorize(pd.Series(shape.to_numpy(zero_copy_only=False), dtype=object), use_na_sentinel=True)
    out = np.empty(n, dtype=object)
    plain = np.ones(n, dtype=bool)
    for k, template in enumerate(shapes):
        count = template.count("X") + template.count("Y")
        if set(template) - set("XY +-") or count not in (11, 13) or (count == 13 and "Y" in template):
            continue
        rows = np.flatnonzero(codes == k)
        source = digits[rows] if count == 11 else with86[rows]
        matrix = np.empty((len(rows), len(template)), dtype=np.uint32)
        positions = [i for i, c in enumerate(template) if c in "XY"]
        for i, c in enumerate(template):
            if c not in "XY":
                matrix[:, i] = ord(c)
        base = np.array([0x30 if template[i] == "X" else 0xFF10 for i in positions], dtype=np.uint32)
        matrix[:, positions] = base + source.astype(np.uint32)
        out[rows] = matrix.view(f"<U{len(template)}").ravel()
        plain[rows] = False
    plain &= codes >= 0
    rows = np.flatnonzero(plain)
    out[rows] = (0x30 + digits[rows].astype(np.uint32)).view("<U11").ravel()
    out[codes < 0] = None
    return pd.array(out, dtype="string")


def run_once(folder: Path, code_root: Path, run_id: str, spec: dict, profile: Path | None = None) -> dict:
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
    reconciliation = manifest["reconciliation"]
    result = {"stages": seconds, "wall": round(wall, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
              "rows": reconciliation[spec["object"]]["source_rows"],
              "source": {"kind": spec["source"], "files": spec["files"], "rows": spec["rows"],
                         "encoding": spec["encoding"]},
              "reconciliation_ok": all(r.get("ok", True) for r in reconciliation.values())}
    if spec["object"] == "contacts":
        result["account_rows"] = reconciliation["accounts"]["source_rows"]
    result["problems"] = check_read(folder, folder / "runs" / run_id, spec, result)
    return result


def check_read(folder: Path, run_dir: Path, spec: dict, result: dict) -> list[str]:
    """Did the run read the source right: all rows, and (text sources) the names as written, not mojibake?"""
    import pyarrow.parquet as pq

    problems = []
    if result["rows"] != spec["rows"]:
        problems.append(f"the run read {result['rows']:,} {spec['object']} rows of {spec['rows']:,}")
    if not result["reconciliation_ok"]:
        problems.append("the reconciliation is not ok")
    if spec["encoding"] is None or not spec["rows"]:
        return problems
    import csv

    expected = []
    with open(folder / spec["names"][0], encoding=spec["encoding"], newline="") as handle:
        for i, row in enumerate(csv.DictReader(handle)):
            if i == 1000:
                break
            expected.append(row["name"])
    read = run_dir / "read" / f"{spec['object']}.parquet"  # the mapping's name
    if not read.exists():
        return [*problems, f"no read stage output {read}"]
    names = pq.read_table(read, columns=["name"]).column("name").slice(0, len(expected)).to_pylist()
    wrong = [(e, g) for e, g in zip(expected, names) if (e or None) != g]
    if wrong or len(names) != len(expected):
        problems.append(f"{len(wrong)} of the first {len(expected)} names read differ from the source "
                        + (f"(e.g. source {wrong[0][0]!r}, read {wrong[0][1]!r})" if wrong else "") + ": wrong encoding?")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--source", choices=SOURCES, default="accounts-csv",
                        help="accounts-csv (GB18030, default), accounts-xlsx (<= 1,048,575 rows), contacts")
    parser.add_argument("--files", type=int, default=1, help="write the source as this many files (default 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--dir", type=Path,
                        help="project folder (default bench/data/pipeline_<source>_<rows>[_<K>files])")
    parser.add_argument("--baseline", type=Path, help="another checkout's root (holding crmtool/) to compare with")
    parser.add_argument("--profile", type=Path, help="run the current code once under pyinstrument into this folder")
    parser.add_argument("--force", action="store_true", help="regenerate the project folder")
    parser.add_argument("--markdown", action="store_true", help="print the table for docs/benchmarks.md")
    parser.add_argument("--json", action="store_true", help="print every run as JSON")
    args = parser.parse_args(argv)
    if args.rows < 0 or args.files < 1:
        parser.error("--rows must be >= 0 and --files >= 1")
    if args.source == "accounts-xlsx" and args.rows > XLSX_MAX_ROWS:
        parser.error(f"--source accounts-xlsx: {args.rows:,} rows do not fit a sheet (at most {XLSX_MAX_ROWS:,} "
                     "data rows below the header, Excel's limit of 1,048,576 rows); use accounts-csv")
    if args.files > max(args.rows, 1):
        parser.error(f"--files {args.files}: more files than rows")

    spec = source_spec(args.source, args.rows, args.files, args.seed)
    default = f"pipeline_{args.source}_{args.rows}" + (f"_{args.files}files" if args.files > 1 else "")
    folder = make_project(spec, args.dir or ROOT / "bench" / "data" / default, args.force)
    print(f"source: {args.source}, {args.rows:,} rows in {args.files} file(s) ({spec['pattern']}), "
          f"encoding {spec['encoding'] or 'xlsx'}; project {folder}", file=sys.stderr)
    if args.profile is not None:
        result = run_once(folder, ROOT, "profile", spec, args.profile)
        session = args.profile / "run.pyisession"
        for renderer, name in (("text", "run.txt"), ("html", "run.html")):
            subprocess.run([sys.executable, "-m", "pyinstrument", "--load", str(session), "-r", renderer,
                            "-o", str(args.profile / name)], check=True, env=_env(ROOT))
        print(f"profile: {args.profile / 'run.txt'}, {args.profile / 'run.html'}", file=sys.stderr)
        print(json.dumps(result, indent=1))
        return 2 if result["problems"] else 0
    sides = [("baseline", args.baseline.resolve())] if args.baseline else []
    sides.append(("current", ROOT))
    runs: dict[str, list[dict]] = {name: [] for name, _ in sides}
    for rep in range(args.reps):
        for name, code_root in sides:
            result = run_once(folder, code_root, f"bench-{name}-{rep}", spec)
            runs[name].append(result)
            print(f"{name} run {rep + 1}: " + ", ".join(f"{s} {v:.1f}" for s, v in result["stages"].items())
                  + f"; wall {result['wall']:.1f} s, peak RSS {result['peak_rss_mib']:,.0f} MiB", file=sys.stderr)
    if args.json:
        print(json.dumps(runs, indent=1))
    _print_table(runs, args.markdown)
    missed = _print_targets(runs["current"], args.rows)
    problems = [f"{name} run {i + 1}: {p}" for name in runs for i, r in enumerate(runs[name]) for p in r["problems"]]
    for problem in problems:
        print(f"FAIL: {problem}")
    return 2 if problems else 1 if missed else 0


def _print_targets(runs: list[dict], rows: int) -> bool:
    """The targets' lines under the table (the current code's best wall time, highest peak RSS); True when
    one that applies at this size is missed."""
    def text(what: str, limit: float) -> str:
        return f"wall <= {limit / 60:.0f} min" if what == "wall" and limit >= 600 else \
            f"wall <= {limit:.0f} s" if what == "wall" else f"peak RSS <= {limit / GIB:.0f} GiB"

    print("targets (issue 13): " + "; ".join(f"{size:,} rows: " + ", ".join(text(w, v) for w, v, _ in goals)
                                             for size, goals in TARGETS.items()))
    if rows not in TARGETS:
        print(f"n/a: no target at {rows:,} rows (they apply at {' and '.join(f'{s:,}' for s in TARGETS)} rows)")
        return False
    wall = min(r["wall"] for r in runs)
    rss = max(r["peak_rss_mib"] for r in runs) * 1024 ** 2
    missed = False
    for what, limit, _ in TARGETS[rows]:
        value = wall if what == "wall" else rss
        shown = f"wall {wall:,.1f} s" if what == "wall" else f"peak RSS {rss / GIB:.2f} GiB"
        ok = value <= limit
        missed |= not ok
        print(f"{'PASS' if ok else 'MISS'}: {rows:,} rows, {shown} (target {text(what, limit)})")
    return missed


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
