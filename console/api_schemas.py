"""Pydantic models of the JSON API's bodies and answers: the OpenAPI document's schemas.

The handlers read their bodies with :mod:`console.request_input` and refuse wrong values with
a 4xx of :class:`Problem`'s shape; these models describe what they accept and answer (extra
keys are allowed in answers, so a new field is not a breaking change). ``console.openapi``
turns them into JSON Schema; tests/integration/test_openapi.py checks real answers against it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """Base of every answer model: more keys may come in later versions."""

    model_config = ConfigDict(extra="allow")


class Body(BaseModel):
    """Base of every request body model: unknown keys are ignored by the handlers."""

    model_config = ConfigDict(extra="allow")


class Problem(Answer):
    """Every refusal: ``reason`` is stable English, ``message`` the user's language."""

    error: Literal[True]
    reason: str
    message: str


# --- agents and desktop -------------------------------------------------------------------


class AgentActionBody(Body):
    """An agent action's fields (which ones an action reads: callcenter/agent_actions.py)."""

    reason: str | None = Field(None, description="not_ready: the reason code")
    number: str | None = Field(None, description="dial/transfer/consult: the number")
    ticket: str | None = Field(None, description="dial: the ticket the call is for")
    agent: str | None = Field(None, description="transfer/consult: the agent")
    queue: str | None = Field(None, description="transfer: the queue")
    digits: str | None = Field(None, description="dtmf: the digits")
    seconds: int | None = Field(None, description="extend_wrap_up: 1-600 seconds")


class AgentState(Answer):
    """An agent's live state."""

    agent_id: str
    extension: str
    state: str
    reason: str
    since: str
    call_uuid: str
    pending: str


class Accepted(Answer):
    """An action handed to the engine; it reports on the agent's desktop stream."""

    accepted: Literal[True]
    action: str
    agent_id: str
    command_id: str


class SignInBody(Body):
    """The agent's own SIP extension."""

    extension: str | int


class DialBody(Body):
    """A number to dial from the agent's phone, optionally for a ticket's callback."""

    number: str | int
    ticket: str | None = None
    callback: int | str | None = Field(None, description="a callback id on that ticket")


class DesktopSnapshot(Answer):
    """The desktop's resync: state, personal figures, wrap-up, screen-pop."""

    agent: dict[str, Any]
    stats: dict[str, Any]
    wrap_up: dict[str, Any] | None
    pop: dict[str, Any] | None
    unavailable: list[str]


class ScreenPop(Answer):
    """Screen-pop data of one call."""


class WrapUpBody(Body):
    """The disposition code and notes of the agent's current call."""

    code: str | None = None
    notes: str | None = None


class WrapUpSaved(Answer):
    """The wrap-up as saved."""

    saved: Literal[True]


# --- monitoring ---------------------------------------------------------------------------


class MonitorStartBody(Body):
    """A live call and the mode (listen, whisper, barge; default listen)."""

    call_uuid: str = Field(min_length=1, max_length=64)
    mode: str | None = None


class MonitorModeBody(Body):
    """The mode to switch to."""

    mode: str | None = None


class MonitorAccepted(Answer):
    """The monitoring command was handed to the engine."""

    accepted: Literal[True]
    session_id: int


class MonitorSession(Answer):
    """A monitoring session (its row is the audit)."""

    id: int
    call_uuid: str
    username: str
    extension: str
    mode: str
    modes: list[str]
    requested_at: str
    answered_at: str | None
    ended_at: str | None
    end_reason: str | None


# --- calls and wallboard ------------------------------------------------------------------


class CallRecord(Answer):
    """A call record with who monitored it."""

    call: dict[str, Any]
    corrections: list[dict[str, Any]]
    events: list[dict[str, Any]]
    recording: dict[str, Any] | None
    monitoring: list[dict[str, Any]]


class CorrectionBody(Body):
    """One corrected field of a call record and why."""

    field: str
    value: Any = None
    reason: str


class Corrected(Answer):
    """The correction and the call record after it."""

    correction: dict[str, Any]
    call: dict[str, Any]


class QueueBoard(Answer):
    """Every queue's figures and today's abandoned callers."""

    at: str
    live: bool
    queues: list[dict[str, Any]]
    abandoned: list[dict[str, Any]]


class CallbackTicket(Answer):
    """The callback ticket made for an abandoned caller."""

    ticket: str
    url: str
