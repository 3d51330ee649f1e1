"""When an agent's wrap-up ends: the desktop's countdown.

The engine ends wrap-up ``wrap_up_seconds`` of the call's queue after the agent entered it,
later when the agent extends it, and publishes the deadline as ``wrap_up_until`` in the
agent's live hash; that wins. Without it (an older engine, or a hash written before) the
console works it out from ``since``: the queue of the call's record; else the longest
wrap-up of the agent's queues (the call record may not be written yet); else setting
routing.wrap_up_seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store import models

__all__ = ["wrap_up_deadline", "wrap_up_json"]


def _parse(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if value else None
    except ValueError:
        return None


def _queue_seconds(session: Session, agent: models.Agent, call_uuid: str) -> float | None:
    if call_uuid:
        record = session.scalar(select(models.Call).where(models.Call.uuid == call_uuid))
        if record is not None and record.queue is not None:
            return float(record.queue.wrap_up_seconds)
    seconds = session.scalars(
        select(models.Queue.wrap_up_seconds)
        .join(models.AgentQueue, models.AgentQueue.queue_id == models.Queue.id)
        .where(models.AgentQueue.agent_id == agent.id)
    ).all()
    return float(max(seconds)) if seconds else None


def wrap_up_deadline(
    session: Session, agent: models.Agent, fields: dict[str, str], default_seconds: float
) -> datetime | None:
    """When the agent's wrap-up ends (None when not in wrap-up or ``since`` is unknown)."""
    if fields.get("state") != "wrap_up":
        return None
    published = _parse(fields.get("wrap_up_until", ""))
    if published is not None:
        return published
    since = _parse(fields.get("since", ""))
    if since is None:
        return None
    seconds = _queue_seconds(session, agent, fields.get("call_uuid", ""))
    return since + timedelta(seconds=default_seconds if seconds is None else seconds)


def wrap_up_json(
    session: Session,
    agent: models.Agent,
    fields: dict[str, str],
    default_seconds: float,
    now: datetime,
) -> dict[str, Any] | None:
    """``{"until", "seconds_left"}`` for the desktop, or None when not in wrap-up."""
    until = wrap_up_deadline(session, agent, fields, default_seconds)
    if until is None:
        return None
    left = max(0.0, (until - now).total_seconds())
    return {"until": until.isoformat(), "seconds_left": round(left, 1)}
