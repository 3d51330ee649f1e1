"""Figures that are not on the bus, taken where they happen: ESL commands and events,
Redis and SQL errors (each through its owner's public hook)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine as SqlEngine
from sqlalchemy import event as sql_event

from callcenter.engine.metrics.figures import Figures
from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore
from callcenter.switch.protocol import Event
from callcenter.switch.supervisor import ReconnectingInbound
from callcenter.switch.timing import observe_commands


class Hooks:
    """Installs the hooks that feed ``figures``; :meth:`remove` takes them out again."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures
        self._removers: list[Callable[[], None]] = []

    def watch_esl(self, inbound: ReconnectingInbound) -> None:
        """Time every ESL command (any connection) and each inbound event's way here."""
        self._removers.append(observe_commands(self._command_done))
        subscription = inbound.on("*", self._event, inline=True)  # never blocks
        self._removers.append(lambda: inbound.off(subscription))

    def watch_redis(self, live: LiveStore) -> None:
        """Count the failed operations of ``live``."""
        live.error_hooks.append(self._redis_failed)
        self._removers.append(lambda: live.error_hooks.remove(self._redis_failed))

    def watch_sql(self, engine: SqlEngine) -> None:
        """Count the statements and connections of ``engine`` that failed."""
        sql_event.listen(engine, "handle_error", self._sql_failed)
        self._removers.append(lambda: sql_event.remove(engine, "handle_error", self._sql_failed))

    def remove(self) -> None:
        """Uninstall every hook."""
        removers, self._removers = self._removers, []
        for remove in removers:
            remove()

    def _command_done(self, verb: str, seconds: float) -> None:
        self.figures.esl_command_seconds.labels(verb).observe(seconds)

    def _event(self, event: Event) -> None:
        stamp = event.headers.get("Event-Date-Timestamp", "")
        if stamp.isdigit():  # microseconds since the epoch, FreeSWITCH's clock
            lag = time.time() - int(stamp) / 1_000_000
            self.figures.esl_event_lag_seconds.observe(max(0.0, lag))

    def _redis_failed(self, error: LiveError) -> None:
        self.figures.redis_errors.inc()

    def _sql_failed(self, context: Any) -> None:
        self.figures.sql_errors.inc()
