"""The queue wallboard: live figures per queue and today's abandoned callers, with call-back.

GET /wallboard/queues is the page; GET /api/wallboard/queues its JSON snapshot, which the
page fetches again on every change the engines publish on the wallboard's event stream (SSE,
at most once a second) and every :data:`POLL_SECONDS` for what moves with the clock alone
(longest wait, the 15-minute window). "Today" comes from the
call records (one grouped query, cached :data:`CACHE_SECONDS` for every supervisor), the
live part (waiting callers, agents by state) from Redis. POST
/api/wallboard/abandoned/<call_uuid>/callback opens a ticket for the abandoned caller with
a callback due now (201; 409 when the call was not abandoned or already has a ticket).
Supervisors and admins only.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.live.errors import LiveError
from callcenter.reports.queue_figures import WINDOW, board, day_start
from callcenter.reports.queue_today import abandoned_calls, queue_totals
from callcenter.store.base import utcnow
from callcenter.store.calls import Call
from callcenter.store.enums import Disposition
from callcenter.store.ticket_links import TicketCallRef
from callcenter.store.tickets import Ticket
from callcenter.tickets import service as svc
from callcenter.tickets.call_links import tickets_for_call
from callcenter.tickets.callbacks import schedule_callback
from callcenter.tickets.workflow import TicketError
from console.api import problem
from console.auth import db_session, role_required
from console.supervisor import live_store
from console.tickets import ticket_settings

bp = Blueprint("queue_board", __name__)

POLL_SECONDS = 5
CACHE_SECONDS = 3.0
_CACHE = "callcenter.queue_board"


def _tickets_of(session: Session, uuids: list[str]) -> dict[str, str]:
    """Ticket number by call uuid, for the calls that have one."""
    if not uuids:
        return {}
    rows = session.execute(
        select(TicketCallRef.call_uuid, Ticket.number)
        .join(Ticket, Ticket.id == TicketCallRef.ticket_id)
        .where(TicketCallRef.call_uuid.in_(uuids))
    )
    return {uuid: number for uuid, number in rows}


def _records(now: datetime) -> tuple[list[Any], list[dict[str, Any]]]:
    """Today's totals per queue and abandoned callers (cached a few seconds per app)."""
    cached = current_app.extensions.get(_CACHE)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1], cached[2]
    since = day_start(now, current_app.extensions["callcenter.settings"].timezone)
    with db_session() as session:
        totals = queue_totals(session, since, now - WINDOW)
        abandoned = abandoned_calls(session, since)
        tickets = _tickets_of(session, [row["call_uuid"] for row in abandoned])
    for row in abandoned:
        row["ticket"] = tickets.get(row["call_uuid"])
    current_app.extensions[_CACHE] = (time.monotonic() + CACHE_SECONDS, totals, abandoned)
    return totals, abandoned


def _forget() -> None:
    current_app.extensions.pop(_CACHE, None)


@bp.get("/wallboard/queues")
@role_required("supervisor")
def page() -> str:
    """Queue tiles and abandoned callers, live."""
    return render_template("queue_board.html", poll_seconds=POLL_SECONDS)


@bp.get("/api/wallboard/queues")
@role_required("supervisor")
def snapshot() -> Response:
    """Every queue's figures now, and today's abandoned callers, as JSON."""
    now = utcnow()
    totals, abandoned = _records(now)
    try:
        store = live_store()
        calls, agents, live = store.all("call").values(), store.all("agent").values(), True
    except LiveError:  # figures from SQL still help while Redis is away
        calls, agents, live = [], [], False
    return jsonify(
        at=now.isoformat(), live=live, queues=board(totals, calls, agents, now), abandoned=abandoned
    )


@bp.post("/api/wallboard/abandoned/<call_uuid>/callback")
@role_required("supervisor")
def call_back(call_uuid: str) -> tuple[Response, int]:
    """A ticket for an abandoned caller with a callback due now (the agents' callback list)."""
    with db_session() as session:
        call = session.scalar(select(Call).where(Call.uuid == call_uuid))
        if call is None:
            return problem(404, "no such call")
        if call.disposition != Disposition.ABANDONED or not call.caller_number:
            return problem(409, "only an abandoned caller with a number can be called back")
        existing = tickets_for_call(session, call_uuid)
        if existing:
            return problem(409, f"the call already has ticket {existing[0].number}")
        details = {
            "call_uuid": call.uuid,
            "caller_number": call.caller_number,
            "queue": call.queue.name if call.queue else "",
            "wait_seconds": call.wait_seconds,
        }
        try:
            ticket = svc.create_ticket(
                session, ticket_settings(), subject=f"Call back {call.caller_number}",
                actor_id=current_user.id, call=details,
            )  # fmt: skip
            actor = current_user.id
            schedule_callback(session, ticket, call.caller_number, utcnow(), actor_id=actor)
        except TicketError as exc:
            return problem(409, str(exc))
        session.commit()
        _forget()
        url = url_for("tickets.detail_page", number=ticket.number)
        return jsonify(ticket=ticket.number, url=url), 201
