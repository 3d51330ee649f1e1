"""Event handler table and dispatch: handlers never run on (or block) the socket reader.

Every registered handler is a :class:`Subscription` with its own queue and worker greenlet:

* ordered (the default): the worker calls the handler for one event at a time, in arrival
  order. A slow handler delays only its own queue, never other handlers or the reader.
* ``concurrent=True``: the worker hands each event to a greenlet from a bounded
  :class:`gevent.pool.Pool` (shared by the table), so one slow call does not hold up the next;
  when the pool is full only that handler's worker waits.
* ``inline=True``: no worker; the reader calls the handler itself, which must not block (a
  ``put`` on an unbounded queue). A parked worker greenlet keeps a copy of its C stack (some
  9 kB), which per call is worth saving.

The reader just appends to deques (no greenlet per event), which is what keeps ingest fast.
A handler that raises is logged with the event name and uuid and the worker carries on.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

import gevent
import gevent.event
import gevent.pool

from callcenter.logs import get_logger

__all__ = ["ALL", "DISCONNECT_NOTICE", "Handler", "HandlerTable", "Subscription"]

ALL = "*"
"""Key that receives every event (not notices)."""

DISCONNECT_NOTICE = "DISCONNECT_NOTICE"
"""Key whose handlers receive :class:`~callcenter.switch.connection.DisconnectNotice` s."""

Handler = Callable[[Any], object]

_STOP = object()
_BACKLOG_WARN = 10_000

log = get_logger("callcenter.switch.handlers")


def _describe(item: Any) -> dict[str, str]:
    name = getattr(item, "name", "") or type(item).__name__
    return {"event_name": name, "call_uuid": getattr(item, "uuid", "")}


class Subscription:
    """One handler bound to one key, with its own queue and worker greenlet."""

    __slots__ = (
        "key",
        "handler",
        "concurrent",
        "inline",
        "headers",
        "_pool",
        "_queue",
        "_wake",
        "_idle",
        "_worker",
        "_warned",
        "_closed",
    )

    def __init__(
        self,
        key: str,
        handler: Handler,
        concurrent: bool,
        pool: gevent.pool.Pool | None,
        inline: bool = False,
        headers: tuple[str, ...] | None = None,
    ) -> None:
        self.key = key
        self.headers = headers  # queued events keep only these (see HandlerTable.add)
        self.handler = handler
        self.concurrent = concurrent
        self.inline = inline
        self._pool = pool
        # Made with the worker, at the first event: most per-call subscriptions never get one
        self._queue: deque[Any] | None = None
        self._wake: gevent.event.Event | None = None
        self._idle = True
        self._worker: gevent.Greenlet | None = None
        self._warned = False
        self._closed = False

    def push(self, item: Any) -> None:
        """Queue one event for the handler (never blocks)."""
        if self._closed:
            return
        if self.inline:
            self._call(item)
            return
        if self.headers is not None and hasattr(item, "only"):
            item = item.only(self.headers)
        queue = self._queue
        if queue is None:
            queue = self._queue = deque()
            self._wake = gevent.event.Event()
        queue.append(item)
        if self._worker is None:
            self._worker = gevent.spawn(self._run, queue, self._wake)
        elif self._idle:
            self._wake.set()  # type: ignore[union-attr]
        if len(queue) > _BACKLOG_WARN and not self._warned:
            self._warned = True
            log.warning("esl handler is falling behind", key=self.key, backlog=len(queue))

    @property
    def backlog(self) -> int:
        """Events queued and not yet handed to the handler."""
        return len(self._queue) if self._queue is not None else 0

    def close(self) -> None:
        """Stop after the events already queued have been handled."""
        if self._closed:
            return
        if not self.inline:
            self.push(_STOP)
        self._closed = True

    def kill(self) -> None:
        """Stop at once, dropping queued events."""
        self._closed = True
        if self._queue is not None:
            self._queue.clear()
        if self._worker is not None:
            self._worker.kill(block=False)

    def join(self, timeout: float | None = None) -> None:
        """Wait for the worker to finish (after :meth:`close`)."""
        if self._worker is not None:
            self._worker.join(timeout)

    def _run(self, queue: deque[Any], wake: gevent.event.Event) -> None:
        call = self._call
        while True:
            while queue:
                item = queue.popleft()
                if item is _STOP:
                    return
                if self.concurrent:
                    self._pool.spawn(call, item)  # type: ignore[union-attr]
                else:
                    call(item)
            self._idle = True
            wake.clear()
            wake.wait()
            self._idle = False

    def _call(self, item: Any) -> None:
        try:
            self.handler(item)
        except gevent.GreenletExit:
            raise
        except Exception:
            try:
                log.exception("esl event handler raised", key=self.key, **_describe(item))
            except Exception:  # never let logging end the worker
                pass


class HandlerTable:
    """Handlers by key: an event name, a CUSTOM subclass, ``'*'`` or ``DISCONNECT_NOTICE``.

    One table may outlive several connections (the reconnecting supervisor shares one), so
    ordered handlers keep their order across a reconnect.
    """

    def __init__(self, max_concurrent: int = 100) -> None:
        self._max_concurrent = max_concurrent
        self._pool: gevent.pool.Pool | None = None  # made for the first concurrent handler
        self._by_key: dict[str, list[Subscription]] = {}
        self._all: list[Subscription] = []

    @property
    def pool(self) -> gevent.pool.Pool:
        """The greenlet pool the concurrent handlers share."""
        if self._pool is None:
            self._pool = gevent.pool.Pool(self._max_concurrent)
        return self._pool

    def add(
        self,
        key: str,
        handler: Handler,
        *,
        concurrent: bool = False,
        inline: bool = False,
        headers: tuple[str, ...] | None = None,
    ) -> Subscription:
        """Register ``handler`` for ``key``; ``'CUSTOM x::y'`` and ``'x::y'`` are the same.

        ``inline``: called by the reader itself (it must not block; see the module docstring).
        ``headers``: the handler reads only these, so a queued event keeps only them - the
        whole channel (~150 headers) of every call's CHANNEL_HANGUP_COMPLETE would otherwise
        wait in the queue when thousands of calls end at once.
        """
        if key.startswith("CUSTOM "):
            key = key[7:].strip()
        pool = self.pool if concurrent else None
        sub = Subscription(key, handler, concurrent, pool, inline, headers)
        if key == ALL:
            self._all = [*self._all, sub]
        else:
            self._by_key[key] = [*self._by_key.get(key, ()), sub]
        return sub

    def remove(self, sub: Subscription) -> None:
        """Unregister a subscription; events already queued for it are still handled."""
        if sub.key == ALL:
            self._all = [s for s in self._all if s is not sub]
        else:
            rest = [s for s in self._by_key.get(sub.key, ()) if s is not sub]
            if rest:
                self._by_key[sub.key] = rest
            else:
                self._by_key.pop(sub.key, None)
        sub.close()

    def dispatch(self, event: Any) -> None:
        """Queue an event for every matching handler (called by the reader; never blocks)."""
        name = event.headers.get("Event-Name", "")
        by_key = self._by_key
        subs = by_key.get(name)
        if subs:
            for sub in subs:
                sub.push(event)
        if name == "CUSTOM":
            subs = by_key.get(event.headers.get("Event-Subclass", ""))
            if subs:
                for sub in subs:
                    sub.push(event)
        for sub in self._all:
            sub.push(event)

    def dispatch_notice(self, notice: Any) -> None:
        """Queue a disconnect notice for the ``DISCONNECT_NOTICE`` handlers."""
        for sub in self._by_key.get(DISCONNECT_NOTICE, ()):
            sub.push(notice)

    def subscriptions(self) -> list[Subscription]:
        """Every registered subscription."""
        return [*self._all, *(s for subs in self._by_key.values() for s in subs)]

    def close(self, timeout: float | None = 1.0) -> None:
        """Let every worker finish its queue, then stop it (kill after ``timeout``)."""
        subs = self.subscriptions()
        self._by_key.clear()
        self._all = []
        for sub in subs:
            sub.close()
        workers = [sub._worker for sub in subs if sub._worker is not None]
        gevent.joinall(workers, timeout=timeout)
        for sub in subs:
            sub.kill()
