"""Click-to-call: ring the agent's phone, then the customer, then bridge the two legs.

Both legs are originated to ``&park()`` (S03/S07 shapes) and joined with ``uuid_bridge
<customer> <agent>``, so an outbound call looks like a queue call to the rest of the engine:
the customer leg is the call (its uuid is the call record's), the agent leg is ``agent_leg``,
and hold, transfer, consult, conference and DTMF work the same. The customer sees
``routing.outbound_caller_id`` (on its own originate, so the directory's effective caller id
of S07 does not apply); the agent's phone shows the customer's number.

The agent hears silence while the customer rings (no ringback yet). The call is recorded from
the customer's answer like a queue call (:mod:`~callcenter.engine.media.recording_start`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
from gevent.event import Event

from callcenter.acd.agents import Agent, AgentStateError
from callcenter.acd.refusals import told
from callcenter.config import RoutingSettings
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import AgentOffered, Bus, CallEnded, utcnow
from callcenter.engine.calls.bridge import bridge_to_agent
from callcenter.engine.calls.live_calls import LiveCalls
from callcenter.engine.cti.actions import dial_customer, originate_leg
from callcenter.engine.cti.events import OutboundCallArrived
from callcenter.engine.media.recording_start import recording_path
from callcenter.engine.routing.dispatcher import Dispatcher
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError
from callcenter.switch.protocol import LEG_END_HEADERS

log = get_logger(__name__)


class OutboundCall:
    """One click-to-call call (the CtiCall / OfferTarget shape of the call handler)."""

    def __init__(self, outbound: OutboundCalls, agent: Agent, number: str) -> None:
        self.outbound = outbound
        self.call_uuid = str(uuid.uuid4())  # the customer leg
        self.caller_number = number  # the customer, as a queue call's caller
        self.agent_id = agent.agent_id
        self.agent_leg = ""
        self.ringing_agent_leg = str(uuid.uuid4())
        self.gone = Event()
        self.agent_gone = Event()
        self.ended = False

    def is_gone(self) -> bool:
        """Whether the customer leg has hung up."""
        return self.gone.is_set()

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """Bridge the customer to an agent (after a transfer into a queue; recording runs)."""
        outbound = self.outbound
        try:
            bridge_to_agent(outbound.switch, outbound.bus, self, agent.agent_id, agent_leg_uuid,
                            record_to=None)  # fmt: skip
        except SwitchError as exc:
            log.warning("bridge to agent failed", call_uuid=self.call_uuid, error=str(exc))
            return False
        return True


class OutboundCalls:
    """The engine's click-to-call calls, by customer leg uuid."""

    def __init__(
        self,
        *,
        switch: Any,
        bus: Bus,
        agents: AgentBook,
        dispatcher: Dispatcher,
        routing: RoutingSettings,
        end_agent_call: Callable[..., None],
        tell: Callable[[str, dict], None],
        recordings: Path = Path("recordings"),
        live_calls: LiveCalls,
    ) -> None:
        self.switch = switch
        self.bus = bus
        self.agents = agents
        self.dispatcher = dispatcher
        self.routing = routing
        self.end_agent_call = end_agent_call
        self.tell = tell
        self.recordings = recordings
        self.calls = live_calls.view(OutboundCall)
        self._agent_legs: dict[str, OutboundCall] = {}
        switch.on("CHANNEL_HANGUP_COMPLETE", self._on_hangup, headers=LEG_END_HEADERS)

    def dial(self, agent_id: str, number: str, ticket: str = "") -> OutboundCall:
        """Start a click-to-call for the agent to a checked ``number`` (a dial command's;
        refusals raise before anything rings)."""
        agent = self.agents.get(agent_id)
        agent.check("dial")
        if not agent.extension:
            raise AgentStateError("no_extension", agent=agent_id)
        call = OutboundCall(self, agent, number)
        self.agents.apply(agent_id, "dial", call.call_uuid)
        self.calls[call.call_uuid] = call
        self.bus.publish(
            OutboundCallArrived(
                call_uuid=call.call_uuid,
                caller_number=self.routing.outbound_caller_id or agent.extension,
                dialled_number=number,
                agent_id=agent_id,
                ticket=ticket,
            )
        )
        gevent.spawn(self._run, call, agent)
        return call

    # -- the call -----------------------------------------------------------------------------

    def _run(self, call: OutboundCall, agent: Agent) -> None:
        try:
            self._connect(call, agent)
        except Exception:
            log.exception("click-to-call failed", call_uuid=call.call_uuid)
            self._fail(call, "SWITCH_ERROR", "system")

    def _connect(self, call: OutboundCall, agent: Agent) -> None:
        agent = self.agents.apply(agent.agent_id, "ring")
        leg = call.ringing_agent_leg
        self._agent_legs[leg] = call
        self.bus.publish(
            AgentOffered(call_uuid=call.call_uuid, agent_id=agent.agent_id, agent_leg_uuid=leg)
        )
        result = originate_leg(
            self.switch,
            commands.user_endpoint(agent.extension, self.routing.domain),
            leg,
            {
                "origination_caller_id_number": call.caller_number,
                "origination_caller_id_name": "Outbound call",
                "callcenter_call_uuid": call.call_uuid,
                "callcenter_agent_id": agent.agent_id,
            },
            self.routing.ring_timeout,
        )
        if result != "+OK":
            self.agents.apply(agent.agent_id, "release")
            self.tell(agent.agent_id, told("phone_no_answer", "dial", cause=result))
            self._ended(call, result, "agent")
            return
        self.agents.apply(agent.agent_id, "answer")
        if call.agent_gone.is_set():
            self._fail(call, "ORIGINATOR_CANCEL", "agent")
            return
        customer = gevent.spawn(
            dial_customer, self.switch, self.routing, call.caller_number, call.call_uuid, agent,
            "outbound",
        )  # fmt: skip
        while not customer.ready():  # the agent may give up while the customer rings
            customer.join(timeout=0.1)
            if not customer.ready() and call.agent_gone.is_set():
                self.switch.api(
                    commands.uuid_kill(call.call_uuid, "ORIGINATOR_CANCEL"), check=False
                )
        result = customer.value if customer.successful() else "SWITCH_ERROR"
        if result != "+OK" or call.agent_gone.is_set():
            if result == "+OK":
                self.switch.api(commands.uuid_kill(call.call_uuid, "NORMAL_CLEARING"), check=False)
            self.switch.api(commands.uuid_kill(leg, "NORMAL_CLEARING"), check=False)
            self.tell(
                agent.agent_id,
                told("party_no_answer", "dial", number=call.caller_number, cause=result),
            )
            self._fail(call, result, "system")
            return
        path = recording_path(self.recordings, call.call_uuid, utcnow())
        bridge_to_agent(self.switch, self.bus, call, agent.agent_id, leg, record_to=path,
                        break_media=False)  # both legs are parked: nothing plays  # fmt: skip
        self.tell(agent.agent_id, {"done": "dial", "call_uuid": call.call_uuid})

    def _fail(self, call: OutboundCall, cause: str, hangup_by: str) -> None:
        self.end_agent_call(call.agent_id, call.call_uuid, wrap_up=False)
        self._ended(call, cause, hangup_by)

    def _ended(self, call: OutboundCall, cause: str, hangup_by: str) -> None:
        if call.ended:
            return
        call.ended = True
        call.gone.set()
        self.calls.pop(call.call_uuid, None)
        self._agent_legs.pop(call.ringing_agent_leg, None)
        self.dispatcher.leave(call.call_uuid)
        self.bus.publish(
            CallEnded(call_uuid=call.call_uuid, hangup_cause=cause, hangup_by=hangup_by)
        )

    def _on_hangup(self, event: Any) -> None:
        leg = event.uuid
        agent_call = self._agent_legs.get(leg)
        if agent_call is not None:
            agent_call.agent_gone.set()
        call = self.calls.get(leg)
        if call is None or not call.agent_leg:  # not yet connected: _connect decides
            return
        hangup_by = "caller" if event.far_end_hung_up else "agent"
        self._ended(call, event.get("Hangup-Cause") or "", hangup_by)
