"""Bus events of a caller's way out of a queue: overflow, and queued callbacks.

Like every :class:`~callcenter.engine.bus.BusEvent` they land on the call's timeline
(``call_events``) and decide the record's disposition (overflowed, callback).
"""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.engine.bus import BusEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueLeft(BusEvent):
    """The caller left ``queue`` without an agent (``reason``: max_wait, no_agent, exit_key,
    callback) for ``target`` (an overflow target, ``flow`` for the IVR's next node)."""

    call_uuid: str
    queue: str
    reason: str
    target: str
    waited_seconds: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackRequested(BusEvent):
    """The caller asked to be called back at ``number`` and hung up; the place in line stays."""

    call_uuid: str
    queue: str
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackAttempted(BusEvent):
    """The engine dialled the customer for a callback: ``outcome`` answered, no_answer, failed
    (``cause`` is FreeSWITCH's); ``attempt`` counts from 1."""

    call_uuid: str
    agent_id: str
    number: str
    attempt: int
    outcome: str
    cause: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class CallReadopted(BusEvent):
    """A restarted engine took the caller back (same record): into its old place in line, or
    (``queue`` empty) into the IVR again."""

    call_uuid: str
    queue: str
    enqueued_at: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class EndedUnserved(BusEvent):
    """The call ended while no engine served it (in the hotline's fallback): seen by the next
    engine process. Such a call is ``abandoned`` when the caller hung up, never
    ``ivr_completed``."""

    call_uuid: str
