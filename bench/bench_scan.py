"""The health scan's KPIs pushed down to a DuckDB store vs the same rules in great-expectations on pandas.

    python bench/bench_scan.py --rows 10000000 --gx-rows 1000000 --markdown

1. A DuckDB store with ROWS accounts (bench/data/scan_<ROWS>.duckdb, made once, in DuckDB SQL: real
   division codes, credit codes with correct check characters, canonical phones, addresses, picklists,
   dates; a few percent of each field missing, a placeholder (无, -, N/A …) or invalid, some fuzzy
   duplicates and region contradictions). The store layout is the targets' (model fields in SQL types
   + _crm_hash, _crm_run_id, _crm_loaded_at).
2. crmtool, pushed down: the scan's rule set (completeness, validity and — for unique fields —
   uniqueness of every field) as the one aggregate query of crmtool.validate.kpi_sql, on all ROWS rows,
   and on the first GX_ROWS rows (the size GX gets, for a same-size ratio; `rowid < GX_ROWS`, a parallel
   scan, where a LIMIT subquery would read serially); then the full KPI query
   (plus consistency: region and date contradictions; plus timeliness) on all rows.
3. great-expectations 1.x on pandas, on the first GX_ROWS rows (10M rows of 17 text columns do not fit
   a pandas + GX run on this machine in reasonable time; --gx-rows sets the size and the report says
   it): the same rules as expectations (crmtool.validate.gx.expectation_for, the verify stage's GX
   engine: not-null + not-in-set placeholders for completeness, the field's value checks — regex, set,
   length, range, the credit-code check characters — for validity, unique for unique fields), result
   format SUMMARY (counts, like the KPIs). Fetching the rows from the store into pandas is timed apart.
4. The whole scan of the accounts (`scan_store`, not recorded): the KPI statement plus the fuzzy
   duplicate rate (the dedupe engine over a stable sample of --dup-rows rows), timed apart and kept out
   of the rows/s of the rule sets.

rows/s = rows / wall seconds of the timed call (best of --reps for crmtool; GX once, it is slow).
Exits 1 when crmtool's pushed-down rule set is below 1,000,000 rows/s or less than 20x GX's rows/s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data"


# -- the store ------------------------------------------------------------------------------------

def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


def generate_store(path: Path, rows: int, seed: int = 0) -> float:
    """Write ROWS accounts into a new DuckDB store at `path`; returns the seconds it took."""
    import csv
    from importlib import resources

    import duckdb

    from crmtool.model import load_object_model
    from crmtool.synth.vocab import INDUSTRIES, TRADE_CHARS

    started = time.perf_counter()
    model = load_object_model()
    obj = model["accounts"]
    tmp = path.with_suffix(".tmp.duckdb")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    con.execute("SET enable_progress_bar = false")
    columns = ", ".join(f'"{n}" {f.sql_type}' for n, f in obj.fields.items())
    con.execute(f"CREATE TABLE accounts ({columns}, _crm_hash VARCHAR, _crm_run_id VARCHAR, "
                f"_crm_loaded_at TIMESTAMP, PRIMARY KEY (account_id))")  # the targets' layout
    regions = list(csv.DictReader(resources.files("crmtool.synth").joinpath("regions.csv")
                                  .read_text(encoding="utf-8").splitlines()))
    chars = [c for c, _ in TRADE_CHARS]
    surnames = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈")
    given = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鹏辉")
    roads = ["中山路", "人民路", "解放路", "建设路", "和平路", "新华路", "长江路", "科技园路", "工业大道", "滨江大道",
             "文化路", "学院路", "光明街", "朝阳街", "胜利路"]
    forms = ["有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "集团有限公司"]
    industries = ["制造业", "信息技术", "批发零售", "金融", "房地产", "建筑", "教育", "医疗健康", "物流", "能源", "农业", "服务业", "其他"]
    placeholders = ["无", "-", "N/A", "暂无", "不详", "\u3000", "  ", "null", "/", "0000"]
    n_regions = len(regions)
    region_values = ", ".join(
        f"({i}, '{r['division_code']}', '{r['province']}', '{r['city']}', '{r['district']}', "
        f"'{r['area_code'][1:]}', {int(r['local_digits'])})" for i, r in enumerate(regions))
    con.execute(f"CREATE TEMP TABLE reg AS SELECT * FROM (VALUES {region_values}) "
                "AS v(k, code, province, city, district, area, local_digits)")
    # h0..h5: independent hashes of the entity; e: the entity (3% of rows copy the previous row's entity:
    # fuzzy duplicates), q: a per-row hash for the noise.
    uscc = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    org_weights = (3, 7, 9, 10, 5, 8, 4, 2)
    uscc_weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    org_sum = " + ".join(f"CAST(substr(b16, {9 + k}, 1) AS INTEGER) * {w}" for k, w in enumerate(org_weights))
    c17 = f"substr('123456789X0', 11 - (({org_sum}) % 11), 1)"
    sum18 = " + ".join(f"(strpos('{uscc}', substr(b17, {1 + k}, 1)) - 1) * {w}" for k, w in enumerate(uscc_weights))
    c18 = f"substr('{uscc}', ((31 - (({sum18}) % 31)) % 31) + 1, 1)"
    con.execute(f"""
        CREATE TEMP TABLE ent AS
        WITH r AS (SELECT i, CAST(hash(i + {seed} * 1000003) >> 1 AS BIGINT) AS q FROM range({rows}) t(i)),
        e AS (SELECT i, q, CASE WHEN q % 100 < 3 AND i > 0 THEN i - 1 ELSE i END AS e FROM r)
        SELECT i, q, e, CAST(hash(e * 31 + 1) >> 1 AS BIGINT) AS h0, CAST(hash(e * 31 + 2) >> 1 AS BIGINT) AS h1, CAST(hash(e * 31 + 3) >> 1 AS BIGINT) AS h2,
               CAST(hash(e * 31 + 4) >> 1 AS BIGINT) AS h3, CAST(hash(e * 31 + 5) >> 1 AS BIGINT) AS h4, CAST(hash(e * 31 + 6) >> 1 AS BIGINT) AS h5
        FROM e""")
    con.execute(f"""
        CREATE TEMP TABLE base AS
        SELECT ent.*, reg.code, reg.province, reg.city, reg.district, reg.area, reg.local_digits,
               {_sql_list(chars)}[1 + (h1 % {len(chars)})] || {_sql_list(chars)}[1 + ((h1 // 97) % {len(chars)})] AS trade,
               {_sql_list(INDUSTRIES)}[1 + (h2 % {len(INDUSTRIES)})] AS ind_word,
               {_sql_list(forms)}[1 + (h3 % {len(forms)})] AS form,
               '91' || reg.code || lpad(CAST(h4 % 100000000 AS VARCHAR), 8, '0') AS b16
        FROM ent JOIN reg ON reg.k = ent.h0 % {n_regions}""")
    con.execute("DROP TABLE ent")
    con.execute(f"""
        CREATE TEMP TABLE coded AS
        SELECT *, b16 || {c17} AS b17 FROM base""")
    con.execute("DROP TABLE base")
    city_short = "replace(city, '市', '')"
    ph = _sql_list(placeholders)
    np_ = len(placeholders)
    con.execute(f"""
        INSERT INTO accounts
        SELECT
          'A' || lpad(CAST(i AS VARCHAR), 10, '0') AS account_id,
          CASE WHEN q % 1000 < 5 THEN {ph}[1 + (q // 7) % {np_}]
               WHEN e <> i THEN trade || '（' || {city_short} || '）' || ind_word || form
               ELSE {city_short} || trade || ind_word || form END AS name,
          CASE WHEN (q // 11) % 100 < 6 THEN NULL
               WHEN (q // 11) % 100 < 7 THEN {ph}[1 + (q // 13) % {np_}]
               WHEN (q // 11) % 100 < 10 THEN b17 || CASE WHEN {c18} = '0' THEN '1' ELSE '0' END
               WHEN (q // 11) % 1000 = 999 THEN substr(b17, 1, 12)
               ELSE b17 || {c18} END AS credit_code,
          CASE WHEN (q // 17) % 100 < 12 THEN NULL
               WHEN (q // 17) % 100 < 13 THEN {ph}[1 + (q // 19) % {np_}]
               WHEN (q // 17) % 100 < 15 THEN '1380013' || lpad(CAST(h5 % 10000 AS VARCHAR), 4, '0')
               WHEN (q // 17) % 100 < 60 THEN '+861' || CAST(3 + h5 % 7 AS VARCHAR) || lpad(CAST((h5 // 7) % 1000000000 AS VARCHAR), 9, '0')
               ELSE '+86' || area || CAST(2 + h5 % 8 AS VARCHAR) || lpad(CAST((h5 // 11) % 10000000 AS VARCHAR), local_digits - 1, '0') END AS phone,
          CASE WHEN (q // 23) % 100 < 40 THEN NULL
               WHEN (q // 23) % 100 < 42 THEN 'info' || CAST(e AS VARCHAR) || 'example.com'
               ELSE 'info' || CAST(e AS VARCHAR) || '@' || {_sql_list(['qq.com', '163.com', 'example.com.cn', 'sina.com', 'company.cn'])}[1 + h5 % 5] END AS email,
          CASE WHEN (q // 29) % 100 < 8 THEN NULL
               WHEN (q // 29) % 100 < 9 THEN {ph}[1 + (q // 31) % {np_}]
               WHEN (q // 29) % 1000 < 105 THEN '浙江省杭州市西湖区' || {_sql_list(roads)}[1 + h5 % {len(roads)}] || CAST(1 + h5 % 300 AS VARCHAR) || '号'
               ELSE CASE WHEN province = city THEN '' ELSE province END || city || district
                    || {_sql_list(roads)}[1 + h5 % {len(roads)}] || CAST(1 + (h5 // 3) % 300 AS VARCHAR) || '号' END AS address,
          CASE WHEN (q // 37) % 100 < 10 THEN NULL WHEN (q // 37) % 2 = 0 THEN province
               ELSE regexp_replace(province, '(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区)$', '') END AS province,
          CASE WHEN (q // 41) % 100 < 15 THEN NULL ELSE city END AS city,
          CASE WHEN (q // 43) % 100 < 20 THEN NULL WHEN (q // 43) % 100 < 22 THEN '互联网'
               ELSE {_sql_list(industries)}[1 + h2 % {len(industries)}] END AS industry,
          CASE WHEN (q // 47) % 100 < 30 THEN NULL WHEN (q // 47) % 100 < 31 THEN 'E'
               ELSE {_sql_list('ABCD')}[1 + h3 % 4] END AS level,
          CASE WHEN (q // 53) % 100 < 10 THEN NULL
               ELSE {_sql_list(surnames)}[1 + h4 % {len(surnames)}] || {_sql_list(given)}[1 + (h4 // 7) % {len(given)}] END AS owner,
          CASE WHEN (q // 59) % 100 < 50 THEN NULL ELSE CAST((h5 % 100000000) / 100.0 AS DECIMAL(18,2)) END AS annual_revenue,
          CASE WHEN (q // 61) % 100 < 50 THEN NULL WHEN (q // 61) % 1000 < 505 THEN -1 ELSE CAST(h4 % 5000 AS BIGINT) END AS employees,
          CASE WHEN (q // 67) % 100 < 70 THEN NULL ELSE 'https://www.c' || CAST(e AS VARCHAR) || '.com.cn' END AS website,
          {_sql_list(['ERP', '旧CRM', 'Excel', '官网'])}[1 + (q // 71) % 4] AS source_system,
          DATE '2015-01-01' + CAST(h1 % 3650 AS INTEGER) AS created_at,
          CASE WHEN (q // 73) % 100 < 5 THEN NULL
               WHEN (q // 73) % 100 < 6 THEN TIMESTAMP '2014-06-01 09:00:00'
               ELSE TIMESTAMP '2025-01-01 00:00:00' + to_seconds(CAST((q // 79) % (700 * 86400) AS BIGINT)) END AS updated_at,
          md5('A' || CAST(i AS VARCHAR)) AS _crm_hash, 'bench' AS _crm_run_id,
          TIMESTAMP '2026-11-01 02:00:00' AS _crm_loaded_at
        FROM coded ORDER BY i""")
    con.execute("DROP TABLE coded")
    con.execute("CHECKPOINT")
    con.close()
    tmp.rename(path)
    return time.perf_counter() - started


# -- contenders -----------------------------------------------------------------------------------

def crmtool_query(store, model, config, *, limit: int | None, full: bool):
    """(SQL, plan) of the KPI query over the accounts table (or its first `limit` rows)."""
    from crmtool.validate.kpi_sql import object_query
    from crmtool.validate.kpis import store_source

    # the first `limit` rows as stored: a rowid range is a parallel scan, where LIMIT reads serially
    relation = None if limit is None else f"(SELECT * FROM {store.relation('accounts')} WHERE rowid < {int(limit)})"
    source = store_source(store, model, "accounts", relation)  # as store_kpis sees the table
    return object_query("accounts", model["accounts"], source, "duckdb", placeholders=config.placeholder_values(),
                        as_of=datetime(2026, 11, 23, tzinfo=timezone.utc), consistency=full, timeliness=full)


def time_crmtool(store, model, config, *, limit, full, reps) -> tuple[list[float], dict]:
    from crmtool.validate.kpis import kpi_dict

    sql, plan = crmtool_query(store, model, config, limit=limit, full=full)
    times, result = [], None
    for _ in range(reps):
        t = time.perf_counter()
        names, rows = store.query(sql)
        times.append(time.perf_counter() - t)
        result = kpi_dict(dict(zip(names, rows[0])), plan, "accounts", model["accounts"], config)
    return times, result


def fetch_frame(store, limit: int):
    """The first `limit` rows as pandas canonical text (what GX reads), and the seconds it took."""
    t = time.perf_counter()
    fields = list(store.columns("accounts"))
    select = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in fields)
    frame = store.con.sql(f"SELECT {select} FROM accounts WHERE rowid < {int(limit)} ORDER BY rowid").to_arrow_table()
    import pandas as pd

    frame = frame.to_pandas(types_mapper=pd.ArrowDtype).astype("string")
    return frame, time.perf_counter() - t


def gx_rules(model, config):
    """The scan's rule set as (field, check) pairs in the verify stage's check vocabulary."""
    from crmtool.validate.rules import NotBlank, Unique, field_value_checks

    obj = model["accounts"]
    pairs = []
    for name, fd in obj.fields.items():
        pairs.append((name, NotBlank()))
        pairs.append((name, ("not_placeholder", tuple(config.placeholder_values()))))
        pairs += [(name, check) for check in field_value_checks(fd)]
        if fd.unique:
            pairs.append((name, Unique()))
    return pairs


def time_gx(frame, model, config) -> tuple[float, dict]:
    """Run the rule set as one GX suite over the frame (blanks as nulls, as crmtool.validate.gx prepares)."""
    from crmtool.validate import gx as crm_gx

    gx = crm_gx._import_gx()
    t0 = time.perf_counter()
    prepared = frame.copy()
    for name in model["accounts"].fields:
        text = prepared[name]
        prepared[name] = text.mask(crm_gx.blank_mask(text)).astype(object).where(lambda s: s.notna(), None)
    for name, fd in model["accounts"].fields.items():
        if fd.min is not None or fd.max is not None:
            prepared[f"{name}__as_number"] = pd_numeric(prepared[name])
    context = crm_gx._context(gx, None)
    source = context.data_sources.add_pandas("bench")
    suite = context.suites.add(gx.ExpectationSuite(name="accounts"))
    for name, check in gx_rules(model, config):
        if isinstance(check, tuple):
            suite.add_expectation(gx.expectations.ExpectColumnValuesToNotBeInSet(column=name, value_set=list(check[1])))
        else:
            suite.add_expectation(crm_gx.expectation_for(gx, check, name, {}, {"rule_id": name}))
    batch = source.add_dataframe_asset("accounts").add_batch_definition_whole_dataframe("all")
    definition = context.validation_definitions.add(gx.ValidationDefinition(name="accounts", data=batch, suite=suite))
    prep = time.perf_counter() - t0
    t = time.perf_counter()
    result = definition.run(batch_parameters={"dataframe": prepared}, result_format="SUMMARY")
    seconds = time.perf_counter() - t
    failed = {}
    for er in result.results:
        column = er.expectation_config.kwargs.get("column")
        failed[f"{er.expectation_config.type}:{column}"] = er.result.get("unexpected_count")
    return seconds, {"prepare_s": prep, "expectations": len(result.results), "success": result.success,
                     "unexpected": failed}


def pd_numeric(series):
    import re

    import pandas as pd

    from crmtool.validate.rules import NUMBER

    text = series.astype("string")
    numeric = text.where(text.str.fullmatch(re.compile(NUMBER, re.ASCII)).fillna(False))
    return pd.to_numeric(numeric, errors="coerce").astype("float64")


def time_scan(url: str, dup_rows: int) -> dict:
    """The whole scan of the store (KPI statement + fuzzy duplicates on the stable sample), unrecorded."""
    from crmtool.config.scan import ScanConfig
    from crmtool.validate.scan import scan_store

    config = ScanConfig.model_validate({"duplicates": {"max_rows": dup_rows}})
    t = time.perf_counter()
    scan = scan_store(url, config=config, record=False, objects=["accounts"])
    scan["wall"] = time.perf_counter() - t
    return scan


# -- report ---------------------------------------------------------------------------------------

def _rate(rows: int, seconds: float) -> str:
    return f"{rows / seconds:,.0f}" if seconds else "-"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--gx-rows", type=int, default=1_000_000)
    parser.add_argument("--dup-rows", type=int, default=200_000, help="sample the fuzzy duplicate rate is measured on")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: DuckDB's default, all cores)")
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--skip-gx", action="store_true")
    parser.add_argument("--skip-dup", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)

    from crmtool.config.scan import ScanConfig
    from crmtool.model import load_object_model
    from crmtool.validate.scan_store import DuckDBStore

    DATA.mkdir(parents=True, exist_ok=True)
    db = args.db or DATA / f"scan_{args.rows}.duckdb"
    gen_s = None
    if not db.exists():
        print(f"generating {args.rows:,} accounts into {db} …", flush=True)
        gen_s = generate_store(db, args.rows)
        print(f"  {gen_s:.1f} s", flush=True)
    model, config = load_object_model(), ScanConfig()
    load_before = os.getloadavg()[0]
    store = DuckDBStore.open(f"duckdb:///{db}")
    if args.threads:
        store.execute(f"SET threads = {int(args.threads)}")
    rows = int(store.query("SELECT count(*) FROM accounts")[1][0][0])
    gx_rows = min(args.gx_rows, rows)
    table = []  # (contender, what, rows, best s, median s, rows/s)

    def add(name, what, n, times):
        times = sorted(times)
        table.append((name, what, n, times[0], times[len(times) // 2], n / times[0]))
        print(f"  {name}: {what}: {n:,} rows, best {times[0]:.2f} s → {n / times[0]:,.0f} rows/s", flush=True)

    print("crmtool, pushed down …", flush=True)
    times, kpis_all = time_crmtool(store, model, config, limit=None, full=False, reps=args.reps)
    add("crmtool (DuckDB SQL)", "rule set: completeness + validity + uniqueness, every field", rows, times)
    times, kpis_sample = time_crmtool(store, model, config, limit=gx_rows, full=False, reps=args.reps)
    add("crmtool (DuckDB SQL)", "same rule set, the GX sample", gx_rows, times)
    times, kpis_full = time_crmtool(store, model, config, limit=None, full=True, reps=args.reps)
    add("crmtool (DuckDB SQL)", "all scan KPIs (+ consistency, timeliness)", rows, times)

    gx_info = None
    if not args.skip_gx:
        print(f"great-expectations on pandas, {gx_rows:,} rows …", flush=True)
        frame, fetch_s = fetch_frame(store, gx_rows)
        print(f"  fetch to pandas: {fetch_s:.1f} s", flush=True)
        gx_s, gx_info = time_gx(frame, model, config)
        gx_info["fetch_s"] = fetch_s
        add("great-expectations 1.x (pandas)", "same rule set as expectations, result SUMMARY", gx_rows, [gx_s])
        del frame

    store.close()
    scan = None
    if not args.skip_dup:
        print(f"the whole scan (fuzzy duplicates over a stable sample of {args.dup_rows:,}) …", flush=True)
        scan = time_scan(f"duckdb:///{db}", args.dup_rows)
        print(f"  {scan['wall']:.1f} s: {scan['seconds']}", flush=True)
    load_after = os.getloadavg()[0]

    ours = table[0][5]
    ours_same = table[1][5]
    verdicts = [ours >= 1_000_000]
    lines = []
    lines.append(f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC on `{db.name}`: {rows:,} accounts "
                 f"× {len(model['accounts'].fields)} fields (+3 bookkeeping columns), "
                 f"{db.stat().st_size / 2**20:,.0f} MiB" + (f", generated in {gen_s:.0f} s" if gen_s else "") + ".")
    lines.append("")
    lines.append("| contender | what | rows | best s | median s | rows/s (best) |")
    lines.append("|---|---|---:|---:|---:|---:|")
    for name, what, n, best, median, rate in table:
        lines.append(f"| {name} | {what} | {n:,} | {best:.2f} | {median:.2f} | {rate:,.0f} |")
    lines.append("")
    if gx_info:
        theirs = table[-1][5]
        speedup, same = ours / theirs, ours_same / theirs
        verdicts.append(speedup >= 20)
        lines.append(f"- speed-up, crmtool on {rows:,} rows vs GX on {gx_rows:,} rows (rows/s): **{speedup:,.0f}x**; "
                     f"same size ({gx_rows:,} rows each): {same:,.0f}x")
        lines.append(f"- GX: {gx_info['expectations']} expectations; setting GX up (context, suite) and preparing the "
                     f"frame (blanks → null, numbers) {gx_info['prepare_s']:.1f} s and fetching {gx_rows:,} rows from "
                     f"the store into pandas {gx_info['fetch_s']:.1f} s are not in GX's time")
    if scan:
        kpis = scan["objects"]["accounts"]
        lines.append(f"- the whole scan of the accounts (`scan_store`, not recorded): {scan['wall']:.1f} s wall; "
                     f"KPI statement {scan['seconds']['kpis']:.1f} s, fuzzy duplicate rate "
                     f"{scan['seconds']['duplicates']:.1f} s on a stable sample of {args.dup_rows:,} rows "
                     f"(estimated {kpis['duplicate_rate']:.2%}; kept out of the rows/s above), health {kpis['health']:.1f}")
    lines.append(f"- KPIs of all rows: completeness {kpis_full['completeness']:.2%}, validity "
                 f"{kpis_full['validity']:.2%}, uniqueness {kpis_full['uniqueness']:.2%}, consistency "
                 f"{kpis_full['consistency']:.2%}, timeliness {kpis_full['timeliness']:.2%}")
    lines.append(f"- machine: {os.cpu_count()} CPUs, {platform.platform()}, Python {platform.python_version()}, "
                 f"load average (1 min) before / after: {load_before:.2f} / {load_after:.2f}")
    ok = all(verdicts)
    lines.append("")
    lines.append(("PASS" if ok else "FAIL") + f": {ours:,.0f} rows/s pushed down (target ≥ 1,000,000)"
                 + (f", {ours / table[-1][5]:,.0f}x GX's rows/s (target ≥ 20x)" if gx_info else ""))
    print()
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
