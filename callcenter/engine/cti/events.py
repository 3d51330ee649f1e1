"""Bus events of the CTI actions (click-to-call, transfers, consultation, conference, DTMF).

They subclass :class:`~callcenter.engine.bus.BusEvent`, so the call recorder keeps them on the
call's timeline (``call_events.type`` is the snake-case class name) and the desktop / wallboard
consumers see them without knowing this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.engine.bus import BusEvent, CallArrived


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboundCallArrived(CallArrived):
    """An agent dials a customer (click-to-call): the first event of an outbound call record.

    ``caller_number`` is the caller id the customer sees, ``dialled_number`` the customer.
    """

    agent_id: str
    ticket: str = ""
    direction: str = "outbound"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(BusEvent):
    """The agent handed the caller on: ``target`` is agent, queue, number or consulted."""

    call_uuid: str
    agent_id: str
    target: str
    to: str
    attended: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferFailed(BusEvent):
    """A blind transfer to an agent failed; the caller goes to ``fallback_queue``."""

    call_uuid: str
    to: str
    cause: str
    fallback_queue: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultStarted(BusEvent):
    """The caller holds while the agent calls another agent or number (``leg_uuid``)."""

    call_uuid: str
    agent_id: str
    target: str
    to: str
    leg_uuid: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultEnded(BusEvent):
    """The consultation ended: completed, cancelled, conference, failed, dropped, or restart
    (the engine that ran it died; the next one gave the caller back to its agent)."""

    call_uuid: str
    agent_id: str
    outcome: str
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceStarted(BusEvent):
    """Caller, agent and consulted party are in a three-way conference."""

    call_uuid: str
    agent_id: str
    conference: str
    members: int = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class DtmfSent(BusEvent):
    """The agent sent DTMF on the call (only the count is kept: digits may be a PIN)."""

    call_uuid: str
    agent_id: str
    digits: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceLeft(BusEvent):
    """An agent left the call's conference (hung up); ``remaining`` agents are still in it."""

    call_uuid: str
    agent_id: str
    remaining: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ConferenceEnded(BusEvent):
    """The engine closes the conference: ``no agent left`` or ``caller left``."""

    call_uuid: str
    reason: str
