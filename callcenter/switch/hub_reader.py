"""Reading an ESL socket in the event loop's own callback: no greenlet parked on it.

A connection per call (the outbound socket) would otherwise keep a reader greenlet blocked in
``recv`` for the whole call, and a parked greenlet costs some 7 kB (its saved C stack and the
first page of its own Python frame stack): at thousands of calls, a good part of the engine's
memory. An io watcher costs a few dozen bytes; its callback runs in the hub, so what it calls
(frame routing: setting results, queueing for handlers) must never block - which the reader
path already promises (:mod:`callcenter.switch.handlers`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable

import gevent

from callcenter.switch.errors import NotConnected, SwitchError
from callcenter.switch.protocol import FrameParser

__all__ = ["HubReader"]

Take = Callable[[FrameParser, bytes], "SwitchError | None"]


class HubReader:
    """Feeds what arrives on ``sock`` to ``take`` from an io watcher; ``end(error)`` once the
    socket ends (or ``take`` returns an error)."""

    __slots__ = ("_fd", "_parser", "_take", "_end", "_watcher", "_size")

    def __init__(
        self, sock: socket.socket, take: Take, end: Callable[[SwitchError], None], size: int
    ) -> None:
        self._fd = sock.fileno()
        self._parser = FrameParser()
        self._take = take
        self._end = end
        self._size = size
        self._watcher = gevent.get_hub().loop.io(self._fd, 1)
        self._watcher.start(self._readable)

    def _readable(self) -> None:
        try:
            # The socket is non-blocking (gevent's): no data now is BlockingIOError
            data = os.read(self._fd, self._size)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            error: SwitchError | None = NotConnected(f"connection lost: {exc}")
        else:
            error = self._take(self._parser, data)
        if error is not None:
            self.stop()
            self._end(error)

    def stop(self) -> None:
        """Stop watching (before the socket is closed; again is harmless)."""
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
            watcher.close()
