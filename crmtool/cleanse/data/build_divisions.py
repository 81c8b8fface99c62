"""Rebuild divisions.csv (中华人民共和国行政区划代码, with history) from python-stdnum's loc.dat.

loc.dat is python-stdnum's copy of the Wikipedia lists of GB/T 2260 division codes (1980-2022), with
each name's years of validity ("[1983-2005]东山区"). We ship the derived CSV so that crmtool needs no
network and no python-stdnum at run time. Run: python -m crmtool.cleanse.data.build_divisions
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from crmtool.cleanse.divisions import PLACEHOLDER_NAMES

_ENTRY = re.compile(r"^(?:\[(\d{4})?-(\d{4})?\])?(.+)$")
_PLACEHOLDERS = PLACEHOLDER_NAMES | {"市"}


def _parse_names(raw: str) -> tuple[str, bool, list[str]]:
    """(current or latest name, still in use, every name the code has had)."""
    entries = []
    for part in raw.split(","):
        m = _ENTRY.match(part.strip())
        end, name = m.group(2), m.group(3)
        entries.append((int(end) if end else 9999, name))
    entries.sort()
    latest_end, latest = entries[-1]
    return latest, latest_end == 9999, [n for _, n in entries]


def build(loc_dat: Path, out: Path) -> int:
    rows = []
    for line in loc_dat.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r'^(\d\d) province="(.*)"$', line)
        if m:
            prov_code = m.group(1)
            continue
        m = re.match(r'^\s+(\d{4}) county="(.*)"$', line)
        code = prov_code + m.group(1)
        name, current, history = _parse_names(m.group(2))
        rows.append([code, name, int(current), "|".join(dict.fromkeys(history))])
    names = {r[0]: r for r in rows}
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "name", "current", "province", "city", "level", "history"])
        for code, name, current, history in rows:
            prov = names[code[:2] + "0000"][1]
            if code.endswith("0000"):
                level, city = "province", ""
            elif code.endswith("00"):
                level = "prefecture"
                city = "" if name in _PLACEHOLDERS else name
            else:
                level = "county"
                pref = names.get(code[:4] + "00")
                city = pref[1] if pref and pref[1] not in _PLACEHOLDERS else ""
            if not city and code[:2] in ("11", "12", "31", "50") and level != "province":
                city = prov  # municipalities: the city is the province
            w.writerow([code, name, current, prov, city, level, history])
    return len(rows)


if __name__ == "__main__":
    import stdnum.cn

    here = Path(__file__).parent
    n = build(Path(stdnum.cn.__file__).parent / "loc.dat", here / "divisions.csv")
    print(f"{n} division codes written")
