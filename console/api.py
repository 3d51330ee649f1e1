"""CTI REST API for agents: state and actions, carried to the engine over the command stream.

Every answer is JSON. Refusals are 4xx with a ``reason``: 400 bad body, 403 not your agent,
404 unknown agent, 409 the agent's current state does not allow the action. An accepted
action is 202: the engine that owns the agent carries it out and reports on the agent's
desktop stream.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user
from sqlalchemy import select

from callcenter.acd.agents import MAX_EXTEND_SECONDS, Agent, AgentState, AgentStateError
from callcenter.live.errors import LiveError
from callcenter.live.names import AGENT_COMMANDS
from callcenter.store import models
from console.auth import db_session, role_required
from console.supervisor import live_store

bp = Blueprint("api", __name__, url_prefix="/api")

ACTIONS = ("login", "logout", "ready", "not_ready", "hangup", "hold", "unhold")
RECORDING_ACTIONS = ("record_pause", "record_resume")  # card numbers: the engine masks audio
ACTIONS += RECORDING_ACTIONS
CTI_ACTIONS = ("dial", "transfer", "consult", "consult_complete", "consult_cancel", "conference",
               "dtmf")  # fmt: skip
ACTIONS += CTI_ACTIONS
WRAP_UP_ACTIONS = ("extend_wrap_up",)  # {"seconds": 1-600}: more wrap-up time
ACTIONS += WRAP_UP_ACTIONS
# Actions the engine does not carry out yet: refused with 501 (and shown disabled on the
# desktop) instead of being queued for an engine that would only answer "unknown action".
ENGINE_PENDING: tuple[str, ...] = ()
NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
DIGITS = re.compile(r"[0-9A-Da-d*#]{1,64}")
TARGETS = {"transfer": ("agent", "queue", "number"), "consult": ("agent", "number")}
MAX_REASON = 64


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
    return Agent(agent_id, extension, state=state, reason=fields.get("reason", "")), fields


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
    )


@bp.post("/agents/<agent_id>/<action>")
@role_required("agent", "supervisor")
def agent_action(agent_id: str, action: str) -> tuple[Response, int]:
    """Ask the engine to carry out ``action`` for the agent."""
    if action not in ACTIONS:
        return problem(404, f"unknown action {action!r}; use one of: {', '.join(ACTIONS)}")
    body: Any = request.get_json(silent=True) if request.data else {}
    if not isinstance(body, dict):
        return problem(400, "the body must be a JSON object")
    reason = body.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        return problem(400, f"reason must be a string of at most {MAX_REASON} characters")
    if action == "not_ready" and not reason.strip():
        return problem(400, 'not_ready needs a reason, e.g. {"reason": "break"}')
    fields = cti_fields(action, body)
    if isinstance(fields, str):
        return problem(400, fields)
    row = _agent_row(agent_id)
    if row is None:
        return problem(404, f"no agent {agent_id!r}")
    if not _may_act_for(row):
        return problem(403, "agents may only act for themselves")
    try:
        agent, _ = _live_agent(agent_id, row.sip_user)
        if action in WRAP_UP_ACTIONS:
            if agent.state != AgentState.WRAP_UP:
                raise AgentStateError(
                    f"agent {agent_id} can extend wrap-up only in wrap-up, not while {agent.state}"
                )
        elif action not in RECORDING_ACTIONS:
            agent.check(action)
        elif agent.state not in (AgentState.ON_CALL, AgentState.ON_HOLD):
            raise AgentStateError(
                f"agent {agent_id} can pause or resume the recording only on a call, "
                f"not while {agent.state}"
            )
        if action in ENGINE_PENDING:
            return problem(501, f"{action} is not carried out by the engine yet")
        command_id = live_store().send_command(
            AGENT_COMMANDS,
            {
                "agent_id": agent_id,
                "action": action,
                "reason": reason.strip(),
                **fields,
                "by": current_user.username,
            },
        )
    except AgentStateError as exc:
        return problem(409, str(exc))
    except LiveError as exc:
        return problem(503, str(exc))
    return jsonify(accepted=True, action=action, agent_id=agent_id, command_id=command_id), 202


def cti_fields(action: str, body: dict[str, Any]) -> dict[str, str] | str:
    """The command fields of a CTI action from its JSON body, or why the body is wrong.

    dial ``{"number", "ticket"?}``; transfer / consult exactly one of ``{"agent": id}``,
    ``{"queue": name}`` (transfer only) or ``{"number": digits}``; dtmf ``{"digits"}``.
    """
    if action == "dial":
        number = _clean_number(body.get("number"))
        if number is None:
            return 'dial needs a number of 1-32 digits (+, *, # allowed), e.g. {"number": "1390"}'
        ticket = body.get("ticket", "")
        if not isinstance(ticket, str | int) or len(str(ticket)) > 32:
            return "ticket must be a ticket number of at most 32 characters"
        return {"number": number, "ticket": str(ticket)}
    if action in TARGETS:
        allowed = TARGETS[action]
        given = [kind for kind in ("agent", "queue", "number") if body.get(kind) not in (None, "")]
        if len(given) != 1 or given[0] not in allowed:
            shapes = " or ".join(f'{{"{kind}": "..."}}' for kind in allowed)
            return f"{action} needs exactly one target: {shapes}"
        kind = given[0]
        value = body[kind]
        if kind == "number":
            value = _clean_number(value)
            if value is None:
                return "number must be 1-32 digits (+, *, # allowed)"
        elif not isinstance(value, str | int) or len(str(value)) > 64:
            return f"{kind} must be a name or number of at most 64 characters"
        return {"target": kind, "to": str(value)}
    if action == "extend_wrap_up":
        seconds = body.get("seconds", 30)
        if not isinstance(seconds, int) or isinstance(seconds, bool):
            return 'extend_wrap_up needs whole seconds, e.g. {"seconds": 30}'
        if not 1 <= seconds <= MAX_EXTEND_SECONDS:
            return f"seconds must be between 1 and {MAX_EXTEND_SECONDS}"
        return {"seconds": str(seconds)}
    if action == "dtmf":
        digits = body.get("digits")
        if not isinstance(digits, str | int) or not DIGITS.fullmatch(str(digits)):
            return 'dtmf needs digits: 1-64 of 0-9, *, #, A-D, e.g. {"digits": "123#"}'
        return {"digits": str(digits)}
    return {}


def _clean_number(value: object) -> str | None:
    if not isinstance(value, str | int):
        return None
    text = str(value).strip().replace(" ", "").replace("-", "")
    return text if NUMBER.fullmatch(text) else None
