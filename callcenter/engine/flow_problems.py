"""Flow problems for admins: the engine keeps hash ``flow-problems:<node_id>`` in Redis equal
to its flow registry's current problems (file, line, column, message, since), checking the
flows folder every ``ivr.reload_interval`` seconds; the console's admin page shows them.

Writing is best effort: a Redis error is logged and retried on the next check.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime

import gevent

from callcenter.engine.bus import utcnow
from callcenter.ivr.errors import Problem
from callcenter.ivr.registry import FlowRegistry
from callcenter.live.errors import LiveError
from callcenter.live.names import FLOW_PROBLEMS
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

__all__ = ["FlowProblemsBoard"]

log = get_logger(__name__)
MAX_ROWS = 500  # problems kept in Redis (the count says how many there are)


class FlowProblemsBoard:
    """Publishes one node's flow problems to Redis whenever they change."""

    def __init__(
        self,
        registry: FlowRegistry,
        live: LiveStore,
        node: str,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.registry = registry
        self.live = live
        self.node = node
        self.clock = clock
        self._since: dict[str, datetime] = {}  # file -> when it first had problems
        self._published: tuple[Problem, ...] | None = None

    def check(self) -> None:
        """Reload changed flow files if due, and publish the problems if they changed."""
        try:
            self.registry.refresh()
            problems = tuple(self.registry.all_problems)
        except Exception as exc:  # the registry guards its files; this is the last guard
            log.error("flow folder check failed", error=str(exc), exc_info=exc)
            return
        now = self.clock()
        self._since = {p.file: self._since.get(p.file, now) for p in problems}
        if problems == self._published:
            return
        rows = [
            {
                "file": p.file, "line": p.line, "column": p.column, "message": p.message,
                "since": self._since[p.file].isoformat(),
            }
            for p in problems[:MAX_ROWS]
        ]  # fmt: skip
        fields = {
            "problems": json.dumps(rows), "count": len(problems), "updated_at": now.isoformat()
        }  # fmt: skip
        try:
            self.live.put(FLOW_PROBLEMS, self.node, fields)
        except LiveError as exc:
            log.warning("flow problems not written to Redis", error=str(exc))
            return
        self._published = problems

    def run(self, interval: float) -> None:
        """Check every ``interval`` seconds (at least every half second) until killed."""
        while True:
            self.check()
            gevent.sleep(max(interval, 0.5))
