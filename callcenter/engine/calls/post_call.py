"""After the conversation: the post-call survey when the agent hangs up first.

With ``ivr.survey_flow`` set, the caller leg gets ``park_after_bridge=true`` before it is
bridged to an agent. FreeSWITCH then does not hang the caller up when the agent's leg ends:
CHANNEL_UNBRIDGE, then CHANNEL_PARK, and the outbound socket can run applications on the
caller again. Mixed into :class:`~callcenter.engine.calls.handler.CallHandler`, :meth:`_talk` waits
until the caller is gone or parked:

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

import gevent
import gevent.queue

from callcenter.engine.bus import BusEvent
from callcenter.engine.calls.ivr_io import SessionCallIO
from callcenter.ivr.errors import IvrError
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError

if TYPE_CHECKING:
    from callcenter.engine.calls.handler import CallHandler

PARK_AFTER_BRIDGE = "park_after_bridge"
_GONE = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentLeftCall(BusEvent):
    """The agent hung up while the caller stays on the line (for the post-call survey)."""

    call_uuid: str
    agent_id: str
    agent_leg_uuid: str
    survey: str = ""  # the flow the caller is taken to


class PostCallSteps:
    """A call handler's steps once an agent is connected (see the module docstring)."""

    def _talk(self: CallHandler, io: SessionCallIO) -> None:
        """Connected to an agent: until the caller is gone, or the survey if the agent left."""
        session = self.session
        parks: gevent.queue.Queue = gevent.queue.Queue()
        subscription = session.on("CHANNEL_PARK", parks.put)
        watcher = gevent.spawn(lambda: (session.wait_gone(), parks.put(_GONE)))
        try:
            while not session.gone:
                if parks.get() is _GONE:
                    return
                leg = self.agent_leg
                if leg and self._leg_up(leg):
                    continue  # a consultation parks the caller on its way to the music
                break
        finally:
            session.off(subscription)
            watcher.kill(block=False)
        if session.gone:
            return
        if not leg:
            self.log.info("caller parked after a handed-on call ended; hanging up")
            io.hangup("NORMAL_CLEARING")
            return
        if not self.ivr.survey_flow:
            # The shipped dialplan sets park_after_bridge=true (transfers and consultations
            # need the caller kept): with no survey, the agent hanging up ends the call.
            self.log.info("agent hung up first; hanging up the caller", agent_id=self.agent_id)
            self.agent_hung_up = True
            io.hangup("NORMAL_CLEARING")
            return
        self._survey(io)

    def _leg_up(self: CallHandler, leg: str) -> bool:
        try:
            value = self.switch.api(commands.uuid_getvar(leg, "uuid"), check=False)
        except SwitchError:
            return False
        return not value.startswith("-ERR")

    def _survey(self: CallHandler, io: SessionCallIO) -> None:
        """The agent hung up first: their part ends, the caller rates the call, then goes."""
        agent_id, leg = self.agent_id, self.agent_leg
        name = self.ivr.survey_flow
        self.log.info("agent hung up first; post-call survey", agent_id=agent_id, flow=name)
        self.agent_hung_up = True
        self.agent_id, self.agent_leg = "", ""  # CTI actions on this call are refused now
        if self.recording:
            self.switch.api(
                commands.uuid_record(self.call_uuid, "stop", self.recording), check=False
            )
        self.bus.publish(
            AgentLeftCall(call_uuid=self.call_uuid, agent_id=agent_id, agent_leg_uuid=leg,
                          survey=name)
        )  # fmt: skip
        try:
            flow = self.ivr.registry.get(name)
        except IvrError as exc:
            self.log.error("survey flow unavailable; hanging up", flow=name, error=str(exc))
            io.hangup("NORMAL_CLEARING")
            return
        self.session.execute("set", "playback_terminators=any")  # keys answer the survey
        self._carry_out(io, self._run(io, flow))
