"""Queued callbacks: the caller hangs up but keeps the place in line; the agent calls back.

When the callback's turn comes the dispatcher reserves and rings an agent as for any caller;
once the agent answers, :meth:`QueuedCallback.connect_agent` dials the customer (the configured
dial string, ``routing.outbound_caller_id``) and bridges the two legs. The customer leg takes
the original call's uuid (that channel is long gone), so the callback is the same call to the
rest of the engine: one call record with the whole story, the recording under the call's uuid,
hold / transfer / DTMF through the CTI like any call. An unanswered customer is dialled again
after ``routing.callback_retry_seconds``, up to ``routing.callback_attempts`` times, keeping
the place in line; every attempt is a :class:`CallbackAttempted` event on the record.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import gevent

from callcenter.acd.agents import Agent
from callcenter.acd.refusals import told
from callcenter.acd.routing import WaitingCall
from callcenter.config import RoutingSettings
from callcenter.engine.bus import Bus, CallEnded, utcnow
from callcenter.engine.calls.bridge import bridge_to_agent
from callcenter.engine.calls.live_calls import LiveCalls
from callcenter.engine.cti.actions import dial_customer
from callcenter.engine.media.recording_start import recording_path
from callcenter.engine.routing.callback_store import PendingCallbacks
from callcenter.engine.routing.dispatcher import Dispatcher
from callcenter.engine.routing.events import CallbackAttempted, CallbackRequested
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError
from callcenter.switch.protocol import LEG_END_HEADERS

log = get_logger(__name__)

RETRY_CAUSES = frozenset(
    {"NO_ANSWER", "USER_BUSY", "NO_USER_RESPONSE", "ORIGINATOR_CANCEL", "CALL_REJECTED",
     "RECOVERY_ON_TIMER_EXPIRE", "NORMAL_TEMPORARY_FAILURE"}
)  # fmt: skip


class QueuedCallback:
    """One callback waiting for its turn (the dispatcher's offer target)."""

    def __init__(self, callbacks: Callbacks, entry: WaitingCall, number: str) -> None:
        self.callbacks = callbacks
        self.entry = entry
        self.call_uuid = entry.call_uuid
        self.caller_number = number
        self.agent_id = ""
        self.agent_leg = ""
        self.recording = ""
        self.attempts = 0
        self.connected = False
        self.ended = False

    def is_gone(self) -> bool:
        """Whether the callback is over (answered and hung up, or given up)."""
        return self.ended

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """The agent answered: dial the customer and bridge (False: not reached this time)."""
        return self.callbacks.connect(self, agent, agent_leg_uuid)


class Callbacks:
    """The engine's queued callbacks, by call uuid."""

    def __init__(
        self,
        *,
        switch: Any,
        bus: Bus,
        dispatcher: Dispatcher,
        routing: RoutingSettings,
        recordings: Path,
        tell: Callable[[str, dict], None],
        clock: Callable[[], datetime] = utcnow,
        pending: PendingCallbacks | None = None,
        live_calls: LiveCalls,
    ) -> None:
        self.switch = switch
        self.bus = bus
        self.dispatcher = dispatcher
        self.routing = routing
        self.recordings = recordings
        self.tell = tell
        self.clock = clock
        self.calls = live_calls.view(QueuedCallback)
        self.pending = pending  # kept in Redis until connected or given up (restarts)
        switch.on("CHANNEL_HANGUP_COMPLETE", self._on_hangup, headers=LEG_END_HEADERS)

    def request(self, entry: WaitingCall, number: str) -> QueuedCallback:
        """Put a callback in line in the caller's place (same queue, priority, enqueue time)."""
        callback = QueuedCallback(self, entry, number)
        self.calls[entry.call_uuid] = callback
        self.bus.publish(
            CallbackRequested(call_uuid=entry.call_uuid, queue=entry.queue, number=number)
        )
        self._keep(callback)
        self.dispatcher.enqueue(entry, callback)
        return callback

    def restore(self, adopt_record: Callable[[str], object]) -> int:
        """After a restart: the callbacks an earlier process of this node left pending go
        back in line at their places, under their records; how many."""
        if self.pending is None:
            return 0
        restored = self.pending.mine()
        for kept in restored:
            adopt_record(kept.entry.call_uuid)
            callback = QueuedCallback(self, kept.entry, kept.number)
            callback.attempts = kept.attempts
            self.calls[kept.entry.call_uuid] = callback
            self.dispatcher.enqueue(kept.entry, callback)
            log.info("pending callback taken back", call_uuid=kept.entry.call_uuid)
        return len(restored)

    def _keep(self, callback: QueuedCallback) -> None:
        if self.pending is not None:
            self.pending.save(callback.entry, callback.caller_number, callback.attempts)

    # -- one attempt --------------------------------------------------------------------------

    def connect(self, callback: QueuedCallback, agent: Agent, agent_leg: str) -> bool:
        """Dial the customer for the agent on ``agent_leg``; bridge when answered."""
        callback.attempts += 1
        self.tell(agent.agent_id, {"callback": callback.call_uuid,
                                   "number": callback.caller_number})  # fmt: skip
        result = dial_customer(
            self.switch, self.routing, callback.caller_number, callback.call_uuid, agent,
            "callback",
        )  # fmt: skip
        if result == "+OK":
            try:
                path = None if callback.recording else self._recording_path(callback)
                started = bridge_to_agent(self.switch, self.bus, callback, agent.agent_id,
                                          agent_leg, record_to=path, break_media=False)  # fmt: skip
            except SwitchError as exc:
                log.warning("callback bridge failed", call_uuid=callback.call_uuid, error=str(exc))
                self.switch.api(commands.uuid_kill(callback.call_uuid), check=False)
                result = "SWITCH_ERROR"
            else:
                callback.connected = True
                callback.recording = callback.recording or started
                self._attempted(callback, agent, "answered")
                if self.pending is not None:  # a call in progress now (engine/restart/takeover.py)
                    self.pending.drop(callback.call_uuid)
                return True
        retry = result in RETRY_CAUSES and callback.attempts < self.routing.callback_attempts
        outcome = "no_answer" if result in RETRY_CAUSES else "failed"
        self._attempted(callback, agent, outcome, result)
        self.tell(
            agent.agent_id,
            told("party_no_answer", "callback", number=callback.caller_number, cause=result),
        )
        if retry:
            self._keep(callback)  # the attempts so far
            gevent.spawn_later(self.routing.callback_retry_seconds, self._again, callback)
        else:
            self._end(callback, result, "system")
        return False

    def _again(self, callback: QueuedCallback) -> None:
        if not callback.ended:
            self.dispatcher.enqueue(callback.entry, callback)

    def _attempted(
        self, callback: QueuedCallback, agent: Agent, outcome: str, cause: str = ""
    ) -> None:
        self.bus.publish(
            CallbackAttempted(
                call_uuid=callback.call_uuid,
                agent_id=agent.agent_id,
                number=callback.caller_number,
                attempt=callback.attempts,
                outcome=outcome,
                cause=cause,
            )
        )

    def _recording_path(self, callback: QueuedCallback) -> Path:
        """Where the callback's stereo recording goes (customer left, agent right)."""
        return recording_path(self.recordings, callback.call_uuid, self.clock())

    # -- the end ------------------------------------------------------------------------------

    def _end(self, callback: QueuedCallback, cause: str, hangup_by: str) -> None:
        if callback.ended:
            return
        callback.ended = True
        self.calls.pop(callback.call_uuid, None)
        if self.pending is not None:
            self.pending.drop(callback.call_uuid)
        self.dispatcher.leave(callback.call_uuid)
        self.bus.publish(
            CallEnded(call_uuid=callback.call_uuid, hangup_cause=cause, hangup_by=hangup_by)
        )

    def _on_hangup(self, event: Any) -> None:
        callback = self.calls.get(event.uuid)
        if callback is None or not callback.connected:
            return  # the caller's first leg, or an attempt still being decided
        hangup_by = "caller" if event.far_end_hung_up else "agent"
        self._end(callback, event.get("Hangup-Cause") or "", hangup_by)
