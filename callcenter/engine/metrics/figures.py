"""The figures the engine pushes as things happen (counters and histograms), in one registry."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

OFFER_BUCKETS = (0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0, 120.0)
"""Seconds from ringing an agent to their answer or the ring timeout."""

ESL_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Seconds of an ESL command's round trip, or of an event's way to the engine."""


class Figures:
    """Every pushed metric of one engine, registered in ``registry`` (one per engine)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "callcenter_calls",
            "Calls ended, by disposition (answered, abandoned, voicemail, ...)",
            ["disposition"],
            registry=registry,
        )
        self.offers = Counter(
            "callcenter_offers",
            "Offers of a call to an agent (their phone rang)",
            registry=registry,
        )
        self.missed_offers = Counter(
            "callcenter_offers_missed",
            "Offers the agent did not take, by FreeSWITCH's cause",
            ["cause"],
            registry=registry,
        )
        self.offer_seconds = Histogram(
            "callcenter_offer_seconds",
            "From ringing an agent to their answer (answered) or the offer's end (missed)",
            ["outcome"],
            buckets=OFFER_BUCKETS,
            registry=registry,
        )
        self.esl_command_seconds = Histogram(
            "callcenter_esl_command_seconds",
            "Round trip of ESL commands to FreeSWITCH, by command",
            ["command"],
            buckets=ESL_BUCKETS,
            registry=registry,
        )
        self.esl_event_lag_seconds = Histogram(
            "callcenter_esl_event_lag_seconds",
            "Now minus Event-Date-Timestamp of events received on the inbound connection",
            buckets=ESL_BUCKETS,
            registry=registry,
        )
        self.redis_errors = Counter(
            "callcenter_redis_errors", "Failed Redis operations", registry=registry
        )
        self.sql_errors = Counter(
            "callcenter_sql_errors", "Failed SQL statements and connections", registry=registry
        )
