"""Bus consumer of the call figures: dispositions, offers, missed offers and offer latency."""

from __future__ import annotations

from datetime import datetime

from callcenter.engine.bus import AgentMissed, AgentOffered, Bus, CallAnswered, CallEnded
from callcenter.engine.metrics.figures import Figures
from callcenter.engine.records.recorder import CallRecord, RecordSink


class CallFigures:
    """Counts offers and times them (offered -> answered or missed); counts ended calls."""

    def __init__(self, bus: Bus, figures: Figures) -> None:
        self.figures = figures
        self._ringing: dict[str, dict[str, datetime]] = {}  # call uuid -> agent id -> offered at
        bus.subscribe(AgentOffered, self._offered)
        bus.subscribe(AgentMissed, self._missed)
        bus.subscribe(CallAnswered, self._answered)
        bus.subscribe(CallEnded, self._ended)

    def counting(self, sink: RecordSink) -> RecordSink:
        """``sink`` that also counts each ended call by disposition (not its late revisions)."""

        def count_then_write(record: CallRecord) -> None:
            if not record.revision:
                self.figures.calls.labels(record.disposition).inc()
            sink(record)

        return count_then_write

    def _offered(self, event: AgentOffered) -> None:
        self.figures.offers.inc()
        self._ringing.setdefault(event.call_uuid, {})[event.agent_id] = event.at

    def _missed(self, event: AgentMissed) -> None:
        self.figures.missed_offers.labels(event.cause or "unknown").inc()
        self._observe(event.call_uuid, event.agent_id, event.at, "missed")

    def _answered(self, event: CallAnswered) -> None:
        self._observe(event.call_uuid, event.agent_id, event.at, "answered")

    def _ended(self, event: CallEnded) -> None:
        self._ringing.pop(event.call_uuid, None)  # offers the caller hung up on: not timed

    def _observe(self, call_uuid: str, agent_id: str, at: datetime, outcome: str) -> None:
        offers = self._ringing.get(call_uuid, {})
        since = offers.pop(agent_id, None)
        if not offers:
            self._ringing.pop(call_uuid, None)
        if since is not None:
            seconds = max(0.0, (at - since).total_seconds())
            self.figures.offer_seconds.labels(outcome).observe(seconds)
