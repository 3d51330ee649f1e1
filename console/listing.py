"""Sorting and paging of the console's lists: ``?sort=col`` (``-col`` descending), ``?page=``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

PER_PAGE = 25
MAX_PAGE = 10_000


@dataclass
class Listing:
    """One list request: the sort column (of the allowed ones), its direction and the page."""

    sort: str
    descending: bool
    page: int
    per_page: int = PER_PAGE
    more: bool = False
    args: dict[str, str] = field(default_factory=dict)

    @property
    def offset(self) -> int:
        """Rows to skip before this page."""
        return (self.page - 1) * self.per_page

    @property
    def fetch(self) -> int:
        """Rows to ask for: one more than a page, to know whether another page follows."""
        return self.per_page + 1

    def take(self, rows: Sequence[Any]) -> list[Any]:
        """This page's rows out of ``fetch`` rows; notes whether more follow."""
        self.more = len(rows) > self.per_page
        return list(rows[: self.per_page])

    def sort_arg(self, column: str) -> str:
        """The ``sort`` value a header link for ``column`` carries (second click: reversed)."""
        if column == self.sort and not self.descending:
            return "-" + column
        return column

    def aria_sort(self, column: str) -> str | None:
        """``ascending`` / ``descending`` for the sorted column's header, else None."""
        if column != self.sort:
            return None
        return "descending" if self.descending else "ascending"

    def with_args(self, **changes: Any) -> dict[str, str]:
        """The request's query arguments with ``changes`` (for header and page links)."""
        merged = {**self.args, **{k: str(v) for k, v in changes.items()}}
        return {k: v for k, v in merged.items() if v not in ("", "None")}


def listing(args: Mapping[str, str], columns: Sequence[str], default: str) -> Listing:
    """Read ``sort`` (one of ``columns``, ``-`` for descending) and ``page`` from ``args``."""
    raw = str(args.get("sort") or default)
    descending = raw.startswith("-")
    sort = raw.lstrip("-")
    if sort not in columns:
        descending = default.startswith("-")
        sort = default.lstrip("-")
    page_text = str(args.get("page") or "1")
    page = int(page_text) if page_text.isascii() and page_text.isdigit() else 1
    page = min(max(page, 1), MAX_PAGE)
    kept = {k: str(v) for k, v in args.items() if k not in ("page",)}
    return Listing(sort=sort, descending=descending, page=page, args=kept)
