"""Figures ``sim_scale.py`` reads from the run's SQLite file: call records, offer latency."""

from __future__ import annotations

import sqlite3
from bisect import bisect_right
from datetime import datetime
from pathlib import Path
from typing import Any

__all__ = ["call_records", "offer_latencies_ms", "percentile"]


def _read(db_path: Path, sql: str) -> list[sqlite3.Row]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def call_records(db_path: Path) -> dict[str, dict[str, Any]]:
    """Every row of ``calls`` (uuid, disposition, ended_at) by uuid."""
    rows = _read(db_path, "select uuid, disposition, ended_at from calls")
    return {row["uuid"]: dict(row) for row in rows}


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def offer_latencies_ms(db_path: Path) -> list[float]:
    """For each queue offer: ms from the moment it became possible to ``offered_at``.

    Possible = the later of the caller's ``enqueued_at`` and the start of the agent's last
    ``available`` stretch (agent_state_log) before the offer.
    """
    available: dict[int, list[datetime]] = {}
    for row in _read(
        db_path,
        "select agent_id, since from agent_state_log where state = 'available' order by since",
    ):
        available.setdefault(row["agent_id"], []).append(_time(row["since"]))  # type: ignore[arg-type]
    out = []
    for row in _read(
        db_path,
        "select l.agent_id, l.offered_at, c.enqueued_at from call_agent_legs l"
        " join calls c on c.id = l.call_id where l.role = 'queue' and l.offered_at is not null"
        " and c.enqueued_at is not null",
    ):
        offered, enqueued = _time(row["offered_at"]), _time(row["enqueued_at"])
        stretches = available.get(row["agent_id"], [])
        index = bisect_right(stretches, offered) - 1
        if offered is None or enqueued is None or index < 0:
            continue
        possible = max(enqueued, stretches[index])
        out.append(max(0.0, (offered - possible).total_seconds() * 1000.0))
    return out


def percentile(values: list[float], q: float) -> float | None:
    """The ``q`` quantile (nearest rank), None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
