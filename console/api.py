"""CTI REST API for agents: state and actions, carried to the engine over the command stream.

Every answer is JSON. Refusals are 4xx with a ``reason``: 400 bad body, 403 not your agent,
404 unknown agent, 409 the agent's current state does not allow the action. An accepted
action is 202: the engine that owns the agent carries it out and reports on the agent's
desktop stream.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user
from sqlalchemy import select

from callcenter.acd.agents import Agent, AgentState, AgentStateError
from callcenter.agent_actions import (
    ActionError,
    UnknownAction,
    command_from_body,
)
from callcenter.live.errors import LiveError
from callcenter.live.names import AGENT_COMMANDS
from callcenter.store import models
from console.auth import db_session, role_required
from console.request_input import json_body
from console.supervisor import live_store
from console.wrapup import ready_refusal

bp = Blueprint("api", __name__, url_prefix="/api")


def problem(status: int, reason: str) -> tuple[Response, int]:
    """A JSON error answer."""
    return jsonify(error=True, reason=reason), status


def _agent_row(agent_id: str) -> models.Agent | None:
    with db_session() as session:
        return session.scalar(select(models.Agent).where(models.Agent.number == agent_id))


def _may_act_for(row: models.Agent) -> bool:
    # Agents act for themselves only; supervisors and admins for anyone.
    return current_user.role in ("supervisor", "admin") or row.user_id == current_user.id


def _live_agent(agent_id: str, extension: str) -> tuple[Agent, dict[str, str]]:
    fields = live_store().get_agent(agent_id)
    state = AgentState(fields.get("state") or AgentState.LOGGED_OUT)
    pending = fields.get("pending", "")  # a ready then cancels it (not ready after this call)
    return Agent(
        agent_id, extension, state=state, reason=fields.get("reason", ""), pending=pending
    ), fields


def _wrap_up_done(row: models.Agent, fields: dict[str, str]) -> None:
    """Refuse finishing wrap-up while the queue's required wrap-up code is not saved."""
    with db_session() as session:
        refusal = ready_refusal(session, row, fields)
    if refusal:
        raise AgentStateError("wrap_up_unfinished", agent=row.number, why=refusal)


@bp.get("/agents/<agent_id>")
@role_required("agent", "supervisor")
def agent_state(agent_id: str) -> Response | tuple[Response, int]:
    """The agent's live state."""
    row = _agent_row(agent_id)
    if row is None:
        return problem(404, f"no agent {agent_id!r}")
    if not _may_act_for(row):
        return problem(403, "agents may only see their own state")
    try:
        _, fields = _live_agent(agent_id, row.sip_user)
    except LiveError as exc:
        return problem(503, str(exc))
    return jsonify(
        agent_id=agent_id,
        extension=row.sip_user,
        state=fields.get("state", "logged_out"),
        reason=fields.get("reason", ""),
        since=fields.get("since", ""),
        call_uuid=fields.get("call_uuid", ""),
        pending=fields.get("pending", ""),
    )


@bp.post("/agents/<agent_id>/<action>")
@role_required("agent", "supervisor")
def agent_action(agent_id: str, action: str) -> tuple[Response, int]:
    """Ask the engine to carry out ``action`` for the agent."""
    body = json_body(empty_ok=True)
    try:
        command = command_from_body(agent_id, action, body, current_user.username)
    except UnknownAction as exc:
        return problem(404, str(exc))
    except ActionError as exc:
        return problem(400, str(exc))
    row = _agent_row(agent_id)
    if row is None:
        return problem(404, f"no agent {agent_id!r}")
    if not _may_act_for(row):
        return problem(403, "agents may only act for themselves")
    try:
        agent, fields = _live_agent(agent_id, row.sip_user)
        agent.check(action)  # the domain's rule for every action, as the engine checks it
        if action == "ready" and agent.state == AgentState.WRAP_UP:
            _wrap_up_done(row, fields)
        command_id = live_store().send_command(AGENT_COMMANDS, command.message())
    except AgentStateError as exc:
        return problem(409, str(exc))
    except LiveError as exc:
        return problem(503, str(exc))
    return jsonify(accepted=True, action=action, agent_id=agent_id, command_id=command_id), 202
