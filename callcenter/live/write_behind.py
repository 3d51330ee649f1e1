"""``WriteBehind``: Redis writes nobody waits for, sent together in one round trip.

A call's bus event makes several writes (its open record for a restart, its live hash and
the wallboard message), and events come in bursts: while one greenlet runs, other calls'
events wait in the hub. Writes asked for here are queued and go in one pipeline as soon as
the running greenlets yield - in the order asked, so a hash written then removed is gone.
Nothing reads them back in the meantime: the open records are read after a restart, the
call hashes by the console.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import gevent

from callcenter.live.errors import LiveError
from callcenter.live.messages import encode
from callcenter.live.store import Field, LiveStore
from callcenter.logs import get_logger

__all__ = ["WriteBehind"]

log = get_logger(__name__)

Op = Callable[[Any], None]  # queues its commands on a redis-py pipeline
Failed = Callable[[LiveError], None]


class WriteBehind:
    """Queues ``LiveStore`` writes and sends them in one pipeline once the greenlets yield."""

    def __init__(self, live: LiveStore) -> None:
        self.live = live
        self._ops: list[tuple[Op, Failed | None]] = []
        self._latest: set[tuple[str, str | int]] = set()  # put_latest hashes waiting
        self._sender: gevent.Greenlet | None = None

    def put(
        self,
        kind: str,
        id: str | int,
        fields: Mapping[str, Field],
        publish: Mapping[str, Any] | None = None,
        failed: Failed | None = None,
        *,
        index: bool = True,
    ) -> None:
        """:meth:`LiveStore.put`, sent later; ``failed(error)`` if Redis refuses it;
        ``index=False``: the id is in the index already."""
        fields = dict(fields)  # as it is now: the caller may change its dict meanwhile
        published: dict[str, str] = {}
        last, text = None, ""
        for channel, data in (publish or {}).items():
            if data is not last:  # a message sent on several channels is encoded once
                last, text = data, encode(data)
            published[channel] = text
        self._queue(lambda pipe: self._put(pipe, kind, id, fields, published, index), failed)

    def put_latest(
        self,
        kind: str,
        id: str | int,
        fields: Callable[[], Mapping[str, Field]],
        failed: Failed | None = None,
        *,
        index: bool = True,
    ) -> None:
        """Set the ``kind`` hash ``id`` to ``fields()`` as it is when sent: several of these
        for one hash before it is sent make one write (e.g. a call's open record)."""
        if (kind, id) in self._latest:
            return  # the waiting write reads the newest value when it goes
        self._latest.add((kind, id))
        self._queue(lambda pipe: self.live.put_on(pipe, kind, id, fields(), index=index), failed)

    def remove(self, kind: str, id: str | int, failed: Failed | None = None) -> None:
        """:meth:`LiveStore.remove`, sent later."""
        self._latest.discard((kind, id))  # a write after this one goes after it
        self._queue(lambda pipe: self.live.remove_on(pipe, kind, id), failed)

    def publish(self, channel: str, data: Any, failed: Failed | None = None) -> None:
        """:meth:`LiveStore.publish`, sent later."""
        text = encode(data)
        self._queue(lambda pipe: pipe.publish(self.live.key(channel), text), failed)

    def pending(self) -> int:
        """How many writes wait to be sent."""
        return len(self._ops)

    def flush(self) -> None:
        """Send what waits, now, in this greenlet (also what a stopping engine calls)."""
        ops, self._ops = self._ops, []
        self._latest.clear()  # their values are taken now: a new change is a new write
        if not ops:
            return
        try:
            with self.live.guard():
                pipe = self.live.redis.pipeline(transaction=False)
                for op, _failed in ops:
                    op(pipe)
                pipe.execute()
        except LiveError as exc:
            log.warning("live writes not sent", writes=len(ops), error=str(exc))
            for _op, failed in ops:
                if failed is not None:
                    failed(exc)

    def _queue(self, op: Op, failed: Failed | None) -> None:
        self._ops.append((op, failed))
        if self._sender is None:
            self._sender = gevent.spawn(self._send)

    def _send(self) -> None:
        try:
            self.flush()
        finally:
            self._sender = None
            if self._ops:  # asked for while this pipeline was on its way
                self._sender = gevent.spawn(self._send)

    def _put(
        self,
        pipe: Any,
        kind: str,
        id: str | int,
        fields: dict[str, Field],
        publish: dict[str, str],
        index: bool,
    ) -> None:
        self.live.put_on(pipe, kind, id, fields, index=index)
        for channel, text in publish.items():
            pipe.publish(self.live.key(channel), text)
