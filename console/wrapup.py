"""When an agent's wrap-up ends (the desktop's countdown), and its disposition code and notes.

The engine ends wrap-up ``wrap_up_seconds`` of the call's queue after the agent entered it,
later when the agent extends it, and publishes the deadline as ``wrap_up_until`` in the
agent's live hash; that wins. Without it (an older engine, or a hash written before) the
console works it out from ``since``: the queue of the call's record; else the longest
wrap-up of the agent's queues (the call record may not be written yet); else setting
routing.wrap_up_seconds.

The queue's ``wrap_up_codes`` (one per line) are offered in the wrap-up panel; with
``wrap_up_code_required`` the agent must save one before finishing wrap-up (Ready).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.store import models

__all__ = [
    "WrapUpError",
    "ready_refusal",
    "save_wrap_up",
    "wrap_up_codes",
    "wrap_up_deadline",
    "wrap_up_json",
]

MAX_NOTES = 2000
"""Most characters of wrap-up notes."""


class WrapUpError(ValueError):
    """A wrap-up that cannot be saved; the message says why."""


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
    codes, required = wrap_up_codes(session, agent, fields.get("call_uuid", ""))
    return {
        "until": until.isoformat(),
        "seconds_left": round(left, 1),
        "codes": codes,
        "required": required,
        "saved": _saved(session, agent, fields.get("call_uuid", "")),
    }


def _queues(session: Session, agent: models.Agent, call_uuid: str) -> list[models.Queue]:
    """The call's queue (its record); before the record is written, the agent's queues."""
    if call_uuid:
        record = session.scalar(select(models.Call).where(models.Call.uuid == call_uuid))
        if record is not None and record.queue is not None:
            return [record.queue]
    return list(
        session.scalars(
            select(models.Queue)
            .join(models.AgentQueue, models.AgentQueue.queue_id == models.Queue.id)
            .where(models.AgentQueue.agent_id == agent.id)
            .order_by(models.Queue.name)
        )
    )


def wrap_up_codes(session: Session, agent: models.Agent, call_uuid: str) -> tuple[list[str], bool]:
    """The disposition codes for the call's wrap-up, and whether one is required."""
    codes: dict[str, None] = {}
    required = False
    for queue in _queues(session, agent, call_uuid):
        for line in (queue.wrap_up_codes or "").splitlines():
            if line.strip():
                codes[line.strip()] = None
        required = required or bool(queue.wrap_up_code_required and queue.wrap_up_codes)
    return list(codes), required


def _saved(session: Session, agent: models.Agent, call_uuid: str) -> dict[str, str] | None:
    row = session.scalar(
        select(models.CallWrapUp).where(
            models.CallWrapUp.call_uuid == call_uuid, models.CallWrapUp.agent_id == agent.id
        )
    )
    return None if row is None else {"code": row.code, "notes": row.notes or ""}


def save_wrap_up(
    session: Session, agent: models.Agent, fields: dict[str, str], code: object, notes: object
) -> dict[str, str]:
    """Save (or replace) the agent's code and notes for their current call."""
    call_uuid = fields.get("call_uuid", "")
    if fields.get("state") not in ("on_call", "on_hold", "wrap_up") or not call_uuid:
        raise WrapUpError(
            f"agent {agent.number} has no call to wrap up (state {fields.get('state', '?')})"
        )
    codes, _ = wrap_up_codes(session, agent, call_uuid)
    if not isinstance(code, str) or not isinstance(notes, str):
        raise WrapUpError('send {"code": "...", "notes": "..."} as text')
    code, notes = code.strip(), notes.strip()
    if codes and code not in codes:
        raise WrapUpError(f"code must be one of: {', '.join(codes)}")
    if not codes and (len(code) > 64 or not code.isprintable()):
        raise WrapUpError("code must be at most 64 printable characters")
    if len(notes) > MAX_NOTES or not notes.replace("\n", "").replace("\r", "").isprintable():
        raise WrapUpError(
            f"notes must be at most {MAX_NOTES} characters without control characters"
        )
    if not code and not notes:
        raise WrapUpError("choose a code or write a note")
    row = session.scalar(
        select(models.CallWrapUp).where(
            models.CallWrapUp.call_uuid == call_uuid, models.CallWrapUp.agent_id == agent.id
        )
    )
    if row is None:
        row = models.CallWrapUp(call_uuid=call_uuid, agent_id=agent.id, code=code)
        session.add(row)
    row.code, row.notes = code, notes or None
    return {"call_uuid": call_uuid, "code": code, "notes": notes}


def ready_refusal(session: Session, agent: models.Agent, fields: dict[str, str]) -> str | None:
    """Why the agent may not finish wrap-up yet (a required code not saved), or None."""
    if fields.get("state") != "wrap_up":
        return None
    call_uuid = fields.get("call_uuid", "")
    codes, required = wrap_up_codes(session, agent, call_uuid)
    saved = _saved(session, agent, call_uuid)
    if required and (saved is None or saved["code"] not in codes):
        return f"save a wrap-up code first (one of: {', '.join(codes)})"
    return None
