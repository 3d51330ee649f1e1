"""After the conversation: the post-call survey when the agent hangs up first.

With ``ivr.survey_flow`` set, the caller leg gets ``park_after_bridge=true`` before it is
bridged to an agent. FreeSWITCH then does not hang the caller up when the agent's leg ends:
CHANNEL_UNBRIDGE, then CHANNEL_PARK, and the outbound socket can run applications on the
caller again. A part of :class:`~callcenter.engine.calls.handler.CallHandler` (its
``post_call``): :meth:`PostCallSteps.talk` waits until the caller is gone or parked:

* parked, and the agent leg the call was bridged to is gone: the agent ended the conversation.
  The agent's part of the call ends (:class:`AgentLeftCall` - the engine starts the agent's
  wrap-up), the recording stops, the survey flow runs (its rating becomes the record's
  ``survey_score``), then the caller is hung up. The record says ``hangup_by: agent``.
* parked while the agent leg is still up: a consultation parked the caller for a moment
  (``uuid_transfer -both park``); keep waiting.
* parked with no agent leg: the call was handed on to an outside number (CTI blind transfer)
  and that conversation ended; the caller is hung up, no survey (it would rate us for a
  third party).
* the caller hangs up first: nothing changes (the agent leg follows, as before).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from callcenter.engine.bus import BusEvent
from callcenter.engine.calls.ivr_io import SessionCallIO
from callcenter.ivr.errors import IvrError
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError

if TYPE_CHECKING:
    from callcenter.engine.calls.handler import CallHandler

PARK_AFTER_BRIDGE = "park_after_bridge"
_GONE = object()


@dataclass(frozen=True, slots=True)
class _Parked:
    event: object


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLeftCall(BusEvent):
    """The agent hung up while the caller stays on the line (for the post-call survey)."""

    call_uuid: str
    agent_id: str
    agent_leg_uuid: str
    survey: str = ""  # the flow the caller is taken to


class PostCallSteps:
    """A call handler's steps once an agent is connected (see the module docstring)."""

    def __init__(self, call: CallHandler) -> None:
        self.call = call

    def talk(self, io: SessionCallIO) -> None:
        """Connected to an agent: until the caller is gone, or the survey if the agent left."""
        session = self.call.session
        inbox = self.call.inbox  # parks, the caller gone, an agent to connect (re-queued)
        # Both on the reader (a put never blocks): no greenlet per talking call waits on them
        subscription = session.on(
            "CHANNEL_PARK", lambda event: inbox.put(_Parked(event)), inline=True
        )
        stop_watching = session.when_gone(lambda: inbox.put(_GONE))
        try:
            while not session.gone:
                item = inbox.get()
                if item is _GONE:
                    return
                if not isinstance(item, _Parked):
                    self.call.serve(item)  # a transfer or re-queue found an agent; else a key
                    continue
                leg = self.call.agent_leg
                if leg and self.leg_up(leg):
                    continue  # a consultation parks the caller on its way to the music
                break
        finally:
            session.off(subscription)
            stop_watching()
        if session.gone:
            return
        if not leg:
            self.call.log.info("caller parked after a handed-on call ended; hanging up")
            io.hangup("NORMAL_CLEARING")
            return
        if not self.call.ivr.survey_flow:
            # The shipped dialplan sets park_after_bridge=true (transfers and consultations
            # need the caller kept): with no survey, the agent hanging up ends the call.
            self.call.log.info(
                "agent hung up first; hanging up the caller", agent_id=self.call.agent_id
            )
            self.call.agent_hung_up = True
            io.hangup("NORMAL_CLEARING")
            return
        self.survey(io)

    def leg_up(self, leg: str) -> bool:
        try:
            value = self.call.switch.api(commands.uuid_getvar(leg, "uuid"), check=False)
        except SwitchError:
            return False
        return not value.startswith("-ERR")

    def survey(self, io: SessionCallIO) -> None:
        """The agent hung up first: their part ends, the caller rates the call, then goes."""
        agent_id, leg = self.call.agent_id, self.call.agent_leg
        name = self.call.ivr.survey_flow
        self.call.log.info("agent hung up first; post-call survey", agent_id=agent_id, flow=name)
        self.call.agent_hung_up = True
        self.call.agent_id, self.call.agent_leg = "", ""  # CTI actions on this call are refused now
        if self.call.recording:
            self.call.switch.api(
                commands.uuid_record(self.call.call_uuid, "stop", self.call.recording), check=False
            )
        self.call.bus.publish(
            AgentLeftCall(call_uuid=self.call.call_uuid, agent_id=agent_id, agent_leg_uuid=leg,
                          survey=name)
        )  # fmt: skip
        try:
            flow = self.call.ivr.registry.get(name)
        except IvrError as exc:
            self.call.log.error("survey flow unavailable; hanging up", flow=name, error=str(exc))
            io.hangup("NORMAL_CLEARING")
            return
        self.call.session.execute("set", "playback_terminators=any")  # keys answer the survey
        self.call.carry_out(io, self.call.run_ivr(io, flow))
