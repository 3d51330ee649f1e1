"""Figures read from their owners at scrape time: queues, agents, records buffered, ESL link."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from callcenter.acd.agents import Agent, AgentState
from callcenter.acd.routing import WaitingCall
from callcenter.live.errors import LiveError
from callcenter.logs import get_logger

log = get_logger(__name__)


class LiveStateCollector(Collector):
    """A custom collector: asks the dispatcher, the agent book and the record buffer."""

    def __init__(
        self,
        waiting: Callable[[], Sequence[WaitingCall]],
        agents: Callable[[], Sequence[Agent]],
        records_pending: Callable[[], int],
        esl_connected: Callable[[], bool],
    ) -> None:
        self._waiting = waiting
        self._agents = agents
        self._records_pending = records_pending
        self._esl_connected = esl_connected
        self._queues: set[str] = set()  # queues seen once stay (at 0) so graphs fall to zero

    def describe(self) -> list[Metric]:
        """Nothing up front (collect() reads live state; not at registration)."""
        return []

    def collect(self) -> Iterator[Metric]:
        """The current figures."""
        yield from self._queue_figures()
        agents = GaugeMetricFamily("callcenter_agents", "Agents by state", labels=["state"])
        counts = dict.fromkeys((state.value for state in AgentState), 0)
        for agent in self._agents():
            counts[agent.state.value] = counts.get(agent.state.value, 0) + 1
        for state, count in counts.items():
            agents.add_metric([state], count)
        yield agents
        yield GaugeMetricFamily(
            "callcenter_esl_connected",
            "1 while the inbound ESL connection to FreeSWITCH is up",
            value=1 if self._esl_connected() else 0,
        )
        try:
            pending = self._records_pending()
        except LiveError as exc:  # Redis is down: the figure is unknown, the rest still shows
            log.debug("records buffered unknown", error=str(exc))
            return
        yield GaugeMetricFamily(
            "callcenter_records_buffered",
            "Call records and state-log rows waiting for the database (memory + Redis stream)",
            value=pending,
        )

    def _queue_figures(self) -> Iterator[Metric]:
        now = datetime.now(UTC)
        count: dict[str, int] = {}
        longest: dict[str, float] = {}
        for call in self._waiting():
            count[call.queue] = count.get(call.queue, 0) + 1
            waited = max(0.0, (now - call.enqueued_at).total_seconds())
            longest[call.queue] = max(longest.get(call.queue, 0.0), waited)
        self._queues |= count.keys()
        callers = GaugeMetricFamily(
            "callcenter_queue_callers_waiting", "Callers waiting in a queue", labels=["queue"]
        )
        oldest = GaugeMetricFamily(
            "callcenter_queue_longest_wait_seconds",
            "How long the queue's longest-waiting caller has waited",
            labels=["queue"],
        )
        for queue in sorted(self._queues):
            callers.add_metric([queue], count.get(queue, 0))
            oldest.add_metric([queue], longest.get(queue, 0.0))
        yield callers
        yield oldest
