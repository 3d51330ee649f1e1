"""Monitoring API for supervisors: listen, whisper or barge on a live call, switch, leave.

POST /api/monitor {call_uuid, mode} rings the supervisor's own phone (their user's
extension, else their agent row's) through the engine; the answer is 202 with the session
id. The session's row (``monitor_sessions``) is the audit: the engine fills in the answer,
the modes and the end. Agents are refused (403); a call that is not live is 409.
"""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, Response, jsonify
from flask_login import current_user
from sqlalchemy import select

from callcenter.live.errors import LiveError
from callcenter.live.names import MONITOR_COMMANDS
from callcenter.store import models
from callcenter.store.monitoring import MODES, MonitorSession
from console.auth import db_session, role_required
from console.request_input import json_body, text
from console.supervisor import live_store

bp = Blueprint("monitor_api", __name__, url_prefix="/api/monitor")


def _problem(status: int, reason: str) -> tuple[Response, int]:
    return jsonify(error=True, reason=reason), status


def _mode(body: dict[str, Any]) -> str:
    mode = text(body, "mode", 16, default="listen")
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    return mode


def session_document(row: MonitorSession) -> dict[str, Any]:
    """A monitoring session as JSON."""
    return {
        "id": row.id,
        "call_uuid": row.call_uuid,
        "username": row.username,
        "extension": row.extension,
        "mode": row.mode,
        "modes": row.mode_list(),
        "requested_at": row.requested_at.isoformat(),
        "answered_at": row.answered_at.isoformat() if row.answered_at else None,
        "ended_at": row.ended_at.isoformat() if row.ended_at else None,
        "end_reason": row.end_reason,
    }


def _own_extension(session: Any) -> str:
    """The current user's phone: their extension, else their agent row's softphone."""
    user = session.get(models.User, current_user.id)
    if user is not None and user.extension:
        return user.extension
    agent = session.scalar(select(models.Agent).where(models.Agent.user_id == current_user.id))
    return agent.sip_user if agent is not None and agent.sip_user else ""


def _send(message: dict[str, str]) -> None:
    live_store().send_command(MONITOR_COMMANDS, message)


@bp.post("")
@role_required("supervisor")
def start() -> tuple[Response, int]:
    """Ring the supervisor's phone to monitor a live call in a mode (default listen)."""
    body = json_body()
    call_uuid = text(body, "call_uuid", 64)
    try:
        mode = _mode(body)
    except ValueError as exc:
        return _problem(400, str(exc))
    if not call_uuid:
        return _problem(400, "call_uuid is required")
    try:
        call = live_store().get_call(call_uuid)
    except LiveError as exc:
        return _problem(503, str(exc))
    if not call or call.get("state") == "ended":
        return _problem(409, f"call {call_uuid} is not live")
    with db_session() as session:
        extension = _own_extension(session)
        if not extension:
            return _problem(409, "you have no phone extension to ring; an admin sets it")
        running = session.scalar(
            select(MonitorSession.id).where(
                MonitorSession.call_uuid == call_uuid,
                MonitorSession.user_id == current_user.id,
                MonitorSession.ended_at.is_(None),
            )
        )
        if running is not None:  # a second click would ring the phone twice
            reason = f"you monitor this call already (session {running}): switch the mode"
            return jsonify(error=True, reason=reason, session_id=running), 409
        row = MonitorSession(
            call_uuid=call_uuid,
            leg_uuid=str(uuid.uuid4()),
            user_id=current_user.id,
            username=current_user.username,
            extension=extension,
            modes=mode,
        )
        session.add(row)
        session.commit()
        message = {
            "action": "start", "leg_uuid": row.leg_uuid, "call_uuid": call_uuid, "mode": mode,
            "extension": extension, "username": row.username,
            "caller_number": call.get("caller_number", ""),
        }  # fmt: skip
        try:
            _send(message)
        except LiveError as exc:
            session.delete(row)
            session.commit()
            return _problem(503, str(exc))
        return jsonify(accepted=True, session_id=row.id, mode=mode), 202


def _open_session(session: Any, session_id: int) -> MonitorSession | tuple[Response, int]:
    """The current user's running session, or the refusal."""
    row = session.get(MonitorSession, session_id)
    if row is None:
        return _problem(404, f"no monitoring session {session_id}")
    if row.user_id != current_user.id and current_user.role != "admin":
        return _problem(403, "this monitoring session is another supervisor's")
    if row.ended_at is not None:
        return _problem(409, "this monitoring session has ended")
    return row


@bp.get("/<int:session_id>")
@role_required("supervisor")
def show(session_id: int) -> Response | tuple[Response, int]:
    """A monitoring session: answered, modes, ended."""
    with db_session() as session:
        row = session.get(MonitorSession, session_id)
        if row is None:
            return _problem(404, f"no monitoring session {session_id}")
        return jsonify(session_document(row))


@bp.post("/<int:session_id>/mode")
@role_required("supervisor")
def change_mode(session_id: int) -> tuple[Response, int]:
    """Switch a running session to another mode (the phone stays connected)."""
    try:
        mode = _mode(json_body())
    except ValueError as exc:
        return _problem(400, str(exc))
    with db_session() as session:
        row = _open_session(session, session_id)
        if not isinstance(row, MonitorSession):
            return row
        if row.answered_at is None:
            return _problem(409, "your phone has not answered yet")
        message = {"action": "mode", "leg_uuid": row.leg_uuid, "call_uuid": row.call_uuid}
        try:
            _send(message | {"mode": mode})
        except LiveError as exc:
            return _problem(503, str(exc))
        return jsonify(accepted=True, session_id=row.id, mode=mode), 202


@bp.post("/<int:session_id>/leave")
@role_required("supervisor")
def leave(session_id: int) -> tuple[Response, int]:
    """End a session: the supervisor's phone is hung up."""
    with db_session() as session:
        row = _open_session(session, session_id)
        if not isinstance(row, MonitorSession):
            return row
        try:
            _send({"action": "leave", "leg_uuid": row.leg_uuid, "call_uuid": row.call_uuid})
        except LiveError as exc:
            return _problem(503, str(exc))
        return jsonify(accepted=True, session_id=row.id), 202
