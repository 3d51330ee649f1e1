"""Meters of a load run: the engine's memory and CPU from /proc, this process's event-loop lag."""

from __future__ import annotations

import time

import gevent

from benchmarks._common import cpu_seconds, memory_mb

__all__ = ["EngineMeter", "HubLag"]


class EngineMeter:
    """Samples the engine's RSS every second; CPU seconds on demand."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.rss_max = 0.0
        self.rss_samples: list[float] = []
        self._greenlet = gevent.spawn(self._sample)

    def _sample(self) -> None:
        while True:
            try:
                rss = memory_mb(self.pid)["VmRSS"]
            except (OSError, KeyError):
                return
            self.rss_samples.append(rss)
            self.rss_max = max(self.rss_max, rss)
            gevent.sleep(1.0)

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def memory(self) -> dict[str, float]:
        return memory_mb(self.pid)

    def stop(self) -> None:
        self._greenlet.kill(block=False)


class HubLag:
    """Largest oversleep of a 0.1 s timer in this process: the simulator stalling (overload)."""

    def __init__(self) -> None:
        self.max_lag = 0.0
        self._greenlet = gevent.spawn(self._run)

    def _run(self) -> None:
        while True:
            start = time.monotonic()
            gevent.sleep(0.1)
            self.max_lag = max(self.max_lag, time.monotonic() - start - 0.1)

    def stop(self) -> None:
        self._greenlet.kill(block=False)
