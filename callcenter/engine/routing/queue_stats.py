"""Recent handle times per queue, for the estimated wait a waiting caller is told."""

from __future__ import annotations

from collections import deque

from callcenter.acd.estimates import average_handle_seconds
from callcenter.engine.bus import Bus, CallAnswered, CallEnded, CallQueued

WINDOW = 50  # calls per queue the average is taken over


class QueueStats:
    """Bus consumer: the last :data:`WINDOW` talk times of each queue's answered calls."""

    def __init__(self, bus: Bus, default_handle_seconds: float = 180.0) -> None:
        self.default_handle_seconds = default_handle_seconds
        self._queue_of: dict[str, str] = {}
        self._answered_at: dict[str, object] = {}
        self._handle: dict[str, deque[float]] = {}
        bus.subscribe(CallQueued, self._queued)
        bus.subscribe(CallAnswered, self._answered)
        bus.subscribe(CallEnded, self._ended)

    def average_handle(self, queue: str) -> float:
        """Mean handle time of the queue's recent calls (the default before any)."""
        return average_handle_seconds(
            self._handle.get(queue, ()), self.default_handle_seconds, WINDOW
        )

    def add(self, queue: str, seconds: float) -> None:
        """Count one finished call of ``seconds`` for ``queue``."""
        self._handle.setdefault(queue, deque(maxlen=WINDOW)).append(seconds)

    def _queued(self, event: CallQueued) -> None:
        self._queue_of[event.call_uuid] = event.queue

    def _answered(self, event: CallAnswered) -> None:
        self._answered_at.setdefault(event.call_uuid, event.at)

    def _ended(self, event: CallEnded) -> None:
        queue = self._queue_of.pop(event.call_uuid, "")
        answered = self._answered_at.pop(event.call_uuid, None)
        if queue and answered is not None:
            self.add(queue, (event.at - answered).total_seconds())  # type: ignore[operator]
