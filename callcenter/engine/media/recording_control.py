"""Pause / resume of a call's recording from the agent desktop (card numbers and the like).

FreeSWITCH ``uuid_record <uuid> mask <path>`` keeps the recording's clock running but writes
silence until ``unmask``. Every pause and resume is a bus event carrying its offset in seconds
from the recording start, so the call record gets the paused stretches
(:func:`paused_stretches`), ``Recording.paused`` stores them and post-processing silences them
again, whatever the switch wrote.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from callcenter.acd.agents import Agent, AgentStateError
from callcenter.engine.bus import Bus, BusEvent, CallAnswered, CallEnded, utcnow
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError

log = get_logger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingPaused(BusEvent):
    """The agent paused the call's recording; ``offset`` seconds from the recording start."""

    call_uuid: str
    agent_id: str
    offset: float
    masked: bool = True  # False: the switch refused the mask; post-processing silences it


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingResumed(BusEvent):
    """The agent resumed the call's recording."""

    call_uuid: str
    agent_id: str
    offset: float


def paused_stretches(events: Iterable[Mapping[str, Any]]) -> list[list[float]]:
    """``[start, end]`` seconds of every pause in a call's events (a pause still open at the
    end of the call lasts until the call ended)."""
    stretches: list[list[float]] = []
    start: float | None = None
    answered: datetime | None = None
    for event in events:
        kind = event.get("kind")
        if kind == "call_answered" and answered is None:  # the recording starts here
            answered = datetime.fromisoformat(event["at"])
        elif kind == "recording_paused" and start is None:
            start = float(event["offset"])
        elif kind == "recording_resumed" and start is not None:
            stretches.append([start, max(start, float(event["offset"]))])
            start = None
        elif kind == "call_ended" and start is not None:
            end = start
            if answered is not None:
                end = (datetime.fromisoformat(event["at"]) - answered).total_seconds()
            stretches.append([start, round(max(start, end), 3)])
            start = None
    return stretches


class SwitchApi(Protocol):
    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


@dataclass
class _Recording:
    path: str
    started: datetime
    paused_at: float | None = None
    masked: bool = False


class RecordingControl:
    """Carries out ``record_pause`` / ``record_resume`` for the agent's current call."""

    def __init__(
        self,
        bus: Bus,
        switch: SwitchApi,
        tell: Callable[[str, dict[str, Any]], None],
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._bus = bus
        self._switch = switch
        self._tell = tell
        self._clock = clock
        self._calls: dict[str, _Recording] = {}
        bus.subscribe(CallAnswered, self._on_answered)
        bus.subscribe(CallEnded, self._on_ended)

    def _on_answered(self, event: BusEvent) -> None:
        assert isinstance(event, CallAnswered)
        if event.recording_path:
            self._calls[event.call_uuid] = _Recording(event.recording_path, event.at)

    def _on_ended(self, event: BusEvent) -> None:
        self._calls.pop(getattr(event, "call_uuid", ""), None)

    def is_paused(self, call_uuid: str) -> bool:
        """Whether the call's recording is paused right now."""
        rec = self._calls.get(call_uuid)
        return rec is not None and rec.paused_at is not None

    def pause(self, agent: Agent) -> None:
        """``record_pause``: mask the agent's call's recording; AgentStateError saying why not
        (told to the agent)."""
        rec = self._recording_of(agent, "record_pause")
        if rec.paused_at is not None:
            raise AgentStateError("recording_paused")
        call_uuid, offset = agent.call_uuid, self._offset(rec)
        masked = True
        try:
            self._switch.api(commands.uuid_record(call_uuid, "mask", rec.path))
        except SwitchError as exc:
            # The stretch is still marked: post-processing silences it in the file.
            masked = False
            log.warning(
                "switch did not mask the recording; post-processing will silence it",
                call_uuid=call_uuid,
                agent_id=agent.agent_id,
                error=str(exc),
            )
        rec.paused_at, rec.masked = offset, masked
        self._bus.publish(
            RecordingPaused(
                call_uuid=call_uuid, agent_id=agent.agent_id, offset=offset, masked=masked
            )
        )
        self._done(agent, "record_pause", offset)

    def resume(self, agent: Agent) -> None:
        """``record_resume``: unmask the agent's call's recording; AgentStateError saying why
        not."""
        rec = self._recording_of(agent, "record_resume")
        if rec.paused_at is None:
            raise AgentStateError("recording_not_paused")
        call_uuid, offset = agent.call_uuid, self._offset(rec)
        if rec.masked:  # a refused unmask leaves the recording paused (the safe side)
            self._switch.api(commands.uuid_record(call_uuid, "unmask", rec.path))
        rec.paused_at = None
        self._bus.publish(
            RecordingResumed(call_uuid=call_uuid, agent_id=agent.agent_id, offset=offset)
        )
        self._done(agent, "record_resume", offset)

    def _recording_of(self, agent: Agent, action: str) -> _Recording:
        agent.check(action)  # the domain's rule: on a call or on hold
        rec = self._calls.get(agent.call_uuid)
        if rec is None:
            raise AgentStateError("no_recorded_call", agent=agent.agent_id)
        return rec

    def _offset(self, rec: _Recording) -> float:
        return round((self._clock() - rec.started).total_seconds(), 3)

    def _done(self, agent: Agent, action: str, offset: float) -> None:
        log.info(
            "recording " + action[7:] + "d", call_uuid=agent.call_uuid, agent_id=agent.agent_id
        )
        self._tell(agent.agent_id, {"done": action, "call_uuid": agent.call_uuid, "offset": offset})
