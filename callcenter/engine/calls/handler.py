"""One caller's life in the engine: screening, the IVR flow, then queue / transfer / hang up.

Runs in the outbound-socket greenlet of the call. The caller is answered, checked against
the blacklist and the flood limit, then the flow for the dialled number runs
(:class:`~callcenter.ivr.runner.FlowRunner` through :class:`SessionCallIO`) and its
outcome is carried out: enqueue with music and wait for an agent (S02/S03), transfer, or
hang up; with ``ivr.survey_flow`` set, a caller whose agent hangs up first is taken to the
post-call survey (:mod:`~callcenter.engine.calls.post_call`). Every step is a bus event, so the call
record gets the IVR path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from callcenter.acd.agents import Agent
from callcenter.engine.bus import (
    Bus,
    CallArrived,
    CallBlocked,
    CallEnded,
    IvrEnded,
    IvrInput,
    utcnow,
)
from callcenter.engine.calls.bridge import bridge_to_agent
from callcenter.engine.calls.connect_request import ConnectRequest
from callcenter.engine.calls.flow_guard import BusHooks, failed_flow_outcome
from callcenter.engine.calls.inbox import Inbox
from callcenter.engine.calls.ivr_io import SessionCallIO
from callcenter.engine.calls.post_call import PARK_AFTER_BRIDGE, PostCallSteps
from callcenter.engine.calls.queue_steps import CallbackDesk, QueueSteps
from callcenter.engine.calls.screening import EngineLookups, Screening
from callcenter.engine.media.recording_start import recording_path
from callcenter.engine.restart.readopt import (
    ResumedWait,
    ivr_marks,
    left_by_earlier_process,
    resumed_wait,
    talking_marks,
    unserved_since,
    was_in_ivr,
)
from callcenter.engine.routing.dispatcher import Dispatcher
from callcenter.engine.routing.events import CallReadopted
from callcenter.engine.routing.queue_wait import QueueWait
from callcenter.ivr.callio import CallerGone, Outcome
from callcenter.ivr.model import Flow, Ref
from callcenter.ivr.regions import RegionTable
from callcenter.ivr.registry import FlowRegistry
from callcenter.ivr.runner import FlowRunner
from callcenter.ivr.speech import SpeechRecognizer
from callcenter.ivr.variables import call_variables
from callcenter.logs import CallLog, get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandTimeout, SessionGone, SwitchError
from callcenter.switch.outbound import OutboundSession

log = get_logger(__name__)


class SwitchApi(Protocol):
    """The api calls a call handler needs (the inbound connection provides ``api``)."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


@dataclass
class IvrConfig:
    """What every call's IVR needs (built once by the engine from the settings)."""

    registry: FlowRegistry
    screening: Screening
    lookups: EngineLookups
    regions: RegionTable
    prompts_dir: Path
    voicemail_dir: Path
    timezone: str = "UTC"
    tts_engine: str = "flite"
    tts_voice: str = "kal"
    tts_voices: dict[str, tuple[str, str]] = field(default_factory=dict)
    transfer_context: str = "default"
    input_margin: float = 60.0
    max_steps: int = 200
    blocked_prompt: str = "say:We are sorry, calls from your number cannot be accepted."
    default_queue: str = "support"
    music: str = "local_stream://moh"
    speech: SpeechRecognizer | None = None  # None: speech nodes use their DTMF digits
    speech_dir: Path | None = None
    speech_silence_seconds: int = 2
    speech_threshold: int = 200
    owner: str = ""  # this engine process's mark on its callers (engine/restart/readopt.py)
    voicemail_prompt: str = "say:Please leave a message after the tone."
    queue_closed_prompt: str = "say:We are sorry, nobody can take your call now. Goodbye."
    survey_flow: str = ""  # flow run when the agent hangs up first ("" = no post-call survey)


class CallHandler:
    """Drives one inbound call (create one per call; call :meth:`run`)."""

    def __init__(
        self,
        session: OutboundSession,
        *,
        bus: Bus,
        dispatcher: Dispatcher,
        switch: SwitchApi,
        ivr: IvrConfig,
        recordings: Path,
        clock: Callable[[], datetime] = utcnow,
        callbacks: CallbackDesk | None = None,
        average_handle: Callable[[str], float] = lambda queue: 180.0,
        stopping: Callable[[], bool] = lambda: False,
    ) -> None:
        self.session = session
        self.stopping = stopping  # the engine process is stopping: the caller is left on
        self.bus = bus
        self.dispatcher = dispatcher
        self.switch = switch
        self.ivr = ivr
        self.recordings = recordings
        self.clock = clock
        self.call_uuid = session.uuid
        self.caller_number = session.caller_number
        self.agent_id = ""
        self.agent_leg = ""
        self.recording = ""  # the stereo recording's path once started
        self.callbacks = callbacks
        self.average_handle = average_handle
        self.called_back = False  # a queued callback carries the call on after the caller left
        self.agent_hung_up = False  # the agent ended the conversation (then the survey ran)
        self.queue_wait: QueueWait | None = None
        # Requests of other greenlets (ConnectRequest), keys and park events: only this call's
        # greenlet reads it, while it waits in line or talks.
        self.inbox = Inbox()
        self.finished = False
        self.waiting_since: datetime | None = None  # dialled while no engine ran: its place
        self.runner: FlowRunner | None = None
        self.log = CallLog(log, call_uuid=self.call_uuid)
        self.queue_steps = QueueSteps(self)  # waiting in line and the ways out of it
        self.post_call = PostCallSteps(self)  # the talk, and the survey after it

    # -- OfferTarget ----------------------------------------------------------------------------

    def is_gone(self) -> bool:
        """Whether the caller has hung up."""
        return self.session.gone

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """Ask this call's greenlet to bridge the agent who answered; True once bridged."""
        if self.finished:
            return False
        request = ConnectRequest(agent, agent_leg_uuid)
        self.inbox.put(request)
        return request.wait()

    def serve(self, request: object) -> bool:
        """Carry out a connect request (this call's greenlet only); True once bridged."""
        if not isinstance(request, ConnectRequest) or not request.take():
            return False
        connected = False
        try:
            connected = self._connect(request.agent, request.agent_leg)
        finally:
            request.answer(connected)
        return connected

    def _connect(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """Stop the music, start the stereo recording, bridge caller and agent."""
        first = not self.recording  # re-queued after a transfer: the recording runs on
        path = recording_path(self.recordings, self.call_uuid, self.clock()) if first else None
        variables = talking_marks()
        if self.ivr.survey_flow:  # the caller is parked, not hung up, when the agent leaves
            variables[PARK_AFTER_BRIDGE] = "true"
        try:
            started = bridge_to_agent(self.switch, self.bus, self, agent.agent_id, agent_leg_uuid,
                                      record_to=path, variables=variables)  # fmt: skip
        except SwitchError as exc:
            self.log.warning("bridge to agent failed", agent_id=agent.agent_id, error=str(exc))
            return False
        self.recording = self.recording or started
        return True

    # -- the call -------------------------------------------------------------------------------

    def run(self) -> None:
        """Handle the call until the caller's channel is gone."""
        session = self.session
        variables = session.variables
        earlier = left_by_earlier_process(variables, self.ivr.owner)
        resumed = resumed_wait(variables) if earlier else None
        readopted = earlier and (resumed is not None or was_in_ivr(variables))
        if not readopted:  # a caller who dialled while no engine ran arrived back then
            self.waiting_since = unserved_since(session.channel.headers, variables)
            arrived = self.waiting_since or self.clock()
            self.bus.publish(
                CallArrived(
                    call_uuid=self.call_uuid,
                    caller_number=self.caller_number,
                    caller_name=session.caller_name,
                    dialled_number=session.destination_number,
                    at=arrived,
                )
            )
        # Read: the channel's ~150 headers are not carried for the whole call (memory per call)
        del variables
        session.forget_channel_data()
        io = SessionCallIO(
            session,
            self.switch,
            prompts_dir=self.ivr.prompts_dir,
            tts_engine=self.ivr.tts_engine,
            tts_voice=self.ivr.tts_voice,
            tts_voices=self.ivr.tts_voices,
            transfer_context=self.ivr.transfer_context,
            input_margin=self.ivr.input_margin,
        )
        try:
            if resumed is not None:  # an earlier engine process left this caller waiting
                self._resume(io, resumed)
                return
            # From here on, an engine that dies leaves the caller to the next one.
            self.queue_steps.set_marks(ivr_marks(self.ivr.owner))
            if readopted:  # ... or in the IVR: it starts again, under the same record
                self.log.info("caller in the IVR taken back after a restart")
                self.bus.publish(CallReadopted(call_uuid=self.call_uuid, queue=""))
            else:
                session.answer()
                refused = self.ivr.screening.refuse(self.caller_number)
                if refused is not None:
                    self._refuse(io, refused)
                    return
            io.prepare()
            outcome = self._run_flow(io)
            self.carry_out(io, outcome)
        except (SessionGone, CallerGone):
            pass
        except Exception:
            if not self.stopping():  # a bug: not left to the hotline's music with nobody
                try:
                    self.switch.api(
                        commands.uuid_kill(self.call_uuid, "NORMAL_TEMPORARY_FAILURE"), check=False
                    )
                except SwitchError as exc:  # the error that brought us here is the one to log
                    self.log.warning("could not hang up after a failure", error=str(exc))
            raise
        finally:
            self.finished = True
            self._refuse_requests()
            if not self.called_back:
                self.dispatcher.leave(self.call_uuid)
                self._ended()

    def _refuse_requests(self) -> None:
        while not self.inbox.empty():
            item = self.inbox.get_nowait()
            if isinstance(item, ConnectRequest):
                item.refuse()

    def _resume(self, io: SessionCallIO, resumed: ResumedWait) -> None:
        """Back in line at the old place, under the old record (kept in Redis)."""
        self.log.info("waiting caller taken back after a restart", queue=resumed.queue)
        self.bus.publish(
            CallReadopted(
                call_uuid=self.call_uuid,
                queue=resumed.queue,
                enqueued_at=resumed.enqueued_at.isoformat(),
            )
        )
        outcome = Outcome(
            "queue", queue=resumed.queue, priority=resumed.priority, skills=resumed.skills
        )
        self.queue_steps.queue(io, outcome, 0, enqueued_at=resumed.enqueued_at)

    def _refuse(self, io: SessionCallIO, reason: str) -> None:
        """Blacklisted or flooding: a message, then hang up (disposition ``blocked``)."""
        self.log.info("caller refused", caller=self.caller_number, reason=reason)
        self.bus.publish(CallBlocked(call_uuid=self.call_uuid, reason=reason))
        try:
            io.play(self.ivr.blocked_prompt)
        finally:
            self.session.hangup("CALL_REJECTED")

    def _run_flow(self, io: SessionCallIO) -> Outcome:
        try:
            flow = self.ivr.registry.flow_for_number(self.session.destination_number)
        except Exception as exc:  # IvrError, or anything a flow file could cause
            self.log.error("no IVR flow for the call; using the default queue", error=str(exc))
            self.bus.publish(IvrInput(call_uuid=self.call_uuid, node="flow", value="missing"))
            return Outcome("queue", queue=self.ivr.default_queue, reason="no flow")
        return self.run_ivr(io, flow)

    def run_ivr(self, io: SessionCallIO, flow: Flow, start: Ref | None = None) -> Outcome:
        """Run ``flow`` (from ``start``, e.g. a queue node's next) and publish how it ended."""
        session = self.session
        if self.runner is None or self.runner.flow is not flow:
            variables = call_variables(
                self.caller_number,
                session.destination_number,
                self.clock(),
                self.ivr.timezone,
                call_uuid=self.call_uuid,
                regions=self.ivr.regions,
            )
            self.runner = FlowRunner(
                flow,
                io,
                variables=variables,
                flows=self.ivr.registry,
                lookups=self.ivr.lookups,
                hooks=BusHooks(self.bus, self.call_uuid),
                clock=self.clock,
                timezone=self.ivr.timezone,
                voicemail_dir=self.ivr.voicemail_dir,
                max_steps=self.ivr.max_steps,
                speech=self.ivr.speech,
                speech_dir=self.ivr.speech_dir,
                speech_silence_seconds=self.ivr.speech_silence_seconds,
                speech_threshold=self.ivr.speech_threshold,
            )
        try:
            outcome = self.runner.run(start)
        except (SessionGone, CallerGone):
            raise
        except Exception as exc:  # a flow never ends the call handler (flow_guard.py)
            outcome = failed_flow_outcome(
                self.runner, exc, default_queue=self.ivr.default_queue,
                post_call=self.agent_hung_up, log=self.log,
            )  # fmt: skip
        runner = self.runner
        left_at = runner.current  # the node being run when the flow ended (or the caller left)
        self.bus.publish(
            IvrEnded(
                call_uuid=self.call_uuid,
                flow=flow.name,
                outcome=outcome.kind,
                node=outcome.node,
                reason=outcome.reason,
                destination=outcome.queue or outcome.destination,
                exit_flow=runner.flow.name,
                exit_version=runner.flow.version,
                exit_node=left_at.id if left_at is not None else "",
            )
        )
        return outcome

    def carry_out(self, io: SessionCallIO, outcome: Outcome, hops: int = 0) -> None:
        session = self.session
        if outcome.kind == "queue":
            self.queue_steps.queue(io, outcome, hops)
        elif outcome.kind == "transfer":
            try:
                io.transfer(outcome.destination, outcome.transfer_kind)
            except SwitchError as exc:
                self.log.warning("IVR transfer failed", error=str(exc))
                session.hangup("NORMAL_TEMPORARY_FAILURE")
            session.wait_gone()
        elif outcome.kind in ("hangup", "voicemail"):
            io.hangup(outcome.cause)
        elif not session.gone:  # "gone" without a hangup: an app got stuck
            session.hangup("NORMAL_TEMPORARY_FAILURE")

    def _ended(self) -> None:
        if self.stopping() and self.session.hangup_event is None:
            # The socket closed under a stopping engine: FreeSWITCH keeps the caller (music or
            # the bridge) and the next engine process takes the call over with its record.
            self.log.info("engine stopping: the call is left to the next engine process")
            return
        cause, caller_hung_up = "", False
        try:
            complete = self.session.wait_event(
                "CHANNEL_HANGUP_COMPLETE", timeout=5.0, even_if_gone=True
            )
            cause = complete.get("Hangup-Cause", "") or ""
            caller_hung_up = complete.far_end_hung_up
        except (SessionGone, CommandTimeout):  # a switch too slow, or the socket closed
            gone = self.session.wait_gone(0)
            cause = gone.cause if gone else ""
            hangup = self.session.hangup_event
            caller_hung_up = hangup is not None and hangup.far_end_hung_up
        if self.agent_hung_up:  # the conversation ended by the agent; the survey came after
            hangup_by = "agent"
        elif caller_hung_up:
            hangup_by = "caller"
        elif self.agent_leg:
            hangup_by = "agent"
        else:
            hangup_by = "system"
        self.bus.publish(
            CallEnded(call_uuid=self.call_uuid, hangup_cause=cause, hangup_by=hangup_by)
        )
