"""A call's inbox: requests and events for the call's own greenlet, from anywhere."""

from __future__ import annotations

from typing import Any

import gevent.event
import gevent.queue

__all__ = ["Inbox"]


class Inbox:
    """First in, first out; any greenlet (or the event loop's callback) puts, only the call's
    greenlet gets. gevent's Queue does the same with three deques, some 2.5 kB per call - a
    list and an Event are a sixth of that."""

    __slots__ = ("_items", "_ready")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._ready = gevent.event.Event()

    def put(self, item: Any) -> None:
        """Add ``item`` (never blocks) and wake the reader."""
        self._items.append(item)
        self._ready.set()

    def get(self, timeout: float | None = None) -> Any:
        """The oldest item, waiting up to ``timeout`` s (None: for ever) for one to come;
        :class:`gevent.queue.Empty` if none came."""
        while not self._items:
            self._ready.clear()
            if not self._ready.wait(timeout):
                raise gevent.queue.Empty
        return self._items.pop(0)

    def get_nowait(self) -> Any:
        """The oldest item; :class:`gevent.queue.Empty` if there is none."""
        if not self._items:
            raise gevent.queue.Empty
        return self._items.pop(0)

    def empty(self) -> bool:
        """True when nothing waits to be read."""
        return not self._items
