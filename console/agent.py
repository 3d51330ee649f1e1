"""Agent desktop: the page, its live state + stats snapshot, the screen-pop (its data is built
in console/screen_pop.py), sign-in with an extension, the dial action (both sent to the engine
as :class:`~callcenter.agent_actions.AgentCommand`), and a server-sent event stream fed from
Redis pub/sub.

JSON under /api/desktop mirrors what the page shows. Agents reach only their own agent;
supervisors and admins any agent.
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    render_template,
    request,
)
from flask_login import current_user
from sqlalchemy import func, select

from callcenter.agent_actions import ActionError, AgentCommand, command_from_body
from callcenter.live.errors import LiveError
from callcenter.live.messages import Message
from callcenter.live.names import AGENT_COMMANDS, agent_channel
from callcenter.store import models
from callcenter.store.base import utcnow
from callcenter.tickets.alerts import TICKET_ALERTS
from callcenter.tickets.call_access import may_see_call
from callcenter.tickets.workflow import TicketError
from console.admin_reasons import desktop_reasons
from console.api import problem
from console.auth import db_session, role_required
from console.i18n_errors import refusal_message
from console.request_input import json_body, parse_id, text
from console.screen_pop import pop_for
from console.sse import event_stream
from console.supervisor import live_store
from console.wrapup import wrap_up_json

bp = Blueprint("agent", __name__)

CALL_STATES_WITH_POP = ("reserved", "ringing", "on_call", "on_hold", "wrap_up")
NOT_AVAILABLE_YET: tuple[str, ...] = ()  # buttons the engine does not carry out (none now)


def _settings() -> Any:
    return current_app.extensions["callcenter.settings"]


def _own_agent() -> models.Agent | None:
    with db_session() as session:
        return session.scalar(select(models.Agent).where(models.Agent.user_id == current_user.id))


def _agent_for(agent_id: str) -> tuple[models.Agent | None, tuple[Response, int] | None]:
    with db_session() as session:
        row = session.scalar(select(models.Agent).where(models.Agent.number == agent_id))
    if row is None:
        return None, problem(404, f"no agent {agent_id!r}")
    if current_user.role not in ("supervisor", "admin") and row.user_id != current_user.id:
        return None, problem(403, "agents may only open their own desktop")
    return row, None


@bp.get("/agent/")
@role_required("agent", "supervisor")
def desktop() -> str | tuple[str, int]:
    """The agent desktop page (supervisors may open ?agent=<number>)."""
    wanted = request.args.get("agent", "")
    row = None
    if wanted:
        row, error = _agent_for(wanted)
        if error is not None:
            return render_template(
                "desktop.html", agent=None, error=error[0].get_json()["reason"]
            ), error[1]
    else:
        row = _own_agent()
    categories = _settings().tickets.categories
    return render_template(
        "desktop.html",
        agent=row,
        error=None,
        categories=categories,
        unavailable=NOT_AVAILABLE_YET,
        reasons=desktop_reasons(),
    )


# -- JSON ---------------------------------------------------------------------------------


def _today_start(now: datetime) -> datetime:
    zone = ZoneInfo(_settings().timezone)
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)


def personal_stats(row: models.Agent, fields: dict[str, str], now: datetime) -> dict[str, Any]:
    """Calls today, average handle time, time in current state, missed offers today."""
    start = _today_start(now)
    with db_session() as session:
        answered = (
            select(models.Call)
            .where(models.Call.agent_id == row.id, models.Call.started_at >= start)
            .where(models.Call.answered_at.is_not(None))
            .subquery()
        )
        count, talk, wrap = session.execute(
            select(
                func.count(answered.c.id),
                func.coalesce(func.sum(answered.c.talk_seconds), 0.0),
                func.coalesce(func.sum(answered.c.wrap_up_seconds), 0.0),
            )
        ).one()
        missed_events = session.scalars(
            select(models.CallEvent.data).where(
                models.CallEvent.type == "agent_missed", models.CallEvent.ts >= start
            )
        )
        missed = sum(1 for data in missed_events if str(data.get("agent_id")) == row.number)
    since = fields.get("since") or ""
    in_state = None
    if since:
        try:
            in_state = max(0.0, (now - datetime.fromisoformat(since)).total_seconds())
        except ValueError:
            in_state = None
    return {
        "calls_today": int(count),
        "average_handle_seconds": round((talk + wrap) / count, 1) if count else None,
        "state_seconds": None if in_state is None else round(in_state, 1),
        "missed_today": missed,
    }


@bp.get("/api/desktop/<agent_id>")
@role_required("agent", "supervisor")
def snapshot(agent_id: str) -> Response | tuple[Response, int]:
    """The agent's live state, stats and (when on a call) the screen-pop: the page's resync."""
    row, error = _agent_for(agent_id)
    if error is not None:
        return error
    try:
        fields = live_store().get_agent(agent_id)
        pop = pop_for(fields.get("call_uuid", "")) if fields.get("call_uuid") else None
    except LiveError as exc:
        return problem(503, str(exc))
    now = utcnow()
    with db_session() as session:
        default = _settings().routing.wrap_up_seconds
        wrap_up = wrap_up_json(session, row, fields, default, now)
    return jsonify(
        agent={
            "agent_id": agent_id,
            "extension": row.sip_user,
            "display_name": row.display_name,
            "state": fields.get("state", "logged_out"),
            "reason": fields.get("reason", ""),
            "since": fields.get("since", ""),
            "call_uuid": fields.get("call_uuid", ""),
            "pending": fields.get("pending", ""),  # not_ready:<reason> / logout after the call
        },
        stats=personal_stats(row, fields, now),
        wrap_up=wrap_up,
        pop=pop,
        unavailable=list(NOT_AVAILABLE_YET),
    )


@bp.get("/api/desktop/pop/<call_uuid>")
@role_required("agent", "supervisor")
def pop(call_uuid: str) -> Response | tuple[Response, int]:
    """Screen-pop data for a call: caller, customer, IVR path, queue/wait, open tickets, calls.

    Agents get it only for the call offered to or connected with them now, or one they took;
    anyone else's call (also one still waiting in the queue) is 403 with none of its data."""
    if len(call_uuid) > 64:
        return problem(404, "no such call")
    try:
        live = live_store().get_call(call_uuid)
        with db_session() as session:
            allowed = may_see_call(session, current_user.role, _own_agent(), call_uuid, live)
            exists = (
                bool(live)
                or session.scalar(select(models.Call.id).where(models.Call.uuid == call_uuid))
                is not None
            )
        if not exists:
            return problem(404, f"no live or recorded call {call_uuid!r}")
        if not allowed:
            return problem(403, "this call is not offered to you")
        data = pop_for(call_uuid)
    except LiveError as exc:
        return problem(503, str(exc))
    if data is None:
        return problem(404, f"no live or recorded call {call_uuid!r}")
    return jsonify(data)


@bp.post("/api/desktop/<agent_id>/sign_in")
@role_required("agent", "supervisor")
def sign_in(agent_id: str) -> tuple[Response, int]:
    """Sign the agent in at ``extension`` (must be the agent's own SIP extension)."""
    row, error = _agent_for(agent_id)
    if error is not None:
        return error
    body = json_body(empty_ok=True)
    extension = body.get("extension", "")
    if isinstance(extension, int) and not isinstance(extension, bool):
        extension = str(extension)  # JSON clients send extensions as numbers
    extension = text({"extension": extension}, "extension", 32)
    if not extension:
        return problem(400, 'sign in needs your extension, e.g. {"extension": "1001"}')
    if extension != row.sip_user:
        return problem(
            409, f"extension {extension} is not agent {agent_id}'s phone; use {row.sip_user}"
        )
    command = command_from_body(agent_id, "login", {}, current_user.username)
    return _send(command, extension=extension)


@bp.post("/api/desktop/<agent_id>/dial")
@role_required("agent", "supervisor")
def dial(agent_id: str) -> tuple[Response, int]:
    """Ask the engine to dial ``number`` from the agent's phone (``ticket`` for callbacks).

    ``callback`` (an id on that ticket) marks the follow-up as being dialled. The command goes
    on the agent command stream; the engine rings the agent, then the customer, and reports on
    the agent's channel. The call's record names the ticket, which links it (tickets.dial_links).
    """
    from callcenter.tickets.customers import normalise_number

    row, error = _agent_for(agent_id)
    if error is not None:
        return error
    body = json_body(empty_ok=True)
    number = body.get("number", "")
    if isinstance(number, int) and not isinstance(number, bool):
        number = str(number)
    try:
        number = normalise_number(number)
    except TicketError as exc:
        return problem(400, str(exc))
    ticket = text(body, "ticket", 32)
    try:  # the rules the engine applies to the command: refused here, not after a 202
        command = command_from_body(
            agent_id, "dial", {"number": number, "ticket": ticket}, current_user.username
        )
    except ActionError as exc:
        return problem(400, str(exc))
    callback = body.get("callback")
    if callback is not None:
        from console.tickets import mark_callback_dialled

        failure = mark_callback_dialled(parse_id(callback, "callback"), ticket)
        if failure is not None:
            return failure
    return _send(command, number=number, ticket=ticket)


def _send(command: AgentCommand, **shown: str) -> tuple[Response, int]:
    """Put the command on the engine's stream; the answer echoes ``shown``."""
    try:
        command_id = live_store().send_command(AGENT_COMMANDS, command.message())
    except LiveError as exc:
        return problem(503, str(exc))
    return jsonify(
        accepted=True, agent_id=command.agent_id, command_id=command_id, action=command.action,
        **shown,
    ), 202  # fmt: skip


@bp.get("/api/desktop/<agent_id>/stream")
@role_required("agent", "supervisor")
def stream(agent_id: str) -> Response | tuple[Response, int]:
    """Server-sent events for one desktop: its agent channel (the engine publishes the agent's
    state and its calls there, besides the wallboard) and ticket alerts. The page resyncs with
    the snapshot on (re)connect. Not the whole wallboard: with hundreds of desktops every
    stream would parse every message (benchmarks/screen_pop.py)."""
    _row, error = _agent_for(agent_id)
    if error is not None:
        return error
    try:
        subscription = live_store().subscribe(agent_channel(agent_id), TICKET_ALERTS)
    except LiveError as exc:
        return problem(503, str(exc))
    username = current_user.username
    supervisor = current_user.role in ("supervisor", "admin")
    language = getattr(current_user, "language", None) or "en"
    own_channel = agent_channel(agent_id)

    def relevant(channel: str, data: Any) -> bool:
        if channel == own_channel:
            return True
        if channel == TICKET_ALERTS and isinstance(data, dict):
            alert = data.get("ticket_alert") or {}
            return supervisor or alert.get("assignee") == username
        return False

    def render(message: Message) -> dict[str, Any] | None:
        if not relevant(message.channel, message.data):
            return None
        payload: dict[str, Any] = {
            "channel": "agent" if message.channel == own_channel else message.channel
        }
        payload.update(message.data if isinstance(message.data, dict) else {"data": message.data})
        if "error" in payload and message.channel == own_channel:  # the engine's refusal
            payload["message"] = refusal_message(payload, language)
        return payload

    return event_stream(subscription, render)
