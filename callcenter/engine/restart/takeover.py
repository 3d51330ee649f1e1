"""Calls in progress and agents' calls survive an engine restart.

A caller talking to an agent stays bridged on FreeSWITCH when the engine process dies (the
outbound socket only controls the caller's channel). The agent's state says which call it was
on (Redis, engine/agents/book.py) and the call's open record was kept
(engine/restart/readopt.py), so the new process takes the call over: the record goes on, the
agent's desktop can still hang up and hold, and when the call ends - seen on the event socket,
as no outbound session carries it any more - the record is written and the agent goes to
wrap-up. The agent hanging up first hangs up the caller too (the shipped dialplan parks a
caller after the bridge; nobody is left to serve it). Agents in wrap-up finish it on time;
agents whose offer died are released. Records kept for calls that ended while no engine ran are
written (``close_orphans``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import gevent

from callcenter.acd.agents import Agent, AgentState
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import Bus, CallEnded
from callcenter.engine.calls.live_calls import LiveCalls
from callcenter.engine.cti.events import ConsultEnded
from callcenter.engine.records.recorder import CallRecord, CallRecorder
from callcenter.engine.restart.readopt import RedisSnapshots
from callcenter.engine.routing.events import EndedUnserved
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError
from callcenter.switch.protocol import LEG_END_HEADERS

log = get_logger(__name__)

TALKING = (AgentState.ON_CALL, AgentState.ON_HOLD)
# The old process bridges, then marks the agent on_call: a crash in between leaves it ringing.
MAYBE_TALKING = (*TALKING, AgentState.RINGING)
AGENT_GONE_GRACE = 0.5  # seconds
WATCH_SECONDS = 15.0


@dataclass
class AdoptedCall:
    """A call that was talking when the old process died (hang up / hold still work)."""

    call_uuid: str
    agent_id: str
    agent_leg: str
    agent_hung_up: bool = False


def agent_leg_of(record: CallRecord) -> str:
    """The agent leg of the call's last answer (from its events)."""
    for event in reversed(record.timeline()):
        if event.get("kind") == "call_answered":
            return str(event.get("agent_leg_uuid", ""))
    return ""


class Takeover:
    """Takes over, once connected, what the node's previous process left running."""

    def __init__(
        self,
        *,
        switch: Any,
        bus: Bus,
        agents: AgentBook,
        recorder: CallRecorder,
        answered: dict[str, str],
        queues: dict[str, str],
        finish_wrap_up: Callable[[str, str], None],
        live_calls: LiveCalls,
    ) -> None:
        self.switch = switch
        self.bus = bus
        self.agents = agents
        self.recorder = recorder
        self.answered = answered  # the engine's call uuid -> agent id (CallEnded ends it)
        self.queues = queues  # the engine's call uuid -> queue (wrap-up time)
        self.finish_wrap_up = finish_wrap_up
        self.calls = live_calls.view(AdoptedCall)  # by caller uuid
        # whose leg, why, which side: every leg's whole channel would queue here otherwise
        switch.on("CHANNEL_HANGUP_COMPLETE", self._on_hangup, headers=LEG_END_HEADERS)

    def run(self, held: list[Agent]) -> None:
        """Take over each agent this node held (engine/agents/book.py ``restore``)."""
        for agent in held:
            try:
                if agent.state in MAYBE_TALKING and agent.call_uuid and self._adopt(agent):
                    continue
                if agent.state == AgentState.WRAP_UP:  # without a deadline: ended by hand
                    if agent.wrap_up_until is not None:  # waits for what is left of it
                        gevent.spawn(self.finish_wrap_up, agent.agent_id, agent.call_uuid)
                    continue
            except SwitchError as exc:
                log.warning("call not taken over", agent_id=agent.agent_id, error=str(exc))
            self.agents.release(agent.agent_id)
        self._reunite()
        if self.calls:
            gevent.spawn(self._watch)

    def _reunite(self) -> None:
        """A caller the old process had apart from its agent - a consultation was on: the
        caller holds with music, the agent talks to the consulted party - is bridged to its
        agent again, as a consult_cancel does (FreeSWITCH hangs up the consulted leg): no
        process carries the consultation on, and the caller must not wait alone."""
        if not self.calls:
            return
        try:
            rows = commands.parse_show_json(self.switch.api(commands.show_calls()))
        except SwitchError as exc:
            log.warning("bridges not listed after the restart", error=str(exc))
            return
        bridged = {row.get(k) for row in rows if row.get("b_uuid") for k in ("uuid", "b_uuid")}
        for call in list(self.calls.values()):
            if call.call_uuid in bridged or not call.agent_leg or not self._exists(call.agent_leg):
                continue
            try:
                self.switch.api(commands.uuid_bridge(call.call_uuid, call.agent_leg))
            except SwitchError as exc:
                log.warning("caller not given back", call_uuid=call.call_uuid, error=str(exc))
                continue
            log.info("consultation ended by the restart; the caller is back with its agent",
                     call_uuid=call.call_uuid, agent_id=call.agent_id)  # fmt: skip
            self.bus.publish(
                ConsultEnded(call_uuid=call.call_uuid, agent_id=call.agent_id, outcome="restart")
            )
            if self.agents.get(call.agent_id).state == AgentState.ON_HOLD:
                self.agents.apply(call.agent_id, "unhold")

    def _watch(self) -> None:
        """A hangup missed while the event socket reconnected must not leave an agent on a
        call forever: check the taken-over calls now and then."""
        while self.calls:
            gevent.sleep(WATCH_SECONDS)
            for call in list(self.calls.values()):
                try:
                    if not self._exists(call.call_uuid):
                        self._ended(call, "", "system")
                except SwitchError as exc:
                    log.warning("taken-over call not checked", error=str(exc))

    def close_orphans(self, snapshots: RedisSnapshots, node: str) -> int:
        """Records kept for this node's calls that ended while no engine ran: written now, so
        no call is missing; how many. FreeSWITCH never hangs up a caller the engine left in the
        IVR or a queue (the hotline's fallback plays music; S09a-d), so the caller did."""
        open_now = set(self.recorder.open_calls())
        closed = 0
        for call_uuid in snapshots.ids() - open_now:
            record = snapshots.load(call_uuid)
            if record is None or record.node != node or self._exists(call_uuid):
                continue
            self.recorder.adopt(call_uuid)
            if not record.answered_at:  # talking calls are not left to the fallback
                self.bus.publish(EndedUnserved(call_uuid=call_uuid))
            self.bus.publish(CallEnded(call_uuid=call_uuid, hangup_cause="", hangup_by="caller"))
            closed += 1
        return closed

    def _adopt(self, agent: Agent) -> bool:
        call_uuid = agent.call_uuid
        record = self.recorder.adopt(call_uuid)
        if record is None or not record.answered_at or record.agent_id != agent.agent_id:
            return False
        if agent.state == AgentState.RINGING:
            self.agents.apply(agent.agent_id, "answer")
        call = AdoptedCall(call_uuid, agent.agent_id, agent_leg_of(record))
        self.calls[call_uuid] = call  # before looking: a hangup from now on is seen
        self.answered[call_uuid] = agent.agent_id
        self.queues[call_uuid] = record.queue
        log.info("call in progress taken over", call_uuid=call_uuid, agent_id=agent.agent_id)
        if not self._exists(call_uuid):
            self._ended(call, "", "system")  # it ended while no engine was running
        elif not call.agent_leg or not self._exists(call.agent_leg):
            self._agent_gone(call)
        return True

    def _exists(self, uuid: str) -> bool:
        return self.switch.api(commands.uuid_exists(uuid), check=False).strip() == "true"

    def _on_hangup(self, event: Any) -> None:
        uuid = event.uuid
        call = self.calls.get(uuid)
        if call is not None:
            by = "caller" if event.far_end_hung_up and not call.agent_hung_up else "agent"
            self._ended(call, event.get("Hangup-Cause", "") or "", by)
            return
        for call in list(self.calls.values()):
            if call.agent_leg == uuid:
                # The caller hanging up ends the agent leg too, and the two HANGUP_COMPLETEs
                # come in either order: give the caller's a moment before blaming the agent.
                gevent.spawn_later(AGENT_GONE_GRACE, self._agent_gone, call)

    def _agent_gone(self, call: AdoptedCall) -> None:
        """The agent hung up: the caller (parked after the bridge) is hung up too."""
        if call.call_uuid not in self.calls:
            return  # the caller went first
        call.agent_hung_up = True
        self.switch.api(commands.uuid_kill(call.call_uuid, "NORMAL_CLEARING"), check=False)

    def _ended(self, call: AdoptedCall, cause: str, hangup_by: str) -> None:
        if self.calls.pop(call.call_uuid, None) is None:
            return
        self.bus.publish(
            CallEnded(call_uuid=call.call_uuid, hangup_cause=cause, hangup_by=hangup_by)
        )
