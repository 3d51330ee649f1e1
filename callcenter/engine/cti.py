"""CTI actions on an agent's call: blind transfer, consult / complete / cancel / conference, DTMF.

How the legs are kept alive (FreeSWITCH hangs up a uuid_bridge'd leg when its partner leaves,
S05a/S05b):

* blind transfer: ``uuid_transfer <caller> ... inline``. Only the transferring agent's leg is
  hung up (that is the point); the caller runs the inline apps: the bridge to a number, or
  music while the engine rings the target agent / re-enqueues it into a queue (the call
  record stays open, the caller keeps the outbound socket).
* consult: ``uuid_transfer <caller> -both park inline`` parks caller and agent without a
  hangup, the caller then gets music (another inline transfer, alone: nobody is hung up),
  the consulted leg is originated to ``&park()`` and bridged to the agent.
* complete: ``uuid_bridge <caller> <consulted>`` - FreeSWITCH hangs up the first agent (S05b).
* cancel: ``uuid_bridge <caller> <agent>`` - FreeSWITCH hangs up the consulted leg.
* conference: ``uuid_transfer <agent> -both conference:NAME@default inline`` (agent and
  consulted party), then the caller (S05c's form, from the other side).
* DTMF: ``uuid_send_dtmf <caller> <digits>`` (towards the caller / customer).

Refusals raise :class:`~callcenter.acd.agents.AgentStateError` with the reason; the engine
reports it on the agent's channel.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import gevent
from gevent.event import Event

from callcenter.acd.agents import Agent, AgentState, AgentStateError
from callcenter.acd.routing import WaitingCall
from callcenter.config import RoutingSettings
from callcenter.engine.agents import AgentBook
from callcenter.engine.bus import AgentMissed, AgentOffered, Bus, CallAnswered, CallQueued, utcnow
from callcenter.engine.cti_events import (
    CallTransferred,
    ConferenceStarted,
    ConsultEnded,
    ConsultStarted,
    DtmfSent,
    TransferFailed,
)
from callcenter.engine.dispatcher import Dispatcher
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandFailed, SwitchError
from callcenter.switch.inbound import BackgroundJob

log = get_logger(__name__)

CTI_ACTIONS = (
    "dial",
    "transfer",
    "consult",
    "consult_complete",
    "consult_cancel",
    "conference",
    "dtmf",
)
TARGETS = ("agent", "queue", "number")
NUMBER = re.compile(r"\+?[0-9*#]{1,32}")
DTMF = re.compile(r"[0-9A-Da-d*#]{1,64}")
JOB_GRACE_SECONDS = 10.0


class Switch(Protocol):
    """The inbound ESL connection (api, bgapi, event handlers)."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str: ...

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> BackgroundJob: ...


class CtiCall(Protocol):
    """A live call an agent talks on (the inbound CallHandler or an outbound call)."""

    call_uuid: str
    caller_number: str
    agent_id: str
    agent_leg: str

    def is_gone(self) -> bool: ...

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool: ...


def check_number(number: object) -> str:
    """A dialable number: digits with an optional leading +, * and # (or a refusal)."""
    text = str(number or "").strip().replace(" ", "").replace("-", "")
    if not NUMBER.fullmatch(text):
        raise AgentStateError(
            f"number {number!r} must be 1-32 digits, optionally with a leading +, * or #"
        )
    return text


def check_digits(digits: object) -> str:
    """DTMF digits 0-9, *, #, A-D."""
    text = str(digits or "").strip()
    if not DTMF.fullmatch(text):
        raise AgentStateError(f"DTMF digits {digits!r} must be 1-64 of 0-9, *, #, A-D")
    return text


def dial_string(routing: RoutingSettings, number: str) -> str:
    """The FreeSWITCH dial string of a number (the configured template)."""
    return routing.outbound_dial_string.format(number=number)


def originate_leg(
    switch: Switch, dial: str, leg_uuid: str, variables: dict[str, str], timeout: float
) -> str:
    """Originate ``dial`` to ``&park()`` and wait: ``'+OK'`` on answer, else the cause."""
    command = commands.originate(
        dial,
        variables={
            "origination_uuid": leg_uuid,
            "ignore_early_media": "true",
            "call_timeout": str(int(timeout)),
            **variables,
        },
    )
    try:
        switch.bgapi(command).get(timeout=timeout + JOB_GRACE_SECONDS)
    except CommandFailed as exc:
        text = exc.reply.strip()
        return text[5:].strip() if text.startswith("-ERR ") else text or "UNKNOWN"
    except SwitchError as exc:
        log.warning("originate failed", leg_uuid=leg_uuid, error=str(exc))
        switch.api(commands.uuid_kill(leg_uuid, "ORIGINATOR_CANCEL"), check=False)
        return "SWITCH_ERROR"
    return "+OK"


def dial_customer(
    switch: Switch,
    routing: RoutingSettings,
    number: str,
    call_uuid: str,
    agent: Agent,
    direction: str,
) -> str:
    """Originate the customer leg of an agent's outbound call or callback (the configured
    dial string and caller id) under the call's uuid; ``'+OK'`` when answered."""
    return originate_leg(
        switch,
        dial_string(routing, number),
        call_uuid,
        {
            "origination_caller_id_number": routing.outbound_caller_id or agent.extension,
            "callcenter_call_uuid": call_uuid,
            "callcenter_agent_id": agent.agent_id,
            "callcenter_direction": direction,
        },
        routing.outbound_timeout,
    )  # fmt: skip


@dataclass
class Consult:
    """An agent's consultation in progress (the caller holds with music)."""

    agent_id: str
    call: CtiCall
    target: str  # agent or number
    to: str
    leg: str
    agent_leg: str
    connected: bool = False
    over: bool = False


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
        self._legs: dict[str, tuple[str, str]] = {}  # agent leg uuid -> (agent id, call uuid)
        switch.on("CHANNEL_HANGUP_COMPLETE", self._on_hangup)
        self._unbridges: dict[str, Event] = {}  # caller uuid -> set at its CHANNEL_UNBRIDGE
        switch.on("CHANNEL_UNBRIDGE", self._on_unbridge)

    # -- entry ----------------------------------------------------------------------------------

    def handles(self, agent_id: str, action: str) -> bool:
        """Whether this module carries out ``action`` (call control while consulting, too)."""
        if action in CTI_ACTIONS and action != "dial":
            return True
        return action in ("hangup", "hold", "unhold") and agent_id in self.consults

    def run(self, agent_id: str, action: str, data: dict) -> None:
        """Carry out one action (state already checked by the domain); raise to refuse."""
        agent = self.agents.get(agent_id)
        if action == "transfer":
            self.transfer(agent, str(data.get("target", "")), str(data.get("to", "")))
        elif action == "consult":
            self.consult(agent, str(data.get("target", "")), str(data.get("to", "")))
        elif action == "consult_complete":
            self.consult_complete(agent)
        elif action in ("consult_cancel",):
            self.consult_cancel(agent)
        elif action == "conference":
            self.conference(agent)
        elif action == "dtmf":
            self.dtmf(agent, data.get("digits"))
        elif action == "hangup":  # hanging up while consulting hands the caller over
            consult = self.consults[agent_id]
            if consult.connected:
                self.consult_complete(agent)
            else:
                self.consult_cancel(agent)
                self.switch.api(commands.uuid_kill(consult.agent_leg, "NORMAL_CLEARING"))
        else:
            raise AgentStateError(
                f"agent {agent_id} is consulting; use consult_complete, consult_cancel or "
                "conference first"
            )

    # -- helpers --------------------------------------------------------------------------------

    def _call_of(self, agent: Agent) -> CtiCall:
        call = self.find_call(agent.call_uuid) if agent.call_uuid else None
        if call is None or not call.agent_leg or call.agent_id != agent.agent_id:
            raise AgentStateError(f"agent {agent.agent_id} has no call this engine carries")
        return call

    def _target(self, agent: Agent, target: str, to: str, allowed: tuple[str, ...]) -> str:
        if target not in allowed:
            raise AgentStateError(f"target must be one of: {', '.join(allowed)}")
        if target == "number":
            return check_number(to)
        if target == "queue":
            if to not in self.queue_names():
                raise AgentStateError(f"no queue {to!r}")
            return to
        other = self._agent_by_id_or_extension(to)
        if other.agent_id == agent.agent_id:
            raise AgentStateError("an agent cannot transfer to or consult themselves")
        if other.state != AgentState.AVAILABLE:
            raise AgentStateError(f"agent {other.agent_id} is not available ({other.state})")
        return other.agent_id

    def _agent_by_id_or_extension(self, to: str) -> Agent:
        try:
            return self.agents.get(to)
        except AgentStateError:
            other = self.agents.by_extension(to)
            if other is None:
                raise AgentStateError(f"no agent {to!r}") from None
            return other

    def _unhold_first(self, agent: Agent, call: CtiCall) -> None:
        if agent.state == AgentState.ON_HOLD:
            self.switch.api(commands.uuid_hold(call.agent_leg, "off"))
            self.agents.apply(agent.agent_id, "unhold")

    def _ring_agent(self, target_id: str, call: CtiCall, leg: str, caller_id: str) -> str:
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

    def _requeue(self, call: CtiCall, queue: str) -> None:
        self.bus.publish(CallQueued(call_uuid=call.call_uuid, queue=queue))
        self.dispatcher.enqueue(
            WaitingCall(call.call_uuid, queue, call.caller_number, utcnow()), call
        )

    def _fallback_queue(self, call: CtiCall) -> str:
        return self.queue_of(call.call_uuid) or self.routing.default_queue

    def _hand_over(self, agent: Agent, call: CtiCall) -> None:
        """The agent leaves the call (FreeSWITCH has hung up their leg): wrap-up."""
        call.agent_id, call.agent_leg = "", ""
        self.end_agent_call(agent.agent_id, call.call_uuid)

    def _expect_unbridge(self, leg: str) -> Event:
        """Arm a wait for ``leg``'s CHANNEL_UNBRIDGE (before the command that unbridges it)."""
        self._unbridges[leg] = Event()
        return self._unbridges[leg]

    def _on_unbridge(self, event: Any) -> None:
        unbridged = self._unbridges.pop(event.uuid, None)
        if unbridged is not None:
            unbridged.set()

    def _wait_unbridged(self, leg: str, unbridged: Event, timeout: float = 2.0) -> None:
        """Until FreeSWITCH's bridge has let go of ``leg`` (its CHANNEL_UNBRIDGE)."""
        if not unbridged.wait(timeout):
            log.warning("no CHANNEL_UNBRIDGE in time", leg=leg)
        self._unbridges.pop(leg, None)

    def _music(self) -> str:
        return f"playback:{self.routing.music}"

    # -- blind transfer -------------------------------------------------------------------------

    def transfer(self, agent: Agent, target: str, to: str) -> None:
        """Blind transfer of the agent's caller to an agent, a queue or a number."""
        call = self._call_of(agent)
        if agent.agent_id in self.consults:
            raise AgentStateError("finish the consultation first")
        to = self._target(agent, target, to, TARGETS)
        if target == "number":
            destination = "bridge:" + dial_string(self.routing, to)
        else:
            destination = self._music()
        # The caller moves on; FreeSWITCH hangs up only the agent's (uuid_bridge'd) leg.
        self.switch.api(commands.uuid_transfer(call.call_uuid, destination, "inline"))
        self.bus.publish(
            CallTransferred(call_uuid=call.call_uuid, agent_id=agent.agent_id, target=target, to=to)
        )
        self._hand_over(agent, call)
        self.tell(agent.agent_id, {"done": "transfer", "call_uuid": call.call_uuid, "to": to})
        if target == "queue":
            self._requeue(call, to)
        elif target == "agent":
            gevent.spawn(self._transfer_to_agent, call, to, self._fallback_queue(call))

    def _transfer_to_agent(self, call: CtiCall, target_id: str, fallback: str) -> None:
        leg = str(uuid.uuid4())
        result = self._ring_agent(target_id, call, leg, call.caller_number)
        if (
            result == "+OK"
            and not call.is_gone()
            and call.connect_agent(self.agents.get(target_id), leg)
        ):
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
        self._requeue(call, fallback)

    # -- consultation ---------------------------------------------------------------------------

    def consult(self, agent: Agent, target: str, to: str) -> None:
        """Call another agent or a number while the caller holds with music."""
        call = self._call_of(agent)
        if agent.agent_id in self.consults:
            raise AgentStateError(f"agent {agent.agent_id} is already consulting")
        to = self._target(agent, target, to, ("agent", "number"))
        self._unhold_first(agent, call)
        # Park both legs (no hangup with -both), then music for the caller alone.
        unbridged = self._expect_unbridge(call.call_uuid)
        self.switch.api(commands.uuid_transfer(call.call_uuid, "park", "inline", leg="-both"))
        self._wait_unbridged(call.call_uuid, unbridged)  # else the next transfer hangs up the agent
        self.switch.api(commands.uuid_transfer(call.call_uuid, self._music(), "inline"))
        self.agents.apply(agent.agent_id, "hold")
        consult = Consult(agent.agent_id, call, target, to, str(uuid.uuid4()), call.agent_leg)
        self.consults[agent.agent_id] = consult
        self._legs[call.agent_leg] = (agent.agent_id, call.call_uuid)
        self.bus.publish(
            ConsultStarted(
                call_uuid=call.call_uuid,
                agent_id=agent.agent_id,
                target=target,
                to=to,
                leg_uuid=consult.leg,
            )  # fmt: skip
        )
        gevent.spawn(self._ring_consult, consult, agent)

    def _ring_consult(self, consult: Consult, agent: Agent) -> None:
        call = consult.call
        if consult.target == "agent":
            result = self._ring_agent(consult.to, call, consult.leg, agent.extension)
        else:
            result = originate_leg(
                self.switch,
                dial_string(self.routing, consult.to),
                consult.leg,
                {
                    "origination_caller_id_number": self.routing.outbound_caller_id
                    or agent.extension,
                    "callcenter_call_uuid": call.call_uuid,
                },
                self.routing.outbound_timeout,
            )
        if consult.over:  # cancelled while it rang
            if result == "+OK":
                self.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
                if consult.target == "agent":
                    self.agents.apply(consult.to, "release")
            return
        if result != "+OK":
            self._back_to_caller(consult, "failed", result)
            self.tell(
                agent.agent_id,
                {"error": f"{consult.to} did not answer ({result})", "action": "consult"},
            )
            return
        try:
            # If the consulted party hangs up, the agent's leg should park, not hang up.
            self.switch.api(commands.uuid_setvar(consult.agent_leg, "park_after_bridge", "true"))
            self.switch.api(commands.uuid_bridge(consult.agent_leg, consult.leg))
        except SwitchError as exc:
            log.warning("consult bridge failed", agent_id=agent.agent_id, error=str(exc))
            self.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
            if consult.target == "agent":
                self.agents.apply(consult.to, "release")
            self._back_to_caller(consult, "failed", "BRIDGE_FAILED")
            return
        consult.connected = True
        if consult.target == "agent":
            self.agents.apply(consult.to, "answer")
            self._legs[consult.leg] = (consult.to, call.call_uuid)
        self.tell(agent.agent_id, {"done": "consult", "call_uuid": call.call_uuid})

    def _back_to_caller(self, consult: Consult, outcome: str, cause: str = "") -> None:
        """The agent talks to the caller again (the consulted leg, if bridged, is hung up)."""
        consult.over = True
        self.consults.pop(consult.agent_id, None)
        self._legs.pop(consult.agent_leg, None)
        call = consult.call
        self.bus.publish(
            ConsultEnded(
                call_uuid=call.call_uuid, agent_id=consult.agent_id, outcome=outcome, cause=cause
            )  # fmt: skip
        )
        if call.is_gone():
            return
        try:
            self.switch.api(commands.uuid_bridge(call.call_uuid, consult.agent_leg))
            self.switch.api(commands.uuid_setvar(consult.agent_leg, "park_after_bridge"))
        except SwitchError as exc:  # the agent's leg is gone: the caller goes back in line
            log.warning("could not return to the caller", call_uuid=call.call_uuid, error=str(exc))
            self._agent_leg_lost(consult)
            return
        agent = self.agents.get(consult.agent_id)
        if agent.state == AgentState.ON_HOLD and agent.call_uuid == call.call_uuid:
            self.agents.apply(consult.agent_id, "unhold")

    def _agent_leg_lost(self, consult: Consult) -> None:
        call = consult.call
        self.end_agent_call(consult.agent_id, call.call_uuid)
        call.agent_id, call.agent_leg = "", ""
        if not call.is_gone():
            self._requeue(call, self._fallback_queue(call))

    def _consult_of(self, agent: Agent, *, connected: bool) -> Consult:
        consult = self.consults.get(agent.agent_id)
        if consult is None:
            raise AgentStateError(f"agent {agent.agent_id} is not consulting anybody")
        if connected and not consult.connected:
            raise AgentStateError(f"{consult.to} has not answered yet; cancel or wait")
        return consult

    def consult_cancel(self, agent: Agent) -> None:
        """Hang up the consulted party and talk to the caller again."""
        consult = self._consult_of(agent, connected=False)
        consult.over = True
        if consult.connected:
            self._back_to_caller(consult, "cancelled")
            self.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
            if consult.target == "agent":
                self.end_agent_call(consult.to, consult.call.call_uuid, wrap_up=False)
        else:  # still ringing: the ringing greenlet releases the agent
            self.switch.api(commands.uuid_kill(consult.leg, "ORIGINATOR_CANCEL"), check=False)
            self._back_to_caller(consult, "cancelled")
        self.tell(agent.agent_id, {"done": "consult_cancel", "call_uuid": consult.call.call_uuid})

    def consult_complete(self, agent: Agent) -> None:
        """Attended transfer: the caller talks to the consulted party; the agent leaves."""
        consult = self._consult_of(agent, connected=True)
        call = consult.call
        consult.over = True
        self.consults.pop(agent.agent_id, None)
        # FreeSWITCH hangs up the agent's leg (the consulted leg's old partner, S05b).
        self.switch.api(commands.uuid_bridge(call.call_uuid, consult.leg))
        self.switch.api(commands.uuid_kill(consult.agent_leg, "NORMAL_CLEARING"), check=False)
        self._legs.pop(consult.agent_leg, None)
        self._legs.pop(consult.leg, None)
        self.bus.publish(
            ConsultEnded(call_uuid=call.call_uuid, agent_id=agent.agent_id, outcome="completed")
        )
        self.bus.publish(
            CallTransferred(
                call_uuid=call.call_uuid,
                agent_id=agent.agent_id,
                target=consult.target,
                to=consult.to,
                attended=True,
            )  # fmt: skip
        )
        self._hand_over(agent, call)
        if consult.target == "agent":
            call.agent_id, call.agent_leg = consult.to, consult.leg
            self.bus.publish(
                CallAnswered(
                    call_uuid=call.call_uuid, agent_id=consult.to, agent_leg_uuid=consult.leg
                )  # fmt: skip
            )
        self.tell(agent.agent_id, {"done": "consult_complete", "call_uuid": call.call_uuid})

    def conference(self, agent: Agent) -> None:
        """Caller, agent and consulted party in one conference (S05c)."""
        consult = self._consult_of(agent, connected=True)
        call = consult.call
        name = f"cc-{call.call_uuid}"
        target = f"conference:{name}@default"
        consult.over = True
        self.consults.pop(agent.agent_id, None)
        self.switch.api(commands.uuid_transfer(consult.agent_leg, target, "inline", leg="-both"))
        self.switch.api(commands.uuid_transfer(call.call_uuid, target, "inline"))
        self.switch.api(commands.uuid_setvar(consult.agent_leg, "park_after_bridge"), check=False)
        # Each agent leaves the conference by hanging up: their leg's hangup ends their call.
        self._legs[consult.agent_leg] = (agent.agent_id, call.call_uuid)
        if consult.target == "agent":
            self._legs[consult.leg] = (consult.to, call.call_uuid)
        self.agents.apply(agent.agent_id, "unhold")
        self.bus.publish(
            ConsultEnded(call_uuid=call.call_uuid, agent_id=agent.agent_id, outcome="conference")
        )
        self.bus.publish(
            ConferenceStarted(call_uuid=call.call_uuid, agent_id=agent.agent_id, conference=name)
        )
        self.tell(agent.agent_id, {"done": "conference", "call_uuid": call.call_uuid,
                                   "conference": name})  # fmt: skip

    # -- DTMF -----------------------------------------------------------------------------------

    def dtmf(self, agent: Agent, digits: object) -> None:
        """Send DTMF towards the caller (e.g. a customer's IVR on an outbound call)."""
        call = self._call_of(agent)
        text = check_digits(digits)
        self.switch.api(commands.uuid_send_dtmf(call.call_uuid, text))
        self.bus.publish(DtmfSent(call_uuid=call.call_uuid, agent_id=agent.agent_id,
                                  digits=len(text)))  # fmt: skip
        self.tell(agent.agent_id, {"done": "dtmf", "call_uuid": call.call_uuid})

    # -- legs that end on their own ---------------------------------------------------------------

    def _on_hangup(self, event: Any) -> None:
        leg = event.uuid
        for consult in list(self.consults.values()):
            if consult.over:
                continue
            if leg == consult.agent_leg:  # the consulting agent hung up their phone
                consult.over = True
                self.consults.pop(consult.agent_id, None)
                self.switch.api(commands.uuid_kill(consult.leg, "NORMAL_CLEARING"), check=False)
                if consult.target == "agent" and consult.connected:
                    self.end_agent_call(consult.to, consult.call.call_uuid, wrap_up=False)
                self.bus.publish(
                    ConsultEnded(
                        call_uuid=consult.call.call_uuid,
                        agent_id=consult.agent_id,
                        outcome="dropped",
                        cause="agent hung up",
                    )  # fmt: skip
                )
                self._agent_leg_lost(consult)
            elif leg == consult.leg and consult.connected:  # the consulted party hung up
                if consult.target == "agent":
                    self.end_agent_call(consult.to, consult.call.call_uuid, wrap_up=False)
                self._back_to_caller(consult, "failed", "consulted party hung up")
        owner = self._legs.pop(leg, None)
        if owner and owner[1]:
            self.end_agent_call(owner[0], owner[1])
