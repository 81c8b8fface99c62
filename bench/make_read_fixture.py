"""Make the reading benchmark's workbook: N rows × 8 columns of CRM-like customer data.

One header row, then per row: company name (text), unified social credit code (text, both check
characters valid), mobile (a NUMBER cell, as exports from Excel have it), a date cell (a serial
number with a date format), a contract amount (float), contact name (text), address (text) and
a customer number (text with leading zeros). A few cells are left empty, as real exports have.

Values are generated column-wise with numpy (seeded, so a file is reproducible); xlsxwriter writes
in constant_memory mode, which keeps memory flat but stores strings in-line (`t="inlineStr"`)
instead of in a shared-string table; `--shared-strings` writes the way Excel itself does (slower,
more memory). Files are cached under bench/data/ and reused when present.

    python bench/make_read_fixture.py --rows 20000
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
from pathlib import Path

import numpy as np

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_ROWS = 1_000_000
HEADER = ["公司名称", "统一社会信用代码", "手机", "成立日期", "合同金额", "联系人", "地址", "客户编号"]

# (province, city, district, GB/T 2260 code of the district): the credit code's region agrees with the address.
_PLACES = [
    ("北京市", "", "朝阳区", "110105"),
    ("北京市", "", "海淀区", "110108"),
    ("上海市", "", "浦东新区", "310115"),
    ("上海市", "", "徐汇区", "310104"),
    ("广东省", "广州市", "天河区", "440106"),
    ("广东省", "深圳市", "南山区", "440305"),
    ("浙江省", "杭州市", "西湖区", "330106"),
    ("江苏省", "南京市", "鼓楼区", "320106"),
    ("江苏省", "苏州市", "工业园区", "320571"),
    ("四川省", "成都市", "武侯区", "510107"),
    ("湖北省", "武汉市", "洪山区", "420111"),
    ("山东省", "青岛市", "市南区", "370202"),
]
_BRAND = list("华信达通新盛恒泰瑞丰宏远金鑫安康博源中天海辰星宇嘉禾永利")
_TRADE = ["科技", "贸易", "实业", "电子", "物流", "信息技术", "建设工程", "医药", "食品", "机械设备", "文化传媒", "咨询"]
_SUFFIX = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
_SURNAME = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许")
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰飞")
_ROAD = ["人民路", "解放路", "中山路", "建设路", "和平路", "长江路", "科技园路", "花园路", "新华街", "文化路"]
_USCC_CHARSET = np.array(list("0123456789ABCDEFGHJKLMNPQRTUWXY"))
_USCC_WEIGHTS = np.array([pow(3, i, 31) for i in range(17)])  # GB 32100: 3^i mod 31
_ORG_WEIGHTS = np.array([3, 7, 9, 10, 5, 8, 4, 2])  # GB 11714
_EXCEL_EPOCH = dt.date(1899, 12, 30)


def fixture_path(rows: int, shared_strings: bool = False) -> Path:
    """Where the cached fixture of `rows` data rows lives."""
    kind = "sst" if shared_strings else "inline"
    return DATA_DIR / f"crm_read_{rows}x8_{kind}.xlsx"


def ensure_fixture(rows: int = DEFAULT_ROWS, shared_strings: bool = False) -> Path:
    """The cached fixture's path, writing it first if it is not there yet."""
    path = fixture_path(rows, shared_strings)
    if not path.exists():
        write_fixture(path, rows, shared_strings=shared_strings)
    return path


def _pick(rng: np.random.Generator, choices: list[str], n: int) -> np.ndarray:
    return np.array(choices, dtype=np.dtypes.StringDType())[rng.integers(0, len(choices), n)]


def _concat(*parts: np.ndarray) -> np.ndarray:
    out = parts[0]
    for part in parts[1:]:
        out = np.strings.add(out, part)
    return out


def _credit_codes(rng: np.random.Generator, region: np.ndarray) -> np.ndarray:
    """Valid 18-character credit codes: '91' + region + 8-digit organisation body + both check characters."""
    n = len(region)
    org = rng.integers(0, 10, (n, 8))
    org_check = 11 - (org * _ORG_WEIGHTS).sum(axis=1) % 11  # 1..11; 10 -> X, 11 -> 0
    region_digits = np.frombuffer("".join(region.tolist()).encode("ascii"), dtype=np.uint8).reshape(n, 6) - 48
    org_check_value = np.where(org_check == 11, 0, org_check)  # X is 10 and 'X' is not in the USCC set
    org_check_value = np.where(org_check == 10, _USCC_CHARSET.tolist().index("X"), org_check_value)
    body = np.concatenate(
        [np.full((n, 1), 9), np.full((n, 1), 1), region_digits, org, org_check_value[:, None]], axis=1
    )
    check = (31 - (body * _USCC_WEIGHTS).sum(axis=1) % 31) % 31
    chars = _USCC_CHARSET[np.concatenate([body, check[:, None]], axis=1)]
    return np.array(["".join(r) for r in chars.tolist()], dtype=object)


def generate_columns(rows: int, seed: int = 20261123) -> dict[str, np.ndarray]:
    """The eight columns as numpy arrays; None/NaN marks a cell left empty."""
    rng = np.random.default_rng(seed)
    place_idx = rng.integers(0, len(_PLACES), rows)
    places = np.array(_PLACES, dtype=np.dtypes.StringDType())[place_idx]
    province, city, district, region = places[:, 0], places[:, 1], places[:, 2], places[:, 3]
    short_city = np.strings.replace(np.where(city == "", province, city), "市", "")
    short_city = np.strings.replace(short_city, "省", "")
    company = _concat(short_city, _pick(rng, _BRAND, rows), _pick(rng, _BRAND, rows), _pick(rng, _TRADE, rows),
                      _pick(rng, _SUFFIX, rows))
    mobile_prefix = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 152, 155, 158, 159, 166, 170,
                              176, 177, 180, 181, 186, 187, 188, 189, 199])
    mobile = (mobile_prefix[rng.integers(0, len(mobile_prefix), rows)] * 10**8
              + rng.integers(0, 10**8, rows)).astype(np.float64)
    first_day = (dt.date(2003, 1, 1) - _EXCEL_EPOCH).days
    last_day = (dt.date(2025, 12, 31) - _EXCEL_EPOCH).days
    founded = rng.integers(first_day, last_day + 1, rows).astype(np.float64)
    amount = np.round(rng.lognormal(mean=10.5, sigma=1.2, size=rows), 2)
    given = np.where(rng.random(rows) < 0.7, _concat(_pick(rng, _GIVEN, rows), _pick(rng, _GIVEN, rows)),
                     _pick(rng, _GIVEN, rows))
    contact = _concat(_pick(rng, _SURNAME, rows), given)
    number = rng.integers(1, 1000, rows).astype(str).astype(np.dtypes.StringDType())
    address = _concat(province, city, district, _pick(rng, _ROAD, rows), number, "号")
    customer_no = np.strings.zfill((rng.permutation(rows) + 1).astype(str), 10)
    columns = {
        "公司名称": company.astype(object),
        "统一社会信用代码": _credit_codes(rng, region),
        "手机": mobile,
        "成立日期": founded,
        "合同金额": amount,
        "联系人": contact.astype(object),
        "地址": address.astype(object),
        "客户编号": customer_no.astype(object),
    }
    # Gaps, as in real exports: some contacts, addresses and phones are missing.
    for name, share in (("联系人", 0.02), ("地址", 0.03), ("手机", 0.01)):
        empty = rng.random(rows) < share
        if columns[name].dtype == object:
            columns[name][empty] = None
        else:
            columns[name][empty] = np.nan
    return columns


def write_fixture(path: Path, rows: int, *, shared_strings: bool = False, seed: int = 20261123) -> Path:
    """Write `rows` data rows (plus the header) to `path` as one sheet named 客户."""
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    cols = generate_columns(rows, seed)
    lists = [cols[name].tolist() for name in HEADER]
    tmp = path.with_suffix(".tmp.xlsx")
    workbook = xlsxwriter.Workbook(str(tmp), {"constant_memory": not shared_strings})
    sheet = workbook.add_worksheet("客户")
    date_fmt = workbook.add_format({"num_format": "yyyy-mm-dd"})
    money_fmt = workbook.add_format({"num_format": "#,##0.00"})
    sheet.write_row(0, 0, HEADER)
    ws, wn = sheet.write_string, sheet.write_number
    for r, (company, code, mobile, founded, amount, contact, address, cust) in enumerate(zip(*lists), start=1):
        ws(r, 0, company)
        ws(r, 1, code)
        if not math.isnan(mobile):
            wn(r, 2, mobile)
        wn(r, 3, founded, date_fmt)
        wn(r, 4, amount, money_fmt)
        if contact is not None:
            ws(r, 5, contact)
        if address is not None:
            ws(r, 6, address)
        ws(r, 7, cust)
    workbook.close()
    tmp.replace(path)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS, help="data rows (default 1,000,000)")
    parser.add_argument("--shared-strings", action="store_true", help="shared-string table, as Excel writes")
    parser.add_argument("--force", action="store_true", help="rewrite even if the cached file exists")
    args = parser.parse_args(argv)
    path = fixture_path(args.rows, args.shared_strings)
    if path.exists() and not args.force:
        print(f"cached: {path} ({path.stat().st_size / 2**20:.1f} MiB)")
        return 0
    start = time.perf_counter()
    write_fixture(path, args.rows, shared_strings=args.shared_strings)
    print(f"wrote {path} ({path.stat().st_size / 2**20:.1f} MiB) in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
