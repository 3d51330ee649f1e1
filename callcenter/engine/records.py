"""Call records: folds a call's bus events into one record and hands it to a sink at the end."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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


@dataclass
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
    agent_id: str = ""
    ivr_path: list[dict[str, str]] = field(default_factory=list)
    hangup_cause: str = ""
    hangup_by: str = ""
    recording_path: str = ""
    blocked: str = ""  # why the call was refused: "blacklist" or "flood"
    ivr_outcome: str = ""  # how the IVR ended: queue, transfer, hangup, voicemail, gone
    voicemail_path: str = ""
    survey_score: int | None = None
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def disposition(self) -> str:
        """blocked; answered if an agent took it; abandoned if the caller left a queue;
        voicemail if a message was left; ivr_completed if the IVR finished the call (or the
        caller hung up in it); else failed."""
        if self.blocked:
            return "blocked"
        if self.answered_at:
            return "answered"
        if self.enqueued_at:
            return "abandoned" if self.hangup_by == "caller" else "failed"
        if self.voicemail_path:
            return "voicemail"
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
        """From the last offer to the agent answering."""
        return self._seconds(self.offered_at, self.answered_at) if self.answered_at else None

    @property
    def talk_seconds(self) -> float | None:
        """From the agent answering to the end of the call."""
        return self._seconds(self.answered_at, self.ended_at)


RecordSink = Callable[[CallRecord], None]


class CallRecorder:
    """Bus consumer: keeps an open record per call and emits it on CallEnded."""

    def __init__(self, bus: Bus, sink: RecordSink, node: str = "") -> None:
        self._open: dict[str, CallRecord] = {}
        self._sink = sink
        self._node = node
        bus.subscribe(BusEvent, self._on_event)

    def open_calls(self) -> list[str]:
        """Uuids of the calls with a record still open."""
        return list(self._open)

    def _on_event(self, event: BusEvent) -> None:
        call_uuid = getattr(event, "call_uuid", "")
        if not call_uuid or isinstance(event, AgentStateChanged):
            return  # agent state changes belong to the agent's log, not the call's timeline
        record = self._open.get(call_uuid)
        if record is None:
            if not isinstance(event, CallArrived):
                return
            record = self._open[call_uuid] = CallRecord(call_uuid, node=self._node)
        record.events.append(event.as_dict())
        self._apply(record, event)
        if isinstance(event, CallEnded):
            del self._open[call_uuid]
            self._sink(record)

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
            case AgentOffered():
                record.offered_at = event.at
                record.agents.append(event.agent_id)
            case AgentMissed():
                pass
            case CallAnswered():
                # a transfer / attended transfer bridges another agent: the first answer
                # stays, the agent is the last one
                record.answered_at = record.answered_at or event.at
                record.agent_id = event.agent_id
                record.recording_path = event.recording_path or record.recording_path
            case CallEnded():
                record.ended_at = event.at
                record.hangup_cause = event.hangup_cause
                record.hangup_by = event.hangup_by
