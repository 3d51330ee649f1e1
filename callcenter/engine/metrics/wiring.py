"""Builds the engine's monitoring from the engine's parts; started and stopped with it."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry
from sqlalchemy.orm import Session, sessionmaker

from callcenter.acd.agents import Agent
from callcenter.acd.routing import WaitingCall
from callcenter.engine.bus import Bus
from callcenter.engine.metrics.calls import CallFigures
from callcenter.engine.metrics.figures import Figures
from callcenter.engine.metrics.health import Health
from callcenter.engine.metrics.hooks import Hooks
from callcenter.engine.metrics.live_state import LiveStateCollector
from callcenter.engine.metrics.server import MetricsServer
from callcenter.live.store import LiveStore
from callcenter.settings.metrics import MetricsSettings
from callcenter.switch.supervisor import ReconnectingInbound


class EngineMetrics:
    """The figures, the health checks and the /metrics + /healthz listener of one engine."""

    def __init__(
        self,
        settings: MetricsSettings,
        *,
        bus: Bus,
        inbound: ReconnectingInbound,
        live: LiveStore,
        sessions: sessionmaker[Session],
        waiting: Callable[[], Sequence[WaitingCall]],
        agents: Callable[[], Sequence[Agent]],
        records_pending: Callable[[], int],
    ) -> None:
        self.settings = settings
        self.registry = CollectorRegistry()
        self.figures = Figures(self.registry)
        self.calls = CallFigures(bus, self.figures)
        self.registry.register(
            LiveStateCollector(waiting, agents, records_pending, lambda: inbound.connected)
        )
        self.health = Health(lambda: inbound.connected, live, sessions)
        self.server = MetricsServer(settings.host, settings.port, self.registry, self.health.check)
        self._inbound, self._live, self._sessions = inbound, live, sessions
        self.hooks = Hooks(self.figures)

    def start(self) -> None:
        """Install the hooks and listen (unless ``metrics.port`` is 0)."""
        self.hooks.watch_esl(self._inbound)
        self.hooks.watch_redis(self._live)
        self.hooks.watch_sql(self._sessions.kw["bind"])
        if self.settings.port:
            self.server.start()

    def stop(self) -> None:
        """Stop listening and remove the hooks."""
        self.server.stop()
        self.hooks.remove()
