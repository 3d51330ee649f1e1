"""Portable time buckets in SQL: epoch seconds and the interval index of a timestamp.

SQLite and PostgreSQL share no date-truncation function, so a bucket is computed from the
timestamp's epoch seconds with integer arithmetic: ``(epoch + offset - origin) / width``.
``offset`` is the center's UTC offset at the start of the range, so a range that crosses a
daylight-saving change puts the hours after the change one hour off (documented limitation;
the buckets are still contiguous and every call counts once).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement

__all__ = ["INTERVALS", "EpochSeconds", "ReportRange", "bucket_of", "report_range"]

# interval name -> (width in seconds, origin: seconds after the epoch a bucket starts on)
WEEK_ORIGIN = 4 * 86400  # 1970-01-05 was a Monday: weeks start on Monday
INTERVALS: dict[str, tuple[int, int]] = {
    "15min": (900, 0),
    "30min": (1800, 0),
    "60min": (3600, 0),
    "day": (86400, 0),
    "week": (7 * 86400, WEEK_ORIGIN),
}


class EpochSeconds(FunctionElement[int]):
    """Whole seconds since 1970-01-01 UTC of a timestamp column, as an integer."""

    type = BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: Any, **kw: Any) -> str:
    return f"CAST(strftime('%s', {compiler.process(element.clauses, **kw)}) AS INTEGER)"


@compiles(EpochSeconds)
def _epoch_default(element: EpochSeconds, compiler: Any, **kw: Any) -> str:
    # FLOOR: a cast of the fractional epoch would round 09:59:59.7 up into the next bucket.
    return f"CAST(FLOOR(EXTRACT(EPOCH FROM {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@dataclass(frozen=True)
class ReportRange:
    """A report's period: aware UTC bounds, the bucket width and the local offset."""

    start: datetime
    end: datetime
    interval: str
    offset: int  # seconds east of UTC at ``start``

    @property
    def width(self) -> int:
        """Seconds per bucket."""
        return INTERVALS[self.interval][0]

    def bucket_start(self, index: int) -> datetime:
        """The local (naive) start of bucket ``index``."""
        seconds = index * self.width + INTERVALS[self.interval][1]
        return datetime(1970, 1, 1) + timedelta(seconds=seconds)


def report_range(first: date, last: date, interval: str, timezone: str) -> ReportRange:
    """From local midnight of ``first`` to local midnight after ``last`` in ``timezone``."""
    if interval not in INTERVALS:
        raise ValueError(f"unknown interval {interval!r}")
    zone = ZoneInfo(timezone)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    offset = int(start.utcoffset().total_seconds())  # type: ignore[union-attr]
    return ReportRange(start.astimezone(UTC), end.astimezone(UTC), interval, offset)


def bucket_of(column: Any, period: ReportRange) -> ColumnElement[int]:
    """The bucket index of ``column`` (integer division, same on SQLite and PostgreSQL)."""
    width, origin = INTERVALS[period.interval]
    shifted = EpochSeconds(column) + literal(period.offset - origin, BigInteger)
    return shifted.op("/", precedence=8)(literal(width, BigInteger))  # precedence of *
