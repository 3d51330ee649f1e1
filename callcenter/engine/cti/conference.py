"""The three-way conference a consultation turns into, and how it ends.

Forming it (S05c's form, from the agent's side): ``uuid_transfer <agent> -both
conference:NAME@default inline`` moves the agent and the consulted party, then the caller
follows. FreeSWITCH keeps a room as long as anybody is in it - a caller left alone hears the
room's music for ever - so the engine closes it, as mod_callcenter and Asterisk's queues do:

* the call is over when no agent is left in it: when the last agent leaves, the caller (and
  a consulted outside number) is hung up; the record says ``hangup_by: agent``;
* when the caller leaves, every agent still in the room is hung up;
* each agent who leaves goes to wrap-up; the call keeps one of the remaining agents as its
  agent (so hangup, DTMF and the recording controls act on a live leg).

Each agent's hangup action hangs up that agent's own leg; hold is refused in the room.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from callcenter.acd.agents import Agent, AgentStateError
from callcenter.engine.cti.events import (
    ConferenceEnded,
    ConferenceLeft,
    ConferenceStarted,
    ConsultEnded,
)
from callcenter.engine.cti.legs import CtiCall
from callcenter.logs import get_logger
from callcenter.switch import commands

if TYPE_CHECKING:
    from callcenter.engine.cti.actions import Cti

log = get_logger(__name__)


@dataclass
class CallConference:
    """A call's conference room and who is in it."""

    call: CtiCall
    name: str
    agents: dict[str, str] = field(default_factory=dict)  # agent id -> leg, in joining order
    others: list[str] = field(default_factory=list)  # a consulted number's leg
    closing: str = ""  # why the engine ends it ("" while it runs)
    caller_gone: bool = False


class ConferenceSteps:
    """The conference half of :class:`~callcenter.engine.cti.actions.Cti` (``Cti.conferencing``)."""

    def __init__(self, cti: Cti) -> None:
        self.cti = cti

    def conference(self, agent: Agent) -> None:
        """Caller, agent and consulted party in one conference (S05c)."""
        consult = self.cti.consulting.consult_of(agent, connected=True)
        call = consult.call
        room = CallConference(call, f"cc-{call.call_uuid}")
        target = f"conference:{room.name}@default"
        consult.over = True
        self.cti.consults.pop(agent.agent_id, None)
        self.cti.switch.api(
            commands.uuid_transfer(consult.agent_leg, target, "inline", leg="-both")
        )
        self.cti.switch.api(commands.uuid_transfer(call.call_uuid, target, "inline"))
        self.cti.switch.api(
            commands.uuid_setvar(consult.agent_leg, "park_after_bridge"), check=False
        )
        # The room, not the consultation, now decides what each leg's hangup means.
        self.cti.legs.pop(consult.agent_leg, None)
        self.cti.legs.pop(consult.leg, None)
        room.agents[agent.agent_id] = consult.agent_leg
        if consult.target == "agent":
            room.agents[consult.to] = consult.leg
        else:
            room.others.append(consult.leg)
        self.cti.conferences[call.call_uuid] = room
        self.cti.agents.apply(agent.agent_id, "unhold")
        self.cti.bus.publish(
            ConsultEnded(call_uuid=call.call_uuid, agent_id=agent.agent_id, outcome="conference")
        )
        self.cti.bus.publish(
            ConferenceStarted(
                call_uuid=call.call_uuid, agent_id=agent.agent_id, conference=room.name
            )  # fmt: skip
        )
        self.cti.tell(agent.agent_id, {"done": "conference", "call_uuid": call.call_uuid,
                                   "conference": room.name})  # fmt: skip

    def conference_of(self, agent_id: str) -> CallConference | None:
        """The running conference ``agent_id`` is in, if any."""
        for room in self.cti.conferences.values():
            if agent_id in room.agents and not room.closing:
                return room
        return None

    def conference_control(self, agent: Agent, action: str) -> None:
        """Hang up (the agent's own leg: they leave the room) or hold (refused)."""
        room = self.conference_of(agent.agent_id)
        if room is None:
            raise AgentStateError("no_call_here", agent=agent.agent_id)
        if action != "hangup":
            raise AgentStateError("conference_action", agent=agent.agent_id, action=action)
        self.cti.switch.api(commands.uuid_kill(room.agents[agent.agent_id], "NORMAL_CLEARING"))
        self.cti.tell(agent.agent_id, {"done": "hangup", "call_uuid": room.call.call_uuid})

    def conference_leg_gone(self, leg: str) -> None:
        """A leg of a conference hung up: the caller, an agent or an outside party."""
        for room in list(self.cti.conferences.values()):
            call = room.call
            if leg == call.call_uuid:
                room.caller_gone = True
                self.close_conference(room, "caller left")
            elif leg in room.agents.values():
                agent_id = next(a for a, a_leg in room.agents.items() if a_leg == leg)
                del room.agents[agent_id]
                self.cti.bus.publish(
                    ConferenceLeft(
                        call_uuid=call.call_uuid, agent_id=agent_id, remaining=len(room.agents)
                    )  # fmt: skip
                )
                self.cti.end_agent_call(agent_id, call.call_uuid)
                if room.agents and call.agent_id == agent_id:
                    call.agent_id, call.agent_leg = next(iter(room.agents.items()))
                if not room.agents:  # the call keeps its last agent: hangup_by says agent
                    self.close_conference(room, "no agent left")
            elif leg in room.others:
                room.others.remove(leg)
            else:
                continue
            if room.caller_gone and not room.agents:
                self.cti.conferences.pop(call.call_uuid, None)
            return

    def close_conference(self, room: CallConference, reason: str) -> None:
        """Hang up whoever is left: the agents when the caller left, else the caller."""
        if room.closing:
            return
        room.closing = reason
        call = room.call
        log.info("closing the conference", call_uuid=call.call_uuid, reason=reason)
        self.cti.bus.publish(ConferenceEnded(call_uuid=call.call_uuid, reason=reason))
        for leg in [*room.agents.values(), *room.others]:
            self.cti.switch.api(commands.uuid_kill(leg, "NORMAL_CLEARING"), check=False)
        if not room.caller_gone:
            self.cti.switch.api(commands.uuid_kill(call.call_uuid, "NORMAL_CLEARING"), check=False)
