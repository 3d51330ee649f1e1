"""A caller waiting in a queue: music, position / wait announcements, and the ways out.

Runs in the call's greenlet while the dispatcher looks for an agent. The caller hears the
queue's music; every ``announce_interval_seconds`` the music is broken for the place in line
and the estimated wait (spoken with FreeSWITCH's TTS, after the queue's ``announce_sound``).
Keys reach us as DTMF events (the ``playback`` app takes them off the channel). The wait ends
when an agent is connected, the caller hangs up, or the caller leaves the line:

* ``max_wait`` - waited ``max_wait_seconds`` (only when there is somewhere to go),
* ``no_agent`` - nobody signed in to the queue for ``max_wait_no_agent_seconds``,
* ``exit_key`` - pressed the queue's exit key,
* ``callback`` - pressed the queue's callback key (a callback keeps the place in line).

A caller is taken out of line only if no agent has answered for it yet (an offer that is
being bridged wins over a timer or a key).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import gevent
import gevent.queue

from callcenter.acd.estimates import announced_minutes, estimated_wait_seconds
from callcenter.logs import CallLog, get_logger
from callcenter.switch import commands
from callcenter.switch.errors import SessionGone, SwitchError
from callcenter.switch.outbound import OutboundSession

if TYPE_CHECKING:
    from callcenter.engine.calls.inbox import Inbox

log = get_logger(__name__)

NO_AGENT_CHECK_SECONDS = 5.0  # how often a queue's staffing is looked at while nobody is late
_GONE = object()  # the caller hung up (keys are str; anything else goes to ``serve``)


@dataclass(frozen=True)
class WaitRules:
    """How a queue treats its waiting callers (from the queue's SQL row)."""

    max_wait_seconds: float = 0.0  # 0: no limit
    max_wait_no_agent_seconds: float = 0.0  # 0: wait even when nobody is signed in
    overflow_target: str = ""
    announce_position: bool = False
    announce_wait_time: bool = False
    announce_interval_seconds: float = 60.0
    announce_sound: str = ""
    exit_key: str = ""
    callback_key: str = ""
    music: str = ""  # empty: the engine's default music


@dataclass(frozen=True)
class QueueExit:
    """Why a caller left the line without an agent (``max_wait``, ``no_agent``, ...)."""

    reason: str
    waited_seconds: float = 0.0


class WaitingLineView(Protocol):
    """What the wait needs from the dispatcher."""

    def position(self, call_uuid: str) -> int | None:
        """1-based place in line (None while being offered)."""

    def staff(self, queue: str) -> tuple[int, int, int]:
        """Agents of ``queue``: signed in, on duty (not not_ready), available."""

    def withdraw(self, call_uuid: str) -> bool:
        """Take the caller out of line; False if an agent already answered for it."""


class SwitchApi(Protocol):
    """The api calls the wait makes."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


def announcement(position: int | None, minutes: int | None) -> str:
    """The sentence a waiting caller hears ('' when there is nothing to say)."""
    parts = []
    if position is not None:
        parts.append(f"You are number {position} in line.")
    if minutes is not None:
        unit = "minute" if minutes == 1 else "minutes"
        parts.append(f"Your estimated wait time is about {minutes} {unit}.")
    return " ".join(parts)


class QueueWait:
    """One caller's time in line (create per enqueue; :meth:`run` until connected or out)."""

    def __init__(
        self,
        session: OutboundSession,
        switch: SwitchApi,
        line: WaitingLineView,
        *,
        queue: str,
        rules: WaitRules,
        can_leave: bool,
        music: str,
        media: Callable[[str], tuple[str, str]],
        average_handle: Callable[[str], float],
        inbox: Inbox,
        serve: Callable[[Any], bool],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.session = session
        self.switch = switch
        self.line = line
        self.queue = queue
        self.rules = rules
        self.can_leave = can_leave  # somewhere to go: the flow's next node or an overflow
        self.music = rules.music or music
        self.media = media
        self.average_handle = average_handle
        self.monotonic = monotonic
        self._inbox = inbox  # the call's: keys, the caller gone, connect requests
        self.serve = serve  # carries out a connect request; True once bridged
        self.log = CallLog(log, call_uuid=session.uuid, queue=queue)

    def run(self) -> QueueExit | None:
        """Wait; None once an agent is connected or the caller is gone, else the exit."""
        # Both on the session's reader (no greenlet parked per waiting caller)
        subscription = self.session.on("DTMF", self._on_dtmf, inline=True)
        cancel = self.session.when_gone(lambda: self._inbox.put(_GONE))
        try:
            return self._wait()
        finally:
            self.session.off(subscription)
            cancel()

    # -- the loop -----------------------------------------------------------------------------

    def _wait(self) -> QueueExit | None:
        rules, start = self.rules, self.monotonic()
        announcing = rules.announce_position or rules.announce_wait_time
        interval = max(rules.announce_interval_seconds, 1.0)
        next_announce = start + interval if announcing else math.inf
        deadline = start + rules.max_wait_seconds if rules.max_wait_seconds > 0 else math.inf
        nobody_since: float | None = None
        while not self.session.gone:
            now = self.monotonic()
            reason = ""
            if self.can_leave and now >= deadline:
                reason = "max_wait"
            elif self.can_leave and rules.max_wait_no_agent_seconds > 0:
                if self.line.staff(self.queue)[0] == 0:
                    nobody_since = now if nobody_since is None else nobody_since
                    if now - nobody_since >= rules.max_wait_no_agent_seconds:
                        reason = "no_agent"
                else:
                    nobody_since = None
            if reason and (exit_ := self._leave(reason, now - start)):
                return exit_
            if now >= next_announce:
                self._announce()
                next_announce = now + interval
            wake = [next_announce]
            if self.can_leave:
                wake.append(deadline)
            if self.can_leave and rules.max_wait_no_agent_seconds > 0:
                wake.append(
                    nobody_since + rules.max_wait_no_agent_seconds
                    if nobody_since is not None
                    else now + NO_AGENT_CHECK_SECONDS
                )
            soonest = min(wake)
            try:
                item = self._inbox.get(
                    timeout=None if soonest == math.inf else max(0.05, soonest - now)
                )
            except gevent.queue.Empty:
                continue
            if item is _GONE:
                return None
            if not isinstance(item, str):  # e.g. an agent answered: the call bridges it here
                if self.serve(item):
                    return None
                if getattr(item, "taken", False):  # the bridge failed after the music stopped
                    self._resume_music()
                continue
            key_exit = self._on_key(item, self.monotonic() - start)
            if key_exit is not None:
                return key_exit
        return None

    def _resume_music(self) -> None:
        try:
            self.session.execute_async("playback", self.music)
        except (SessionGone, SwitchError) as exc:
            self.log.warning("could not restart the music", error=str(exc))

    def _on_key(self, key: str, waited: float) -> QueueExit | None:
        if key and key == self.rules.callback_key:
            return self._leave("callback", waited)
        if key and key == self.rules.exit_key and self.can_leave:
            return self._leave("exit_key", waited)
        return None

    def _leave(self, reason: str, waited: float) -> QueueExit | None:
        """Out of line (unless an agent answered meanwhile); stop the music."""
        if not self.line.withdraw(self.session.uuid):
            self.log.info("exit ignored: an agent is being connected", reason=reason)
            return None
        try:
            self.switch.api(commands.uuid_break(self.session.uuid, all_queued=True))
        except SwitchError as exc:
            self.log.warning("could not stop the music", error=str(exc))
        self.log.info("caller left the queue", reason=reason, waited=round(waited, 1))
        return QueueExit(reason, waited)

    def _on_dtmf(self, event: object) -> None:
        digit = getattr(event, "get", lambda *_: "")("DTMF-Digit", "") or ""
        if digit:
            self._inbox.put(digit)

    # -- announcements ------------------------------------------------------------------------

    def _announce(self) -> None:
        position = self.line.position(self.session.uuid)
        if position is None:  # an agent is being rung for this caller right now
            return
        _signed_in, on_duty, free = self.line.staff(self.queue)
        seconds = estimated_wait_seconds(
            position, on_duty, self.average_handle(self.queue), agents_free=free
        )
        text = announcement(
            position if self.rules.announce_position else None,
            announced_minutes(seconds) if self.rules.announce_wait_time else None,
        )
        if not text:
            return
        try:
            # Queued behind the music; breaking the music (not the queue) starts them.
            if self.rules.announce_sound:
                self.session.execute_async(*self.media(self.rules.announce_sound))
            self.session.execute_async(*self.media(f"say:{text}"))
            self.session.execute_async("playback", self.music)
            self.switch.api(commands.uuid_break(self.session.uuid))
        except SessionGone:
            return
        except SwitchError as exc:
            self.log.warning("position announcement failed", error=str(exc))
