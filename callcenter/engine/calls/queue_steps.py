"""The queue part of a caller's life: waiting, and the ways out of the line.

A part of :class:`~callcenter.engine.calls.handler.CallHandler` (its ``queue_steps``): wait for
an agent (music, announcements, exits in :mod:`~callcenter.engine.routing.queue_wait`), then on
a way out resume the flow at the queue node's ``next``, or go to the queue's overflow target
(another queue, a flow, voicemail that becomes a ticket, a transfer, a queued callback, or an
apology and hang up).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from callcenter.acd.overflow import OverflowTarget, parse_overflow
from callcenter.acd.routing import WaitingCall
from callcenter.engine.bus import CallQueued, IvrInput, VoicemailRecorded
from callcenter.engine.calls.ivr_io import SessionCallIO
from callcenter.engine.restart.readopt import ivr_marks, waiting_marks
from callcenter.engine.routing.events import QueueLeft
from callcenter.engine.routing.queue_wait import QueueExit, QueueWait
from callcenter.ivr.callio import Outcome
from callcenter.ivr.errors import IvrError
from callcenter.switch import commands
from callcenter.switch.errors import CommandTimeout, SwitchError

if TYPE_CHECKING:
    from callcenter.engine.calls.handler import CallHandler

BEEP = "tone_stream://%(500,0,800)"
MAX_OVERFLOW_HOPS = 5  # queue -> overflow -> ... at most this often per call (no loops)


class CallbackDesk(Protocol):
    """Queues callbacks (the engine's
    :class:`~callcenter.engine.routing.queued_callbacks.Callbacks`)."""

    def request(self, entry: WaitingCall, number: str) -> object:
        """Put a callback to ``number`` in line in the caller's place."""


class QueueSteps:
    """A call handler's queue steps (see the module docstring)."""

    def __init__(self, call: CallHandler) -> None:
        self.call = call

    def queue(
        self,
        io: SessionCallIO,
        outcome: Outcome,
        hops: int,
        enqueued_at: datetime | None = None,
    ) -> None:
        """Wait for an agent; on a way out go to the flow's next node or the overflow.

        ``enqueued_at``: a caller re-adopted after an engine restart keeps its place; one
        who dialled while no engine ran takes its place by the time it dialled."""
        session = self.call.session
        enqueued_at, self.call.waiting_since = enqueued_at or self.call.waiting_since, None
        rules = self.call.dispatcher.policy(outcome.queue).wait
        target = parse_overflow(rules.overflow_target)
        entry = WaitingCall(
            self.call.call_uuid,
            outcome.queue,
            self.call.caller_number,
            enqueued_at or self.call.clock(),
            priority=outcome.priority,
            skills=tuple((skill, 1) for skill in outcome.skills),
        )
        self.mark_waiting(entry)
        self.call.bus.publish(
            CallQueued(
                call_uuid=self.call.call_uuid, queue=outcome.queue, priority=outcome.priority
            )
        )
        while True:
            music = rules.music or self.call.ivr.music
            self.call.queue_wait = QueueWait(
                session, self.call.switch, self.call.dispatcher, queue=outcome.queue, rules=rules,
                can_leave=outcome.resume is not None or target is not None, music=music,
                media=io.media, average_handle=self.call.average_handle,
                inbox=self.call.inbox, serve=self.call.serve,
            )  # fmt: skip
            try:
                session.execute_async("playback", music)
            except CommandTimeout as exc:  # a switch too busy to answer: wait in line anyway
                self.call.log.warning("no answer to the queue music's start", error=str(exc))
            self.call.dispatcher.enqueue(entry, self.call)
            left = self.call.queue_wait.run()
            self.call.queue_wait = None
            if left is None:
                # until the caller is gone (or the post-call survey ends)
                self.call.post_call.talk(io)
                return
            if left.reason == "callback" or (target and target.kind == "callback"):
                if self.offer_callback(io, entry, left):
                    return
                continue  # declined: back in line, in the same place
            break
        self.set_marks({"playback_terminators": "any", **ivr_marks(self.call.ivr.owner)})
        where = "flow" if outcome.resume is not None else str(target)
        self.call.bus.publish(
            QueueLeft(
                call_uuid=self.call.call_uuid, queue=outcome.queue, reason=left.reason,
                target=where, waited_seconds=round(left.waited_seconds, 3),
            )
        )  # fmt: skip
        if hops >= MAX_OVERFLOW_HOPS:
            self.call.log.warning("too many queue overflows; hanging up", hops=hops)
            io.hangup("NORMAL_CLEARING")
        elif outcome.resume is not None and self.call.runner is not None:
            self.call.carry_out(
                io, self.call.run_ivr(io, self.call.runner.flow, outcome.resume), hops + 1
            )
        elif target is not None:
            self.overflow(io, outcome, target, hops)

    def mark_waiting(self, entry: WaitingCall) -> None:
        """Keys do not stop the music; and the channel carries what a restarted engine needs
        to take the caller back (engine/restart/readopt.py)."""
        self.set_marks(
            {"playback_terminators": "none", **waiting_marks(entry, self.call.ivr.owner)}
        )

    def set_marks(self, marks: dict[str, str]) -> None:
        try:
            self.call.switch.api(commands.uuid_setvar_multi(self.call.call_uuid, marks))
        except SwitchError as exc:
            self.call.log.warning("could not set the caller's queue marks", error=str(exc))

    def overflow(
        self, io: SessionCallIO, outcome: Outcome, target: OverflowTarget, hops: int
    ) -> None:
        if target.kind == "queue":
            moved = Outcome(
                "queue", queue=target.value, priority=outcome.priority, skills=outcome.skills
            )
            self.call.carry_out(io, moved, hops + 1)
        elif target.kind == "flow":
            try:
                flow = self.call.ivr.registry.get(target.value)
            except IvrError as exc:
                self.call.log.error("overflow flow unavailable; hanging up", error=str(exc))
                io.hangup("NORMAL_CLEARING")
                return
            self.call.carry_out(io, self.call.run_ivr(io, flow), hops + 1)
        elif target.kind == "voicemail":
            self.voicemail(io, target.value)
        elif target.kind == "transfer":
            self.call.carry_out(io, Outcome("transfer", destination=target.value), hops + 1)
        else:
            io.play(self.call.ivr.queue_closed_prompt)
            io.hangup("NORMAL_CLEARING")

    def voicemail(self, io: SessionCallIO, mailbox: str) -> None:
        """Leave a message (it becomes a ticket, as the IVR's voicemail node), then hang up."""
        io.play(self.call.ivr.voicemail_prompt)
        io.play(BEEP)
        # filed as the IVR's voicemail node files its messages: <mailbox>/<date>/<call>-<node>
        folder = (
            self.call.ivr.voicemail_dir / (mailbox or "general") / f"{self.call.clock():%Y/%m/%d}"
        )
        path = folder / f"{self.call.call_uuid}-overflow.wav"
        recorded = io.record(str(path), max_seconds=120, silence_seconds=5)
        self.call.bus.publish(
            VoicemailRecorded(
                call_uuid=self.call.call_uuid, path=recorded.path,
                milliseconds=recorded.milliseconds, mailbox=mailbox,
            )
        )  # fmt: skip
        io.hangup("NORMAL_CLEARING")

    def offer_callback(self, io: SessionCallIO, entry: WaitingCall, left: QueueExit) -> bool:
        """Ask for a callback number; True when the caller took a callback (and is gone)."""
        if self.call.callbacks is None:
            return False
        self.call.session.execute("set", "playback_terminators=any")  # keys answer the prompts
        number = self.call.caller_number
        spoken = " ".join(number)
        choice = io.collect(
            f"say:We can call you back at {spoken} and keep your place in line. Press 1 to "
            "accept, 2 to enter another number, or any other key to keep waiting.",
            min_digits=1, max_digits=1, terminators="", timeout=8.0,
        )  # fmt: skip
        if choice == "2":
            number = io.collect(
                "say:Please enter your phone number, then press the pound key.",
                min_digits=3, max_digits=20, terminators="#", timeout=10.0,
            )  # fmt: skip
            choice = "1" if number.isdigit() else ""
        if choice != "1":
            self.call.bus.publish(
                IvrInput(call_uuid=self.call.call_uuid, node="callback", value="declined")
            )
            self.call.session.execute("set", "playback_terminators=none")
            return False
        self.call.bus.publish(
            IvrInput(call_uuid=self.call.call_uuid, node="callback", value=number)
        )
        self.call.called_back = True
        self.call.callbacks.request(entry, number)
        try:
            io.play("say:Thank you. We will call you back. Goodbye.")
        finally:
            io.hangup("NORMAL_CLEARING")
        return True
