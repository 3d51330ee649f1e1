"""The agent's wrap-up of their current call: a disposition code and notes (JSON for the
desktop's wrap-up panel)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user
from sqlalchemy import select

from callcenter.live.errors import LiveError
from callcenter.store import models
from console.api import problem
from console.auth import db_session, role_required
from console.request_input import json_body
from console.supervisor import live_store
from console.wrapup import WrapUpError, save_wrap_up

bp = Blueprint("wrapup", __name__)


@bp.post("/api/desktop/<agent_id>/wrap_up")
@role_required("agent", "supervisor")
def save(agent_id: str) -> tuple[Response, int]:
    """Save ``{"code", "notes"}`` for the agent's current call (on the call or in wrap-up)."""
    body = json_body(empty_ok=True)
    try:
        fields = live_store().get_agent(agent_id)
    except LiveError as exc:
        return problem(503, str(exc))
    with db_session() as session:
        agent = session.scalar(select(models.Agent).where(models.Agent.number == agent_id))
        if agent is None:
            return problem(404, f"no agent {agent_id!r}")
        if current_user.role not in ("supervisor", "admin") and agent.user_id != current_user.id:
            return problem(403, "agents may only wrap up their own calls")
        try:
            code, notes = body.get("code", ""), body.get("notes", "")
            saved = save_wrap_up(session, agent, fields, code, notes)
        except WrapUpError as exc:
            return problem(409 if "no call" in str(exc) else 400, str(exc))
        session.commit()
    return jsonify(saved=True, **saved), 200
