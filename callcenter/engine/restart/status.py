"""The engine's own status in Redis, for operators: hash ``engine:<node_id>`` says which
process of the node runs (``pid``, ``process``, ``started_at``, ``state``) and, once it took
over what the last process left, when (``taken_over_at``) and how much (``callers``,
``callbacks``, ``talking``, ``ended_meanwhile``). Writing it is best effort: a Redis error is
logged, never raised - the status is a view, the engine runs without it.
"""

from __future__ import annotations

import os

from callcenter.engine.bus import utcnow
from callcenter.live.errors import LiveError
from callcenter.live.names import ENGINE_STATUS
from callcenter.live.store import Field, LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

TAKEOVER_COUNTS = ("callers", "callbacks", "talking", "ended_meanwhile")


class EngineStatus:
    """Writes one node's engine status hash."""

    def __init__(self, live: LiveStore, node: str, process_id: str) -> None:
        self.live = live
        self.node = node
        self.process_id = process_id

    def running(self) -> None:
        """This process runs; the last process's takeover and stop fields are cleared."""
        cleared: dict[str, Field] = dict.fromkeys(("taken_over_at", "stopped_at", *TAKEOVER_COUNTS))
        self._put(
            cleared | {
                "pid": os.getpid(), "process": self.process_id,
                "started_at": utcnow().isoformat(), "state": "running",
            }
        )  # fmt: skip

    def taken_over(self, **counts: int) -> None:
        """What the last process left is taken over: when, and the counts."""
        self._put({"taken_over_at": utcnow().isoformat(), **counts})

    def stopped(self) -> None:
        """This process stopped (a crash leaves ``running``: the pid tells)."""
        self._put({"state": "stopped", "stopped_at": utcnow().isoformat()})

    def _put(self, fields: dict[str, Field]) -> None:
        try:
            self.live.put(ENGINE_STATUS, self.node, fields)
        except LiveError as exc:
            log.warning("engine status not written to Redis", node=self.node, error=str(exc))
