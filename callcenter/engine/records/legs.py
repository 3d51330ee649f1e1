"""Each agent's part of a call for its record: offered, answered (or missed), left.

A call handled by several agents (a blind or attended transfer, a consultation, a conference,
a re-queue after a miss) has one leg per offer, in order. A leg is a plain JSON dict (it
travels with the open record through Redis snapshots):

``agent_id``, ``role`` (queue, outbound, transfer, consult), ``offered_at``, ``answered_at``,
``left_at`` (ISO times or None), ``outcome`` (answered, missed, cancelled), ``cause`` (why a
missed offer failed), and once the call ended ``ring_seconds`` and ``talk_seconds`` (from the
agent answering to the agent leaving: hold and, for a consulted agent, the consultation
count).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

Leg = dict[str, Any]

_ROLE_EVENTS = ("consult_started", "call_transferred", "call_queued", "agent_offered",
                "call_answered", "outbound_call_arrived")  # fmt: skip


def _open_leg(legs: list[Leg], agent_id: str, *, answered: bool | None = None) -> Leg | None:
    """The agent's latest leg that has not ended (and is / is not answered, if asked)."""
    for leg in reversed(legs):
        if leg["agent_id"] != agent_id or leg["left_at"] is not None:
            continue
        if answered is None or (leg["answered_at"] is not None) == answered:
            return leg
    return None


def _role(events: list[dict[str, Any]], agent_id: str, direction: str) -> str:
    """Why the agent is offered the call, from the timeline just before the offer."""
    for event in reversed(events[:-1]):  # the last one is the offer itself
        kind = event.get("kind")
        if kind not in _ROLE_EVENTS:
            continue
        if kind == "consult_started" and event.get("to") == agent_id:
            return "consult"
        if kind == "call_transferred" and event.get("to") == agent_id:
            return "transfer"
        break
    return "outbound" if direction == "outbound" else "queue"


def offered(
    legs: list[Leg], events: list[dict[str, Any]], direction: str, agent_id: str, at: datetime
) -> None:
    """An agent's phone rings for the call: a new leg."""
    legs.append({
        "agent_id": agent_id, "role": _role(events, agent_id, direction),
        "offered_at": at.isoformat(), "answered_at": None, "left_at": None,
        "outcome": "", "cause": "",
    })  # fmt: skip


def missed(legs: list[Leg], agent_id: str, at: datetime, cause: str) -> None:
    """The offer failed (no answer, busy, rejected, ...)."""
    leg = _open_leg(legs, agent_id, answered=False)
    if leg is not None:
        leg.update(left_at=at.isoformat(), outcome="missed", cause=cause)


def answered(legs: list[Leg], agent_id: str, at: datetime) -> None:
    """The agent talks on the call (first time for this leg; a leg is made if none rang here,
    e.g. a call taken over from an earlier engine process)."""
    if _open_leg(legs, agent_id, answered=True) is not None:
        return
    leg = _open_leg(legs, agent_id, answered=False)
    if leg is None:
        leg = {"agent_id": agent_id, "role": "queue", "offered_at": None, "left_at": None,
               "cause": ""}  # fmt: skip
        legs.append(leg)
    leg.update(answered_at=at.isoformat(), outcome="answered")


def left(legs: list[Leg], agent_id: str, at: datetime) -> None:
    """The agent's part is over (hung up, handed on, released while ringing)."""
    leg = _open_leg(legs, agent_id)
    if leg is not None:
        leg.update(left_at=at.isoformat(), outcome=leg["outcome"] or "cancelled")


def close(legs: list[Leg], at: datetime) -> None:
    """The call ended: open legs end with it; every leg gets its ring and talk seconds."""
    for leg in legs:
        if leg["left_at"] is None:
            leg.update(left_at=at.isoformat(), outcome=leg["outcome"] or "cancelled")
        leg["ring_seconds"] = _seconds(leg["offered_at"], leg["answered_at"])
        leg["talk_seconds"] = _seconds(leg["answered_at"], leg["left_at"])


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return round(max(0.0, (datetime.fromisoformat(end) - datetime.fromisoformat(start))
                     .total_seconds()), 3)  # fmt: skip
