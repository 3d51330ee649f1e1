"""Checks on a process's log output: every line one JSON record with ``event`` and ``level``."""

from __future__ import annotations

import json


def json_records(output: str) -> list[dict]:
    """The records of ``output``; fails on the first line that is not a JSON log record."""
    records = []
    for number, line in enumerate(output.splitlines(), 1):
        try:
            record = json.loads(line)
        except ValueError:
            raise AssertionError(f"line {number} is not JSON: {line!r}\n{output[-3000:]}") from None
        assert isinstance(record, dict) and {"event", "level"} <= record.keys(), (number, line)
        records.append(record)
    return records


def alembic_chatter(records: list[dict]) -> list[dict]:
    """Alembic's records below warning (plugin set-up, "Context impl", "Will assume ...")."""
    return [
        r
        for r in records
        if str(r.get("logger", "")).startswith("alembic") and r["level"] in ("debug", "info")
    ]
