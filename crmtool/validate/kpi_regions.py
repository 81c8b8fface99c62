"""Region names → province, as a small SQL lookup table for the consistency checks.

A credit code's positions 3–8 are the division code of the registering authority; its first two digits
name the province. The checks compare that province with what the row's province field, city field
and address say, all in SQL, so the lookup is emitted as a VALUES list both DuckDB and PostgreSQL read.

Three lookups (column `cls`), each name meaning exactly one province (names that exist in two
provinces, like 朝阳区 or 鼓楼区, are left out: they cannot contradict anything):

- `p`: what a province field holds: 广东省 or 广东;
- `c`: what a city field holds: 深圳市 or 深圳 (municipalities too: 北京市, 北京);
- `a`: the region an address starts with, in full: 广东省, 深圳市, 海淀区, 延边朝鲜族自治州. Short forms
  are not used for addresses: 中山路 or 北京路 are streets in many cities.
"""

from __future__ import annotations

from functools import cache

# The first region name of an address: the shortest text of 2–10 characters ending with a division suffix.
ADDRESS_REGION_PATTERN = "^(.{2,10}?(?:特别行政区|自治区|自治州|地区|省|市|盟|县|区|旗))"


@cache
def region_rows() -> tuple[tuple[str, str, str], ...]:
    """(cls, name, two-digit province code) rows; every (cls, name) is unique."""
    from crmtool.cleanse.divisions import MUNICIPALITIES, current_divisions, short_name

    candidates: dict[tuple[str, str], set[str]] = {}

    def add(cls: str, name: str, code: str) -> None:
        if len(name) >= 2:
            candidates.setdefault((cls, name), set()).add(code[:2])

    for d in current_divisions():
        if d.level == "province":
            for name in {d.name, short_name(d.name, "province")}:
                add("p", name, d.code)
                if d.name in MUNICIPALITIES:
                    add("c", name, d.code)
            add("a", d.name, d.code)
        elif d.level == "prefecture":
            add("c", d.name, d.code)
            if d.name.endswith("市"):
                add("c", short_name(d.name, "prefecture"), d.code)
            add("a", d.name, d.code)
        else:
            add("a", d.name, d.code)
    return tuple(sorted((cls, name, codes.pop()) for (cls, name), codes in candidates.items() if len(codes) == 1))


@cache
def province_codes() -> tuple[str, ...]:
    """The two-digit codes of the provinces (11 北京 … 82 澳门)."""
    from crmtool.cleanse.divisions import division_table

    return tuple(sorted({d.code[:2] for d in division_table().values() if d.level == "province"}))


def regions_values_sql() -> str:
    """`(VALUES …) AS regions(cls, name, code)` body: the rows as one SQL VALUES list."""
    rows = ",".join(f"('{cls}','{name}','{code}')" for cls, name, code in region_rows())
    return f"SELECT * FROM (VALUES {rows}) AS v(cls, name, code)"
