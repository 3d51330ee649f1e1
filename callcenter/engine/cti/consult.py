"""Consultation: the caller holds with music while the agent talks to another agent or a
number, then complete (attended transfer), cancel, or a conference (engine/cti/conference.py).

* consult: ``uuid_transfer <caller> -both park inline`` parks caller and agent without a
  hangup, the caller then gets music (another inline transfer, alone: nobody is hung up),
  the consulted leg is originated to ``&park()`` and bridged to the agent.
* complete: ``uuid_bridge <caller> <consulted>`` - FreeSWITCH hangs up the first agent (S05b).
* cancel: ``uuid_bridge <caller> <agent>`` - FreeSWITCH hangs up the consulted leg.

``uuid_bridge`` answers ``+OK`` before the legs are bridged (S05b: the reply 40 ms before
CHANNEL_BRIDGE), so "answered" and "connected" are two moments: a complete or conference asked
between them waits for the bridge; one asked while the consulted phone still rings is refused
with the reason.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import gevent
from gevent.event import Event

from callcenter.acd.agents import Agent, AgentState, AgentStateError
from callcenter.acd.refusals import told
from callcenter.engine.bus import CallAnswered
from callcenter.engine.cti.events import CallTransferred, ConsultEnded, ConsultStarted
from callcenter.engine.cti.legs import CtiCall, dial_string, originate_leg
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError

if TYPE_CHECKING:
    from callcenter.engine.cti.actions import Cti

log = get_logger(__name__)

BRIDGE_WAIT_SECONDS = 5.0
"""Longest wait of a complete / conference for the bridge to an answered consulted party."""


@dataclass
class Consult:
    """An agent's consultation in progress (the caller holds with music)."""

    agent_id: str
    call: CtiCall
    target: str  # agent or number
    to: str
    leg: str
    agent_leg: str
    answered: bool = False  # the consulted party picked up; the engine bridges them
    connected: bool = False  # the agent and the consulted party are bridged
    over: bool = False
    settled: Event = field(default_factory=Event)  # connected, failed or cancelled


class ConsultSteps:
    """The consultation half of :class:`~callcenter.engine.cti.actions.Cti` (``Cti.consulting``)."""

    def __init__(self, cti: Cti) -> None:
        self.cti = cti

    def consult(self, agent: Agent, target: str, to: str) -> None:
        """Call another agent or a number while the caller holds with music."""
        call = self.cti.call_of(agent)
        self.cti.not_in_conference(agent)
        if agent.agent_id in self.cti.consults:
            raise AgentStateError("already_consulting", agent=agent.agent_id)
        to = self.cti.target(agent, target, to)
        self.cti.unhold_first(agent, call)
        # Park both legs (no hangup with -both), then music for the caller alone.
        unbridged = self.cti.expect_unbridge(call.call_uuid)
        self.cti.switch.api(commands.uuid_transfer(call.call_uuid, "park", "inline", leg="-both"))
        # else the next transfer hangs up the agent
        self.cti.wait_unbridged(call.call_uuid, unbridged)
        self.cti.switch.api(commands.uuid_transfer(call.call_uuid, self.cti.music(), "inline"))
        self.cti.agents.apply(agent.agent_id, "hold")
        consult = Consult(agent.agent_id, call, target, to, str(uuid.uuid4()), call.agent_leg)
        self.cti.consults[agent.agent_id] = consult
        self.cti.legs[call.agent_leg] = (agent.agent_id, call.call_uuid)
        self.cti.bus.publish(
            ConsultStarted(
                call_uuid=call.call_uuid,
                agent_id=agent.agent_id,
                target=target,
                to=to,
                leg_uuid=consult.leg,
            )  # fmt: skip
        )
        gevent.spawn(self.ring_consult, consult, agent)

    def ring_consult(self, consult: Consult, agent: Agent) -> None:
        try:
            self.reach_consulted(consult, agent)
        finally:
            consult.settled.set()

    def reach_consulted(self, consult: Consult, agent: Agent) -> None:
        call = consult.call
        if consult.target == "agent":
            result = self.cti.ring_agent(consult.to, call, consult.leg, agent.extension)
        else:
            result = originate_leg(
                self.cti.switch,
                dial_string(self.cti.routing, consult.to),
                consult.leg,
                {
                    "origination_caller_id_number": self.cti.routing.outbound_caller_id
                    or agent.extension,
                    "callcenter_call_uuid": call.call_uuid,
                },
                self.cti.routing.outbound_timeout,
            )
        if consult.over:  # cancelled while it rang
            if result == "+OK":
                self.cti.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
                if consult.target == "agent":
                    self.cti.agents.apply(consult.to, "release")
            return
        if result != "+OK":
            self.back_to_caller(consult, "failed", result)
            self.cti.tell(
                agent.agent_id,
                told("party_no_answer", "consult", number=consult.to, cause=result),
            )
            return
        consult.answered = True
        try:
            # If the consulted party hangs up, the agent's leg should park, not hang up.
            self.cti.switch.api(
                commands.uuid_setvar(consult.agent_leg, "park_after_bridge", "true")
            )
            self.cti.switch.api(commands.uuid_bridge(consult.agent_leg, consult.leg))
        except SwitchError as exc:
            log.warning("consult bridge failed", agent_id=agent.agent_id, error=str(exc))
            self.cti.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
            if consult.target == "agent":
                self.cti.agents.apply(consult.to, "release")
            if not consult.over:  # else cancelled while it was being bridged
                self.back_to_caller(consult, "failed", "BRIDGE_FAILED")
            return
        consult.connected = True
        if consult.target == "agent":
            self.cti.agents.apply(consult.to, "answer")
            self.cti.legs[consult.leg] = (consult.to, call.call_uuid)
        self.cti.tell(agent.agent_id, {"done": "consult", "call_uuid": call.call_uuid})

    def back_to_caller(self, consult: Consult, outcome: str, cause: str = "") -> None:
        """The agent talks to the caller again (the consulted leg, if bridged, is hung up)."""
        consult.over = True
        self.cti.consults.pop(consult.agent_id, None)
        self.cti.legs.pop(consult.agent_leg, None)
        call = consult.call
        self.cti.bus.publish(
            ConsultEnded(
                call_uuid=call.call_uuid, agent_id=consult.agent_id, outcome=outcome, cause=cause
            )  # fmt: skip
        )
        if call.is_gone():
            return
        try:
            self.cti.switch.api(commands.uuid_bridge(call.call_uuid, consult.agent_leg))
            self.cti.switch.api(commands.uuid_setvar(consult.agent_leg, "park_after_bridge"))
        except SwitchError as exc:  # the agent's leg is gone: the caller goes back in line
            log.warning("could not return to the caller", call_uuid=call.call_uuid, error=str(exc))
            self.agent_leg_lost(consult)
            return
        agent = self.cti.agents.get(consult.agent_id)
        if agent.state == AgentState.ON_HOLD and agent.call_uuid == call.call_uuid:
            self.cti.agents.apply(consult.agent_id, "unhold")

    def agent_leg_lost(self, consult: Consult) -> None:
        call = consult.call
        self.cti.end_agent_call(consult.agent_id, call.call_uuid)
        call.agent_id, call.agent_leg = "", ""
        if not call.is_gone():
            self.cti.requeue(call, self.cti.fallback_queue(call))

    def consult_of(self, agent: Agent, *, connected: bool) -> Consult:
        consult = self.cti.consults.get(agent.agent_id)
        if consult is None:
            raise AgentStateError("not_consulting", agent=agent.agent_id)
        if connected and not consult.connected:
            if consult.answered:  # picked up: the engine is bridging them right now
                consult.settled.wait(BRIDGE_WAIT_SECONDS)
            if consult.over:
                raise AgentStateError("consultation_ended", to=consult.to)
            if not consult.connected:
                raise AgentStateError("consulted_not_answered", to=consult.to)
        return consult

    def consulted_by(self, agent_id: str) -> Consult | None:
        """The connected consultation in which ``agent_id`` is the consulted agent, if any."""
        for consult in self.cti.consults.values():
            if consult.target == "agent" and consult.to == agent_id and consult.connected:
                return consult
        return None

    def consult_cancel(self, agent: Agent) -> None:
        """Hang up the consulted party and talk to the caller again."""
        consult = self.consult_of(agent, connected=False)
        consult.over = True
        if consult.connected:
            self.back_to_caller(consult, "cancelled")
            self.cti.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
            if consult.target == "agent":
                self.cti.end_agent_call(consult.to, consult.call.call_uuid, wrap_up=False)
        else:  # still ringing: the ringing greenlet releases the agent
            self.cti.switch.api(commands.uuid_kill(consult.leg, "ORIGINATOR_CANCEL"), check=False)
            self.back_to_caller(consult, "cancelled")
        self.cti.tell(
            agent.agent_id, {"done": "consult_cancel", "call_uuid": consult.call.call_uuid}
        )

    def consult_complete(self, agent: Agent) -> None:
        """Attended transfer: the caller talks to the consulted party; the agent leaves."""
        consult = self.consult_of(agent, connected=True)
        call = consult.call
        consult.over = True
        self.cti.consults.pop(agent.agent_id, None)
        # The call's agent is the consulted one before the bridge: the caller's handler must
        # never find the first agent's (dying) leg as the call's and take it for a hangup.
        if consult.target == "agent":
            call.agent_id, call.agent_leg = consult.to, consult.leg
        else:
            call.agent_id, call.agent_leg = "", ""
        # FreeSWITCH hangs up the agent's leg (the consulted leg's old partner, S05b).
        self.cti.switch.api(commands.uuid_bridge(call.call_uuid, consult.leg))
        self.cti.switch.api(commands.uuid_kill(consult.agent_leg, "NORMAL_CLEARING"), check=False)
        self.cti.legs.pop(consult.agent_leg, None)
        self.cti.legs.pop(consult.leg, None)
        self.cti.bus.publish(
            ConsultEnded(call_uuid=call.call_uuid, agent_id=agent.agent_id, outcome="completed")
        )
        self.cti.bus.publish(
            CallTransferred(
                call_uuid=call.call_uuid,
                agent_id=agent.agent_id,
                target=consult.target,
                to=consult.to,
                attended=True,
            )  # fmt: skip
        )
        self.cti.end_agent_call(agent.agent_id, call.call_uuid)
        if consult.target == "agent":
            self.cti.bus.publish(
                CallAnswered(
                    call_uuid=call.call_uuid, agent_id=consult.to, agent_leg_uuid=consult.leg
                )  # fmt: skip
            )
        self.cti.tell(agent.agent_id, {"done": "consult_complete", "call_uuid": call.call_uuid})

    def consult_control(self, agent: Agent, action: str) -> None:
        """Hang up / hold / unhold asked by either side of a consultation.

        The consulting agent hanging up hands the caller over (complete when connected, else
        cancel and leave); the consulted agent acts on their own leg only, so their hangup
        gives the caller back to the consulting agent.
        """
        consult = self.cti.consults.get(agent.agent_id)
        if consult is not None:
            if action != "hangup":
                raise AgentStateError("consulting_first", agent=agent.agent_id)
            if consult.connected:
                self.consult_complete(agent)
            else:
                self.consult_cancel(agent)
                self.cti.switch.api(commands.uuid_kill(consult.agent_leg, "NORMAL_CLEARING"))
            return
        consulted = self.consulted_by(agent.agent_id)
        if consulted is None:
            raise AgentStateError("no_call_here", agent=agent.agent_id)
        if action == "hangup":
            self.cti.switch.api(commands.uuid_kill(consulted.leg, "NORMAL_CLEARING"))
        else:
            self.cti.switch.api(
                commands.uuid_hold(consulted.leg, "on" if action == "hold" else "off")
            )
            self.cti.agents.apply(agent.agent_id, action)
        self.cti.tell(agent.agent_id, {"done": action, "call_uuid": consulted.call.call_uuid})

    def consult_leg_gone(self, leg: str) -> None:
        """A leg of a consultation hung up (either agent's phone, or the consulted number)."""
        for consult in list(self.cti.consults.values()):
            if consult.over:
                continue
            if leg == consult.agent_leg:  # the consulting agent hung up their phone
                consult.over = True
                self.cti.consults.pop(consult.agent_id, None)
                self.cti.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
                if consult.target == "agent" and consult.connected:
                    self.cti.end_agent_call(consult.to, consult.call.call_uuid, wrap_up=False)
                self.cti.bus.publish(
                    ConsultEnded(
                        call_uuid=consult.call.call_uuid,
                        agent_id=consult.agent_id,
                        outcome="dropped",
                        cause="agent hung up",
                    )  # fmt: skip
                )
                self.agent_leg_lost(consult)
            elif leg == consult.leg and consult.connected:  # the consulted party hung up
                if consult.target == "agent":
                    self.cti.end_agent_call(consult.to, consult.call.call_uuid, wrap_up=False)
                self.back_to_caller(consult, "failed", "consulted party hung up")
