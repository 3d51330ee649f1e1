"""The FreeSWITCH simulator in a thread of its own, for browser tests.

Playwright's sync API blocks the test's main thread while it waits for the page; the
simulator's greenlets must keep running meanwhile (answering the engine's ESL commands,
ringing the softphone), so they live on a gevent hub in a separate thread. The test asks
that thread to do things (place a call, add a softphone) with :meth:`SimThread.run`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import gevent

from callcenter.sim import Switch

T = TypeVar("T")

POLL_SECONDS = 0.02  # how often the simulator thread looks for work from the test


class SimThread:
    """A started :class:`Switch` owned by a daemon thread; ``run`` executes code there."""

    def __init__(self, **switch_options: Any) -> None:
        self._options = switch_options
        self._work: queue.Queue[tuple[Callable[[Switch], Any], list[Any], threading.Event]] = (
            queue.Queue()
        )
        self._stopping = threading.Event()
        self._started = threading.Event()
        self._error: BaseException | None = None
        self.port = 0
        self._thread = threading.Thread(target=self._main, name="sim", daemon=True)
        self._thread.start()
        if not self._started.wait(20):
            raise AssertionError("the simulator thread did not start")
        if self._error is not None:
            raise self._error

    def _main(self) -> None:
        try:
            switch = Switch(**self._options).start()
        except BaseException as exc:  # reported to the constructor
            self._error = exc
            self._started.set()
            return
        self.port = switch.port
        self._started.set()
        try:
            while not self._stopping.is_set():
                try:
                    work, box, done = self._work.get_nowait()
                except queue.Empty:
                    gevent.sleep(POLL_SECONDS)
                    continue
                try:
                    box.append(work(switch))
                except BaseException as exc:  # handed back to the caller
                    box.append(exc)
                done.set()
        finally:
            switch.stop()

    def run(self, work: Callable[[Switch], T], timeout: float = 20.0) -> T:
        """Run ``work(switch)`` in the simulator's thread and return its result."""
        box: list[Any] = []
        done = threading.Event()
        self._work.put((work, box, done))
        if not done.wait(timeout):
            raise AssertionError("the simulator thread did not answer")
        if isinstance(box[0], BaseException):
            raise box[0]
        return box[0]

    def stop(self) -> None:
        """Hang up everything, stop the switch and the thread."""
        self._stopping.set()
        self._thread.join(15)
