"""Waiting lines kept in routing order, so dispatch and announcements never sort the queue."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator

from callcenter.acd.routing import WaitingCall

__all__ = ["WaitingLine"]


class WaitingLine:
    """Callers per queue, ordered by :meth:`WaitingCall.sort_key` (priority, then arrival).

    Join and leave cost O(log n) to find plus a memmove; the head, the order and a caller's
    position need no sort. A re-queued caller keeps its place (its ``enqueued_at``).
    """

    def __init__(self, calls: Iterable[WaitingCall] = ()) -> None:
        self._keys: dict[str, list[tuple]] = {}
        self._calls: dict[str, list[WaitingCall]] = {}
        self._by_uuid: dict[str, WaitingCall] = {}
        for call in calls:
            self.join(call)

    def __len__(self) -> int:
        return len(self._by_uuid)

    def __contains__(self, call_uuid: object) -> bool:
        return call_uuid in self._by_uuid

    def get(self, call_uuid: str) -> WaitingCall | None:
        """The waiting caller with ``call_uuid``, if any."""
        return self._by_uuid.get(call_uuid)

    def join(self, call: WaitingCall) -> None:
        """Add (or replace) a caller in its queue's line."""
        if call.call_uuid in self._by_uuid:
            self.leave(call.call_uuid)
        keys = self._keys.setdefault(call.queue, [])
        index = bisect.bisect_left(keys, call.sort_key())
        keys.insert(index, call.sort_key())
        self._calls.setdefault(call.queue, []).insert(index, call)
        self._by_uuid[call.call_uuid] = call

    def leave(self, call_uuid: str) -> WaitingCall | None:
        """Take a caller out (answered, abandoned, overflowed); the caller, or None."""
        call = self._by_uuid.pop(call_uuid, None)
        if call is None:
            return None
        keys = self._keys[call.queue]
        index = bisect.bisect_left(keys, call.sort_key())
        del keys[index]
        del self._calls[call.queue][index]
        return call

    def calls(self, queue: str) -> Iterator[WaitingCall]:
        """The callers of ``queue``, head first."""
        return iter(self._calls.get(queue, ()))

    def head(self, queue: str) -> WaitingCall | None:
        """The caller at the head of ``queue``."""
        calls = self._calls.get(queue)
        return calls[0] if calls else None

    def position(self, call_uuid: str) -> int | None:
        """1-based place of a caller in its queue, None if not waiting."""
        call = self._by_uuid.get(call_uuid)
        if call is None:
            return None
        return bisect.bisect_left(self._keys[call.queue], call.sort_key()) + 1

    def size(self, queue: str) -> int:
        """How many callers wait in ``queue``."""
        return len(self._calls.get(queue, ()))

    def queues(self) -> list[str]:
        """Queues with at least one caller."""
        return [queue for queue, calls in self._calls.items() if calls]
