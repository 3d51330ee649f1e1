"""The FreeSWITCH simulator in a thread of its own, for browser tests.

Playwright's sync API blocks the test's main thread while it waits for the page; the
simulator's greenlets must keep running meanwhile (answering the engine's ESL commands,
ringing the softphone), so they live on a gevent hub in a separate thread. The test asks
that thread to do things (place a call, add a softphone) with :meth:`SimThread.run`.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import gevent

from callcenter.sim import Switch
from tests.support.engine_process import EngineProcess, start_engine

T = TypeVar("T")

SIM_PASSWORD = "sim-secret-1"  # the simulator's ESL password in browser tests
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


@contextmanager
def engine_beside_simulator(
    tmp_path: Path,
    db: tuple[str, str, str],  # database url, redis url, redis prefix
    *,
    hotline: str,
    softphone: tuple[str, float],  # extension, seconds before it answers
    **settings: str,
) -> Iterator[tuple[SimThread, EngineProcess]]:
    """The simulator in its thread with one softphone, and an engine (child process) serving
    ``hotline``; both stopped on exit."""
    sim = SimThread(password=SIM_PASSWORD, time_scale=0.5)
    engine = None
    try:
        db_url, redis_url, redis_prefix = db
        engine = start_engine(
            tmp_path, esl_port=sim.port, esl_password=SIM_PASSWORD, db_url=db_url,
            redis_url=redis_url, redis_prefix=redis_prefix, **settings,
        )  # fmt: skip
        port = engine.outbound_port
        sim.run(lambda sw: sw.dialplan.__setitem__(hotline, f"127.0.0.1:{port} async full"))
        extension, answer_after = softphone
        sim.run(lambda sw: sw.add_softphone(extension, answer_after=answer_after))
        yield sim, engine
    finally:
        if engine is not None:
            engine.stop()
        sim.stop()
