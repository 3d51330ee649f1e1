"""Caller region from the number's prefix, using the small table shipped in data/regions.csv."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from callcenter.ivr.errors import IvrError

__all__ = ["DEFAULT_TABLE", "Region", "RegionTable", "default_regions"]

DEFAULT_TABLE = Path(__file__).parent / "data" / "regions.csv"
_KINDS = ("country", "mobile", "area")
_MOBILE = re.compile(r"1[3-9][0-9]{9}")


@dataclass(frozen=True, slots=True)
class Region:
    """Where a number is from, as far as the table knows ('' when unknown)."""

    country: str = ""
    province: str = ""
    city: str = ""
    carrier: str = ""

    @property
    def label(self) -> str:
        """The caller_region variable: the province, else the country code, else ''."""
        return self.province or self.country


@dataclass(frozen=True)
class RegionTable:
    """Prefix tables by kind; ``lookup`` takes the longest matching prefix."""

    country: dict[str, Region]
    mobile: dict[str, Region]
    area: dict[str, Region]
    home_code: str = "86"

    @classmethod
    def load(cls, path: Path = DEFAULT_TABLE, home_code: str = "86") -> RegionTable:
        """Read a CSV (prefix,kind,country,province,city,carrier; '#' lines are comments)."""
        tables: dict[str, dict[str, Region]] = {kind: {} for kind in _KINDS}
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise IvrError(f"cannot read the region table {path}: {exc}") from None
        lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
        for number, row in enumerate(csv.DictReader(lines), start=2):
            prefix, kind = (row.get("prefix") or "").strip(), (row.get("kind") or "").strip()
            if not prefix.isdigit() or kind not in _KINDS:
                raise IvrError(
                    f"{path}: row {number} (not counting comments) needs digits in 'prefix' and "
                    f"one of {', '.join(_KINDS)} in 'kind', got {prefix!r}, {kind!r}"
                )
            fields = [(row.get(name) or "").strip() for name in ("country", "province", "city")]
            tables[kind][prefix] = Region(*fields, carrier=(row.get("carrier") or "").strip())
        return cls(tables["country"], tables["mobile"], tables["area"], home_code)

    def lookup(self, number: str) -> Region:
        """The region of a caller number in any common form (+86..., 0086..., 0755..., 138...)."""
        digits = re.sub(r"[\s\-().]", "", number or "")
        if digits.startswith("+"):
            digits = "00" + digits[1:]
        if not digits.isdigit():
            return Region()
        home = self.country.get(self.home_code, Region()).country
        if digits.startswith("00"):
            international = digits[2:]
            if not international.startswith(self.home_code):
                return _longest(self.country, international) or Region()
            national = international[len(self.home_code) :]
            keep = _MOBILE.fullmatch(national) or national.startswith("0")
            digits = national if keep else "0" + national
        elif digits.startswith(self.home_code) and _MOBILE.fullmatch(digits[len(self.home_code) :]):
            digits = digits[len(self.home_code) :]
        if _MOBILE.fullmatch(digits):
            found = _longest(self.mobile, digits) or Region()
            return Region(found.country or home, found.province, found.city, found.carrier)
        if digits.startswith("0") and len(digits) >= 7:
            found = _longest(self.area, digits)
            if found:
                return Region(found.country or home, found.province, found.city, found.carrier)
            return Region(home)
        return Region()


def _longest(table: dict[str, Region], digits: str) -> Region | None:
    for length in range(min(len(digits), 8), 0, -1):
        found = table.get(digits[:length])
        if found is not None:
            return found
    return None


@cache
def default_regions(path: Path = DEFAULT_TABLE, home_code: str = "86") -> RegionTable:
    """The table at ``path`` (the shipped one by default), read once."""
    return RegionTable.load(path, home_code)
