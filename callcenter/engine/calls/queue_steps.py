"""The queue part of a caller's life: waiting, and the ways out of the line.

Mixed into :class:`~callcenter.engine.calls.handler.CallHandler`: wait for an agent (music,
announcements, exits in :mod:`~callcenter.engine.routing.queue_wait`), then on a way out resume the
flow at the queue node's ``next``, or go to the queue's overflow target (another queue, a flow,
voicemail that becomes a ticket, a transfer, a queued callback, or an apology and hang up).
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
from callcenter.switch.errors import SwitchError

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

    def _queue(
        self: CallHandler,
        io: SessionCallIO,
        outcome: Outcome,
        hops: int,
        enqueued_at: datetime | None = None,
    ) -> None:
        """Wait for an agent; on a way out go to the flow's next node or the overflow.

        ``enqueued_at``: a caller re-adopted after an engine restart keeps its place; one
        who dialled while no engine ran takes its place by the time it dialled."""
        session = self.session
        enqueued_at, self.waiting_since = enqueued_at or self.waiting_since, None
        rules = self.dispatcher.policy(outcome.queue).wait
        target = parse_overflow(rules.overflow_target)
        entry = WaitingCall(
            self.call_uuid,
            outcome.queue,
            self.caller_number,
            enqueued_at or self.clock(),
            priority=outcome.priority,
            skills=tuple((skill, 1) for skill in outcome.skills),
        )
        self._mark_waiting(entry)
        self.bus.publish(
            CallQueued(call_uuid=self.call_uuid, queue=outcome.queue, priority=outcome.priority)
        )
        while True:
            music = rules.music or self.ivr.music
            self._wait = QueueWait(
                session, self.switch, self.dispatcher, queue=outcome.queue, rules=rules,
                can_leave=outcome.resume is not None or target is not None, music=music,
                media=io.media, average_handle=self.average_handle,
            )  # fmt: skip
            session.execute_async("playback", music)
            self.dispatcher.enqueue(entry, self)
            left = self._wait.run()
            self._wait = None
            if left is None:
                self._talk(io)  # until the caller is gone (or the post-call survey ends)
                return
            if left.reason == "callback" or (target and target.kind == "callback"):
                if self._offer_callback(io, entry, left):
                    return
                continue  # declined: back in line, in the same place
            break
        self._set_marks({"playback_terminators": "any", **ivr_marks(self.ivr.owner)})
        where = "flow" if outcome.resume is not None else str(target)
        self.bus.publish(
            QueueLeft(
                call_uuid=self.call_uuid, queue=outcome.queue, reason=left.reason, target=where,
                waited_seconds=round(left.waited_seconds, 3),
            )
        )  # fmt: skip
        if hops >= MAX_OVERFLOW_HOPS:
            self.log.warning("too many queue overflows; hanging up", hops=hops)
            io.hangup("NORMAL_CLEARING")
        elif outcome.resume is not None and self._runner is not None:
            self._carry_out(io, self._run(io, self._runner.flow, outcome.resume), hops + 1)
        elif target is not None:
            self._overflow(io, outcome, target, hops)

    def _mark_waiting(self: CallHandler, entry: WaitingCall) -> None:
        """Keys do not stop the music; and the channel carries what a restarted engine needs
        to take the caller back (engine/restart/readopt.py)."""
        self._set_marks({"playback_terminators": "none", **waiting_marks(entry, self.ivr.owner)})

    def _set_marks(self: CallHandler, marks: dict[str, str]) -> None:
        try:
            self.switch.api(commands.uuid_setvar_multi(self.call_uuid, marks))
        except SwitchError as exc:
            self.log.warning("could not set the caller's queue marks", error=str(exc))

    def _overflow(
        self, io: SessionCallIO, outcome: Outcome, target: OverflowTarget, hops: int
    ) -> None:
        if target.kind == "queue":
            moved = Outcome(
                "queue", queue=target.value, priority=outcome.priority, skills=outcome.skills
            )
            self._carry_out(io, moved, hops + 1)
        elif target.kind == "flow":
            try:
                flow = self.ivr.registry.get(target.value)
            except IvrError as exc:
                self.log.error("overflow flow unavailable; hanging up", error=str(exc))
                io.hangup("NORMAL_CLEARING")
                return
            self._carry_out(io, self._run(io, flow), hops + 1)
        elif target.kind == "voicemail":
            self._voicemail(io, target.value)
        elif target.kind == "transfer":
            self._carry_out(io, Outcome("transfer", destination=target.value), hops + 1)
        else:
            io.play(self.ivr.queue_closed_prompt)
            io.hangup("NORMAL_CLEARING")

    def _voicemail(self: CallHandler, io: SessionCallIO, mailbox: str) -> None:
        """Leave a message (it becomes a ticket, as the IVR's voicemail node), then hang up."""
        io.play(self.ivr.voicemail_prompt)
        io.play(BEEP)
        # filed as the IVR's voicemail node files its messages: <mailbox>/<date>/<call>-<node>
        folder = self.ivr.voicemail_dir / (mailbox or "general") / f"{self.clock():%Y/%m/%d}"
        path = folder / f"{self.call_uuid}-overflow.wav"
        recorded = io.record(str(path), max_seconds=120, silence_seconds=5)
        self.bus.publish(
            VoicemailRecorded(
                call_uuid=self.call_uuid, path=recorded.path,
                milliseconds=recorded.milliseconds, mailbox=mailbox,
            )
        )  # fmt: skip
        io.hangup("NORMAL_CLEARING")

    def _offer_callback(
        self: CallHandler, io: SessionCallIO, entry: WaitingCall, left: QueueExit
    ) -> bool:
        """Ask for a callback number; True when the caller took a callback (and is gone)."""
        if self.callbacks is None:
            return False
        self.session.execute("set", "playback_terminators=any")  # keys answer the prompts
        number = self.caller_number
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
            self.bus.publish(IvrInput(call_uuid=self.call_uuid, node="callback", value="declined"))
            self.session.execute("set", "playback_terminators=none")
            return False
        self.bus.publish(IvrInput(call_uuid=self.call_uuid, node="callback", value=number))
        self.called_back = True
        self.callbacks.request(entry, number)
        try:
            io.play("say:Thank you. We will call you back. Goodbye.")
        finally:
            io.hangup("NORMAL_CLEARING")
        return True
