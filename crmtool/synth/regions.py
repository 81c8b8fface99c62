"""The region table shipped with the generator: real 6-digit administrative division codes (GB/T 2260)
with their province, city, district, telephone area code and the length of local numbers there
(regions.csv, a few dozen rows; 7-digit cities as libphonenumber's metadata has them)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

MUNICIPALITIES = frozenset({"北京市", "上海市", "天津市", "重庆市"})


@dataclass(frozen=True, slots=True)
class Region:
    division_code: str
    province: str
    city: str
    district: str
    area_code: str
    local_digits: int

    @property
    def city_short(self) -> str:
        """The city as it appears in a company name: 北京市 -> 北京, 哈尔滨市 -> 哈尔滨."""
        return self.city.removesuffix("市")

    @property
    def address_prefix(self) -> str:
        """省 + 市 + 区 as written at the start of an address (a municipality is not repeated)."""
        head = self.city if self.city in MUNICIPALITIES else self.province + self.city
        return head + self.district


@lru_cache(maxsize=1)
def load_regions() -> tuple[Region, ...]:
    text = resources.files("crmtool.synth").joinpath("regions.csv").read_text(encoding="utf-8")
    return tuple(
        Region(**{**row, "local_digits": int(row["local_digits"])}) for row in csv.DictReader(text.splitlines())
    )
