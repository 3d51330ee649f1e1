"""Call records: folds a call's bus events into one record and hands it to a sink at the end.

Hold and wrap-up come from the agents' state changes (``AgentStateChanged`` carries the call):
hold is the time at least one agent of the call had it on hold; wrap-up is the sum of the
wrap-up stretches agents spent on the call. A wrap-up usually ends after the call did, so the
record is handed to the sink again, as a new ``revision`` with the late fields
(:data:`LATE_FIELDS`) filled in, when it ends.

Each agent's part of the call (offer, answer, leaving) is a leg of the record
(:mod:`~callcenter.engine.records.legs`): the answer and the leaving come from the agents'
state changes too, so every way of joining or leaving a call counts.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol

from callcenter.engine.bus import (
    AgentMissed,
    AgentOffered,
    AgentStateChanged,
    Bus,
    BusEvent,
    CallAnswered,
    CallArrived,
    CallBlocked,
    CallEnded,
    CallQueued,
    IvrEnded,
    IvrInput,
    SurveyAnswered,
    VoicemailRecorded,
)
from callcenter.engine.calls.post_call import AgentLeftCall
from callcenter.engine.records import legs as record_legs
from callcenter.engine.routing.events import (
    CallbackRequested,
    CallReadopted,
    EndedUnserved,
    QueueLeft,
)


@dataclass(slots=True)  # one per call on the line: slots instead of a 33-key __dict__
class CallRecord:
    """Everything the engine knows about one finished call, in plain values."""

    call_uuid: str
    direction: str = "inbound"  # "outbound" for click-to-call
    caller_number: str = ""
    caller_name: str = ""
    dialled_number: str = ""
    node: str = ""
    started_at: datetime | None = None
    enqueued_at: datetime | None = None
    offered_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    queue: str = ""
    agents: list[str] = field(default_factory=list)
    legs: list[dict[str, Any]] = field(default_factory=list)  # each agent's part (record_legs)
    agent_id: str = ""
    ivr_path: list[dict[str, str]] = field(default_factory=list)
    hangup_cause: str = ""
    hangup_by: str = ""
    recording_path: str = ""
    blocked: str = ""  # why the call was refused: "blacklist" or "flood"
    ivr_outcome: str = ""  # how the IVR ended: queue, transfer, hangup, voicemail, gone
    voicemail_path: str = ""
    overflowed: bool = False  # left a queue for its overflow (and not queued again)
    callback_number: str = ""  # the caller asked to be called back at this number
    agent_left_at: datetime | None = None  # the agent hung up, the caller stayed (survey)
    ended_unserved: bool = False  # ended while no engine served it (after a crash, an outage)
    survey_score: int | None = None
    hold_seconds: float | None = None  # answered calls: 0.0 when never held
    wrap_up_seconds: float | None = None  # answered calls: wrap-ups finished so far
    revision: int = 0  # 0 when the call ended; +1 for each late update (wrap-up ended)
    # The bus events as published (a frozen slotted object each, a third of its dict form),
    # and plain dicts for those made here or read back from a snapshot: see timeline()
    events: list[Any] = field(default_factory=list)

    def timeline(self) -> list[dict[str, Any]]:
        """The call's events as JSON-friendly dicts (``kind``, ``at`` ISO 8601, fields)."""
        return [e if isinstance(e, dict) else e.as_dict() for e in self.events]

    @property
    def disposition(self) -> str:
        """blocked; callback if the caller asked to be called back (answered_at says whether
        the customer was reached); answered if an agent took it; voicemail if a message was
        left; overflowed if the caller left a queue for its overflow and no queue took it
        again; abandoned if the caller left a queue; ivr_completed if the IVR finished the call
        (or the caller hung up in it); else failed."""
        if self.blocked:
            return "blocked"
        if self.callback_number:
            return "callback"
        if self.answered_at:
            return "answered"
        if self.voicemail_path:
            return "voicemail"
        if self.overflowed:
            return "overflowed"
        if self.ended_unserved:  # waited for an engine (IVR or queue) and gave up
            return "abandoned" if self.hangup_by == "caller" else "failed"
        if self.enqueued_at:
            return "abandoned" if self.hangup_by == "caller" else "failed"
        if self.ivr_outcome in ("hangup", "transfer") or self.hangup_by == "caller":
            return "ivr_completed"
        return "failed"

    def _seconds(self, start: datetime | None, end: datetime | None) -> float | None:
        return round((end - start).total_seconds(), 3) if start and end else None

    @property
    def wait_seconds(self) -> float | None:
        """From joining the queue to an agent answering (or the caller leaving)."""
        return self._seconds(self.enqueued_at, self.answered_at or self.ended_at)

    @property
    def ring_seconds(self) -> float | None:
        """From the offer that was answered first to that answer (later offers - transfers,
        consultations - are in the agents' legs)."""
        return self._seconds(self.offered_at, self.answered_at) if self.answered_at else None

    @property
    def talk_seconds(self) -> float | None:
        """From the agent answering to the end of the call (or to the agent hanging up, when
        the caller stays for the post-call survey)."""
        return self._seconds(self.answered_at, self.agent_left_at or self.ended_at)


RecordSink = Callable[[CallRecord], None]

LATE_FIELDS = ("hold_seconds", "wrap_up_seconds")
"""Fields a revision of an already written record may change."""

RECENT_CALLS = 500
"""Ended answered calls kept in memory in case an agent's wrap-up for them starts late."""


class Snapshots(Protocol):
    """Where open records are kept while their calls last (Redis: engine/restart/readopt.py)."""

    def save(self, record: CallRecord) -> None:
        """Keep the record as it is now."""

    def load(self, call_uuid: str) -> CallRecord | None:
        """The kept record of a call, if any."""

    def drop(self, call_uuid: str) -> None:
        """Forget the record (its call ended)."""


_ON_THE_CALL = ("reserved", "ringing", "on_call", "on_hold")

_FIELDS = tuple(f.name for f in fields(CallRecord))
_MOMENTS = ("started_at", "enqueued_at", "offered_at", "answered_at", "ended_at", "agent_left_at")


def record_to_json(record: CallRecord) -> str:
    """The record as JSON (times in ISO 8601)."""
    # Shallow (asdict deep-copies every event of the call, at each event: the JSON is the same)
    data = {name: getattr(record, name) for name in _FIELDS}
    data["events"] = record.timeline()
    for name in _MOMENTS:
        value = data[name]
        data[name] = value.isoformat() if value else None
    return json.dumps(data, default=str)


def record_from_json(text: str) -> CallRecord:
    """A record from :func:`record_to_json`."""
    data = json.loads(text)
    known = {f.name for f in fields(CallRecord)}
    data = {k: v for k, v in data.items() if k in known}
    for name in _MOMENTS:
        data[name] = datetime.fromisoformat(data[name]) if data.get(name) else None
    return CallRecord(**data)


class CallRecorder:
    """Bus consumer: keeps an open record per call and emits it on CallEnded.

    A record emitted earlier is emitted again (``revision`` + 1) when an agent's wrap-up for
    the call ends afterwards.
    """

    def __init__(
        self, bus: Bus, sink: RecordSink, node: str = "", snapshots: Snapshots | None = None
    ) -> None:
        self._open: dict[str, CallRecord] = {}
        self._sink = sink
        self._node = node
        self._snapshots = snapshots  # open records kept outside the process (restart)
        self._holds: dict[str, str] = {}  # agent id -> call uuid they hold
        self._held_since: dict[str, datetime] = {}  # call uuid -> start of the current hold
        self._wrap_ups: dict[str, tuple[str, datetime]] = {}  # agent id -> (call uuid, since)
        self._ended: OrderedDict[str, CallRecord] = OrderedDict()  # recent answered calls
        self._parts: dict[str, str] = {}  # agent id -> call uuid of their open leg
        bus.subscribe(BusEvent, self._on_event)

    def open_calls(self) -> list[str]:
        """Uuids of the calls with a record still open."""
        return list(self._open)

    def _on_event(self, event: BusEvent) -> None:
        if isinstance(event, AgentStateChanged):
            self._on_agent(event)  # hold and wrap-up; not part of the call's timeline
            return
        call_uuid = getattr(event, "call_uuid", "")
        if not call_uuid:
            return
        record = self._open.get(call_uuid)
        if record is None:
            # A re-adopted call whose kept record was lost still gets one (from then on).
            if not isinstance(event, CallArrived | CallReadopted):
                return
            record = self._open[call_uuid] = CallRecord(call_uuid, node=self._node)
        record.events.append(event)
        self._apply(record, event)
        if isinstance(event, AgentOffered | CallAnswered):
            self._parts[event.agent_id] = call_uuid
        if isinstance(event, CallEnded):
            self._close(record, event.at)
            if self._snapshots is not None:
                self._snapshots.drop(call_uuid)
        elif self._snapshots is not None:
            self._snapshots.save(record)

    def adopt(self, call_uuid: str) -> CallRecord | None:
        """Take over a call's open record that another (earlier) engine process kept."""
        if call_uuid in self._open or self._snapshots is None:
            return self._open.get(call_uuid)
        record = self._snapshots.load(call_uuid)
        if record is not None:
            self._open[call_uuid] = record
            self._resume_hold(record)
        return record

    def _resume_hold(self, record: CallRecord) -> None:
        """A hold the earlier process saw begin goes on (its end is seen here)."""
        for event in reversed(record.timeline()):
            if event.get("kind") == "call_resumed":
                return
            if event.get("kind") == "call_held":
                self._holds[str(event.get("agent_id", ""))] = record.call_uuid
                self._held_since[record.call_uuid] = datetime.fromisoformat(event["at"])
                return

    def _close(self, record: CallRecord, at: datetime) -> None:
        call_uuid = record.call_uuid
        for agent_id in [a for a, c in self._holds.items() if c == call_uuid]:
            self._end_hold(agent_id, at)  # the caller left while on hold
        record_legs.close(record.legs, record.ended_at or at)
        for agent_id in [a for a, c in self._parts.items() if c == call_uuid]:
            del self._parts[agent_id]
        if record.answered_at:
            record.hold_seconds = record.hold_seconds or 0.0
            record.wrap_up_seconds = record.wrap_up_seconds or 0.0
            self._ended[call_uuid] = record
            while len(self._ended) > RECENT_CALLS:
                self._ended.popitem(last=False)
        del self._open[call_uuid]
        self._sink(record)

    # -- hold and wrap-up from the agents' state changes ----------------------------------------

    def _on_agent(self, event: AgentStateChanged) -> None:
        self._follow_leg(event)
        agent_id, state, call_uuid = event.agent_id, event.state, event.call_uuid
        if agent_id in self._holds and not (
            state == "on_hold" and call_uuid == self._holds[agent_id]
        ):
            self._end_hold(agent_id, event.at)
        wrapping = self._wrap_ups.get(agent_id)
        if wrapping and not (state == "wrap_up" and call_uuid == wrapping[0]):
            del self._wrap_ups[agent_id]
            self._add_wrap_up(wrapping[0], (event.at - wrapping[1]).total_seconds())
        if state == "on_hold" and call_uuid in self._open and agent_id not in self._holds:
            self._start_hold(agent_id, call_uuid, event.at)
        elif (
            state == "wrap_up"
            and agent_id not in self._wrap_ups
            and (call_uuid in self._open or call_uuid in self._ended)
        ):
            self._wrap_ups[agent_id] = (call_uuid, event.at)

    def _follow_leg(self, event: AgentStateChanged) -> None:
        """An agent on the call answers (on_call / on_hold) or leaves (any other state)."""
        agent_id, state, call_uuid = event.agent_id, event.state, event.call_uuid
        part = self._parts.get(agent_id)
        if part is not None and not (call_uuid == part and state in _ON_THE_CALL):
            del self._parts[agent_id]
            if part in self._open:
                record_legs.left(self._open[part].legs, agent_id, event.at)
        if state in ("on_call", "on_hold") and call_uuid in self._open:
            self._parts[agent_id] = call_uuid
            record_legs.answered(self._open[call_uuid].legs, agent_id, event.at)

    def _start_hold(self, agent_id: str, call_uuid: str, at: datetime) -> None:
        if call_uuid not in self._holds.values():
            self._held_since[call_uuid] = at
            record = self._open[call_uuid]
            record.events.append({"kind": "call_held", "at": at.isoformat(), "agent_id": agent_id})
            if self._snapshots is not None:  # a restart keeps the hold going
                self._snapshots.save(record)
        self._holds[agent_id] = call_uuid

    def _end_hold(self, agent_id: str, at: datetime) -> None:
        call_uuid = self._holds.pop(agent_id)
        if call_uuid in self._holds.values():
            return  # another agent still holds the call
        since = self._held_since.pop(call_uuid)
        record = self._open.get(call_uuid)
        if record is not None:
            seconds = max(0.0, (at - since).total_seconds())
            record.hold_seconds = round((record.hold_seconds or 0.0) + seconds, 3)
            if record.ended_at is None:  # else the hold ended with the call
                record.events.append(
                    {"kind": "call_resumed", "at": at.isoformat(), "agent_id": agent_id}
                )

    def _add_wrap_up(self, call_uuid: str, seconds: float) -> None:
        seconds = max(0.0, seconds)
        record = self._open.get(call_uuid)
        if record is not None:
            record.wrap_up_seconds = round((record.wrap_up_seconds or 0.0) + seconds, 3)
            return
        ended = self._ended.get(call_uuid)
        if ended is None:
            return
        revised = replace(
            ended,
            wrap_up_seconds=round((ended.wrap_up_seconds or 0.0) + seconds, 3),
            revision=ended.revision + 1,
        )
        self._ended[call_uuid] = revised
        self._sink(revised)

    @staticmethod
    def _apply(record: CallRecord, event: BusEvent) -> None:
        match event:
            case CallArrived():
                record.started_at = event.at
                record.caller_number = event.caller_number
                record.caller_name = event.caller_name
                record.dialled_number = event.dialled_number
                record.direction = getattr(event, "direction", "inbound")
            case IvrInput():
                record.ivr_path.append({"node": event.node, "value": event.value})
            case CallBlocked():
                record.blocked = event.reason
            case IvrEnded():
                record.ivr_outcome = event.outcome
            case VoicemailRecorded():
                record.voicemail_path = event.path
            case SurveyAnswered():
                record.survey_score = event.score
            case CallQueued():
                record.enqueued_at = record.enqueued_at or event.at
                record.queue = event.queue
                record.overflowed = False
            case QueueLeft():
                record.overflowed = event.reason != "callback"
            case CallbackRequested():
                record.callback_number = event.number
            case AgentOffered():
                if record.answered_at is None:  # later offers must not undo the ring time
                    record.offered_at = event.at
                record.agents.append(event.agent_id)
                record_legs.offered(
                    record.legs, record.timeline(), record.direction, event.agent_id, event.at
                )
            case AgentMissed():
                record_legs.missed(record.legs, event.agent_id, event.at, event.cause)
            case CallAnswered():
                record_legs.answered(record.legs, event.agent_id, event.at)
                # a transfer / attended transfer bridges another agent: the first answer
                # stays, the agent is the last one
                record.answered_at = record.answered_at or event.at
                record.agent_id = event.agent_id
                record.recording_path = event.recording_path or record.recording_path
            case AgentLeftCall():
                record.agent_left_at = event.at
            case EndedUnserved():
                record.ended_unserved = True
            case CallEnded():
                record.ended_at = event.at
                record.hangup_cause = event.hangup_cause
                record.hangup_by = event.hangup_by
