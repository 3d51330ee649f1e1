"""CTI actions on an agent's call: blind transfer, consult / complete / cancel / conference, DTMF.

How the legs are kept alive (FreeSWITCH hangs up a uuid_bridge'd leg when its partner leaves,
S05a/S05b):

* blind transfer: ``uuid_transfer <caller> ... inline``. Only the transferring agent's leg is
  hung up (that is the point); the caller runs the inline apps: the bridge to a number, or
  music while the engine rings the target agent / re-enqueues it into a queue (the call
  record stays open, the caller keeps the outbound socket).
* consultation: engine/cti/consult.py; the conference it may turn into: engine/cti/conference.py.
* DTMF: ``uuid_send_dtmf <caller> <digits>`` (towards the caller / customer).

Hang up / hold / unhold of an agent in a consultation or a conference are carried out here
too, on that agent's own leg. Refusals raise :class:`~callcenter.acd.agents.AgentStateError`
with the reason; the engine reports it on the agent's channel.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import gevent
from gevent.event import Event

from callcenter.acd.agents import OFFERED, Agent, AgentState, AgentStateError
from callcenter.acd.routing import WaitingCall
from callcenter.agent_actions import AgentCommand
from callcenter.config import RoutingSettings
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import AgentMissed, AgentOffered, Bus, CallQueued, utcnow
from callcenter.engine.cti.conference import CallConference, ConferenceSteps
from callcenter.engine.cti.consult import Consult, ConsultSteps
from callcenter.engine.cti.events import CallTransferred, DtmfSent, TransferFailed
from callcenter.engine.cti.legs import (
    CtiCall,
    Switch,
    dial_customer,
    dial_string,
    originate_leg,
)
from callcenter.engine.routing.dispatcher import Dispatcher
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.protocol import LEG_END_HEADERS

log = get_logger(__name__)

CALL_CONTROL = ("hangup", "hold", "unhold")
__all__ = [
    "Cti", "CtiCall", "Switch", "dial_customer", "dial_string", "originate_leg",
]  # fmt: skip


class Cti:
    """Carries out CTI actions for agents (one per engine)."""

    def __init__(
        self,
        *,
        switch: Any,
        bus: Bus,
        agents: AgentBook,
        dispatcher: Dispatcher,
        routing: RoutingSettings,
        find_call: Callable[[str], CtiCall | None],
        queue_of: Callable[[str], str],
        queue_names: Callable[[], set[str]],
        end_agent_call: Callable[..., None],
        tell: Callable[[str, dict], None],
        domain: str = "",
    ) -> None:
        self.switch = switch
        self.bus = bus
        self.agents = agents
        self.dispatcher = dispatcher
        self.routing = routing
        self.find_call = find_call
        self.queue_of = queue_of
        self.queue_names = queue_names
        self.end_agent_call = end_agent_call
        self.tell = tell
        self.domain = domain
        self.consults: dict[str, Consult] = {}  # by agent id
        self.conferences: dict[str, CallConference] = {}  # by call uuid
        self.legs: dict[str, tuple[str, str]] = {}  # agent leg uuid -> (agent id, call uuid)
        self.consulting = ConsultSteps(self)  # consult, complete, cancel
        self.conferencing = ConferenceSteps(self)  # three-way calls
        self.table: dict[str, Callable[[Agent, AgentCommand], None]] = {
            "transfer": self._transfer,
            "consult": self._consult,
            "consult_complete": self._consult_complete,
            "consult_cancel": self._consult_cancel,
            "conference": self._conference,
            "dtmf": self._dtmf,
            **dict.fromkeys(CALL_CONTROL, self._call_control),  # in a consultation / conference
        }  # the actions carried out here, each with its one handler
        switch.on("CHANNEL_HANGUP_COMPLETE", self._on_hangup, headers=LEG_END_HEADERS)
        self._unbridges: dict[str, Event] = {}  # caller uuid -> set at its CHANNEL_UNBRIDGE
        switch.on("CHANNEL_UNBRIDGE", self._on_unbridge, headers=LEG_END_HEADERS)

    # -- entry ----------------------------------------------------------------------------------

    def in_cti_call(self, agent_id: str) -> bool:
        """Whether the agent is in a consultation or a conference: then hang up / hold /
        unhold are carried out here, on that agent's own leg."""
        return (
            agent_id in self.consults
            or self.consulting.consulted_by(agent_id) is not None
            or self.conferencing.conference_of(agent_id) is not None
        )

    def run(self, agent: Agent, command: AgentCommand) -> None:
        """Carry out one action (state already checked by the domain); raise to refuse."""
        handler = self.table.get(command.action)
        if handler is None:
            raise AgentStateError("not_cti_action", action=command.action)
        handler(agent, command)

    def _transfer(self, agent: Agent, command: AgentCommand) -> None:
        self.transfer(agent, command.target, command.to)

    def _consult(self, agent: Agent, command: AgentCommand) -> None:
        self.consulting.consult(agent, command.target, command.to)

    def _consult_complete(self, agent: Agent, command: AgentCommand) -> None:
        self.consulting.consult_complete(agent)

    def _consult_cancel(self, agent: Agent, command: AgentCommand) -> None:
        self.consulting.consult_cancel(agent)

    def _conference(self, agent: Agent, command: AgentCommand) -> None:
        self.conferencing.conference(agent)

    def _dtmf(self, agent: Agent, command: AgentCommand) -> None:
        self.dtmf(agent, command.digits)

    def _call_control(self, agent: Agent, command: AgentCommand) -> None:
        if self.conferencing.conference_of(agent.agent_id) is not None:
            self.conferencing.conference_control(agent, command.action)
        else:
            self.consulting.consult_control(agent, command.action)

    # -- helpers --------------------------------------------------------------------------------

    def call_of(self, agent: Agent) -> CtiCall:
        call = self.find_call(agent.call_uuid) if agent.call_uuid else None
        if call is None or not call.agent_leg or call.agent_id != agent.agent_id:
            raise AgentStateError("no_call_here", agent=agent.agent_id)
        return call

    def not_in_conference(self, agent: Agent) -> None:
        if self.conferencing.conference_of(agent.agent_id) is not None:
            raise AgentStateError("in_conference", agent=agent.agent_id)

    def target(self, agent: Agent, target: str, to: str) -> str:
        """The checked command's target as the engine dials it (a queue must exist, an agent
        must be another one and available)."""
        if target == "number":
            return to
        if target == "queue":
            if to not in self.queue_names():
                raise AgentStateError("no_queue", queue=to)
            return to
        other = self._agent_by_id_or_extension(to)
        if other.agent_id == agent.agent_id:
            raise AgentStateError("self_target")
        if other.state != AgentState.AVAILABLE:
            raise AgentStateError("target_not_available", target=other.agent_id, state=other.state)
        return other.agent_id

    def _agent_by_id_or_extension(self, to: str) -> Agent:
        try:
            return self.agents.get(to)
        except AgentStateError:
            other = self.agents.by_extension(to)
            if other is None:
                raise AgentStateError("unknown_agent", agent=to) from None
            return other

    def unhold_first(self, agent: Agent, call: CtiCall) -> None:
        if agent.state == AgentState.ON_HOLD:
            self.switch.api(commands.uuid_hold(call.agent_leg, "off"))
            self.agents.apply(agent.agent_id, "unhold")

    def ring_agent(self, target_id: str, call: CtiCall, leg: str, caller_id: str) -> str:
        """Reserve and ring another agent for ``call``; '+OK' (now on the call) or a cause."""
        self.agents.apply(target_id, "reserve", call.call_uuid)
        target = self.agents.apply(target_id, "ring")
        self.bus.publish(
            AgentOffered(call_uuid=call.call_uuid, agent_id=target_id, agent_leg_uuid=leg)
        )
        ringing = gevent.spawn(
            originate_leg,
            self.switch,
            commands.user_endpoint(target.extension, self.domain),
            leg,
            {
                "origination_caller_id_number": caller_id,
                "callcenter_call_uuid": call.call_uuid,
                "callcenter_agent_id": target_id,
            },
            self.routing.ring_timeout,
        )
        while not ringing.ready():  # the caller may leave while the agent rings
            ringing.join(timeout=0.1)
            if not ringing.ready() and call.is_gone():
                self.switch.api(commands.uuid_kill(leg, "ORIGINATOR_CANCEL"), check=False)
        result = ringing.value if ringing.successful() else "SWITCH_ERROR"
        if result != "+OK":
            if call.is_gone():
                self.agents.apply(target_id, "release")
            else:
                self.bus.publish(
                    AgentMissed(call_uuid=call.call_uuid, agent_id=target_id, cause=result)
                )
                self.agents.apply(
                    target_id, "miss", self.routing.max_no_answer, result,
                    self.routing.miss_delays().for_cause(result),
                )  # fmt: skip
        return result

    def requeue(self, call: CtiCall, queue: str) -> None:
        self.bus.publish(CallQueued(call_uuid=call.call_uuid, queue=queue))
        self.dispatcher.enqueue(
            WaitingCall(call.call_uuid, queue, call.caller_number, utcnow()), call
        )

    def fallback_queue(self, call: CtiCall) -> str:
        return self.queue_of(call.call_uuid) or self.routing.default_queue

    def _hand_over(self, agent: Agent, call: CtiCall) -> None:
        """The agent leaves the call (FreeSWITCH has hung up their leg): wrap-up."""
        call.agent_id, call.agent_leg = "", ""
        self.end_agent_call(agent.agent_id, call.call_uuid)

    def expect_unbridge(self, leg: str) -> Event:
        """Arm a wait for ``leg``'s CHANNEL_UNBRIDGE (before the command that unbridges it)."""
        self._unbridges[leg] = Event()
        return self._unbridges[leg]

    def _on_unbridge(self, event: Any) -> None:
        unbridged = self._unbridges.pop(event.uuid, None)
        if unbridged is not None:
            unbridged.set()

    def wait_unbridged(self, leg: str, unbridged: Event, timeout: float = 2.0) -> None:
        """Until FreeSWITCH's bridge has let go of ``leg`` (its CHANNEL_UNBRIDGE)."""
        if not unbridged.wait(timeout):
            log.warning("no CHANNEL_UNBRIDGE in time", leg=leg)
        self._unbridges.pop(leg, None)

    def music(self) -> str:
        return f"playback:{self.routing.music}"

    # -- blind transfer -------------------------------------------------------------------------

    def transfer(self, agent: Agent, target: str, to: str) -> None:
        """Blind transfer of the agent's caller to an agent, a queue or a number."""
        call = self.call_of(agent)
        self.not_in_conference(agent)
        if agent.agent_id in self.consults:
            raise AgentStateError("finish_consultation")
        to = self.target(agent, target, to)
        if target == "number":
            destination = "bridge:" + dial_string(self.routing, to)
        else:
            destination = self.music()
        # The caller moves on; FreeSWITCH hangs up only the agent's (uuid_bridge'd) leg.
        self.switch.api(commands.uuid_transfer(call.call_uuid, destination, "inline"))
        self.bus.publish(
            CallTransferred(call_uuid=call.call_uuid, agent_id=agent.agent_id, target=target, to=to)
        )
        self._hand_over(agent, call)
        self.tell(agent.agent_id, {"done": "transfer", "call_uuid": call.call_uuid, "to": to})
        if target == "queue":
            self.requeue(call, to)
        elif target == "agent":
            gevent.spawn(self._transfer_to_agent, call, to, self.fallback_queue(call))

    def _transfer_to_agent(self, call: CtiCall, target_id: str, fallback: str) -> None:
        leg = str(uuid.uuid4())
        result = self.ring_agent(target_id, call, leg, call.caller_number)
        if (
            result == "+OK"
            and not call.is_gone()
            and call.connect_agent(self.agents.get(target_id), leg)
        ):
            target = self.agents.get(target_id)
            # the call's end may have run meanwhile and noted the answer (agents/calls.py)
            if target.call_uuid == call.call_uuid and target.state in OFFERED:
                self.agents.apply(target_id, "answer")
            return
        if result == "+OK":
            self.switch.api(commands.uuid_kill(leg, "NORMAL_CLEARING"), check=False)
            self.agents.apply(target_id, "release")
        if call.is_gone():
            return
        log.info("transfer to agent failed; caller re-queued", call_uuid=call.call_uuid)
        self.bus.publish(
            TransferFailed(
                call_uuid=call.call_uuid, to=target_id, cause=result, fallback_queue=fallback
            )  # fmt: skip
        )
        self.requeue(call, fallback)

    # -- DTMF -----------------------------------------------------------------------------------

    def dtmf(self, agent: Agent, digits: str) -> None:
        """Send DTMF towards the caller (e.g. a customer's IVR on an outbound call)."""
        call = self.call_of(agent)
        self.switch.api(commands.uuid_send_dtmf(call.call_uuid, digits))
        self.bus.publish(DtmfSent(call_uuid=call.call_uuid, agent_id=agent.agent_id,
                                  digits=len(digits)))  # fmt: skip
        self.tell(agent.agent_id, {"done": "dtmf", "call_uuid": call.call_uuid})

    # -- legs that end on their own ---------------------------------------------------------------

    def _on_hangup(self, event: Any) -> None:
        leg = event.uuid
        self.consulting.consult_leg_gone(leg)
        self.conferencing.conference_leg_gone(leg)
        owner = self.legs.pop(leg, None)
        if owner and owner[1]:
            self.end_agent_call(owner[0], owner[1])
