"""The screen-pop's data for one call: caller, customer, IVR path, queue wait, open tickets,
the customer's last calls, the queue's call script and canned answers (what
``GET /api/desktop/pop/<call_uuid>`` answers, console/agent.py).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from callcenter.admin.canned import queue_canned
from callcenter.store import models
from callcenter.store.base import utcnow
from callcenter.tickets.call_access import SEES_ALL_CALLS, calls_taken_by
from callcenter.tickets.customers import customer_calls, customer_tickets, find_by_phone
from console.auth import db_session
from console.supervisor import live_store


def visible_call_ids(session: Any, call_ids: list[int]) -> set[int]:
    """Of ``call_ids``, those the signed-in user may open (all for supervisors and admins)."""
    if current_user.role in SEES_ALL_CALLS:
        return set(call_ids)
    own = session.scalar(select(models.Agent).where(models.Agent.user_id == current_user.id))
    return calls_taken_by(session, own, call_ids)


def _split(value: str) -> list[str]:
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [part for part in value.split(",") if part]
    return parsed if isinstance(parsed, list) else [str(parsed)]


def _inputs(value: str) -> dict[str, Any]:
    try:
        parsed = json.loads(value) if value else {}
    except ValueError:
        return {"value": value}
    return parsed if isinstance(parsed, dict) else {"value": parsed}


def _path_inputs(path: list[Any]) -> dict[str, Any]:
    """What the caller entered, by node, from the engine's path entries ``{node, value}``."""
    return {
        str(step["node"]): step.get("value")
        for step in path
        if isinstance(step, dict) and step.get("node") and step.get("value") not in (None, "")
    }


def _live_wait(live: dict[str, str], now: datetime) -> float | None:
    """Seconds in the queue: until now while queued / offered, until the answer after it."""
    queued = live.get("enqueued_at") or (live.get("since") if live.get("state") == "queued" else "")
    if not queued:
        return None
    answered = live.get("state") not in ("queued", "offering", "ringing") and live.get("since")
    try:
        end = datetime.fromisoformat(answered) if answered else now
        return round(max(0.0, (end - datetime.fromisoformat(queued)).total_seconds()), 1)
    except ValueError:
        return None


def pop_for(call_uuid: str) -> dict[str, Any] | None:
    """The screen-pop of a live or recorded call (None if there is neither)."""
    from console.customers import customer_json
    from console.tickets import ticket_json

    live = live_store().get_call(call_uuid)
    now = utcnow()
    with db_session() as session:
        record = session.scalar(select(models.Call).where(models.Call.uuid == call_uuid))
        if not live and record is None:
            return None
        caller = live.get("caller_number") or (record.caller_number if record else "") or ""
        ivr_path = _split(live.get("ivr_path", "")) or (
            list(record.ivr_path or []) if record else []
        )
        wait = None
        if record is not None and record.wait_seconds is not None:
            wait = record.wait_seconds
        elif live.get("wait_seconds"):
            wait = float(live["wait_seconds"])
        else:
            wait = _live_wait(live, now)
        call = {
            "call_uuid": call_uuid,
            "caller_number": caller,
            "dialled_number": live.get("dialled_number")
            or (record.dialled_number if record else ""),
            "queue": live.get("queue") or (record.queue.name if record and record.queue else ""),
            "state": live.get("state", "ended" if record else ""),
            "agent_id": live.get("agent_id")
            or (record.agent.number if record and record.agent else ""),
            "since": live.get("since", ""),
            "wait_seconds": wait,
            "ivr_path": ivr_path,
            "ivr_inputs": _inputs(live.get("ivr_inputs", "")) or _path_inputs(ivr_path),
        }
        customer = find_by_phone(session, caller) if caller else None
        tickets = customer_tickets(session, customer, open_only=True) if customer else []
        calls = customer_calls(session, customer, limit=5) if customer else []
        visible = visible_call_ids(session, [c.id for c in calls])
        settings = current_app.extensions["callcenter.settings"].tickets
        return {
            "call": call,
            "customer": customer_json(customer) if customer else None,
            "open_tickets": [ticket_json(t, settings, now) for t in tickets],
            "canned": queue_canned(session, call["queue"]),
            "last_calls": [
                {
                    "call_uuid": c.uuid if c.id in visible else None,
                    "started_at": c.started_at.isoformat(),
                    "disposition": str(c.disposition) if c.disposition else None,
                    "queue": c.queue.name if c.queue else None,
                    "talk_seconds": c.talk_seconds,
                }
                for c in calls
                if c.uuid != call_uuid
            ],
        }
