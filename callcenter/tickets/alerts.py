"""Ticket alerts on Redis: escalations and overdue tickets for desktops and supervisors."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from callcenter.tickets.escalation import Escalation

__all__ = ["TICKET_ALERTS", "publish_alerts"]

TICKET_ALERTS = "ticket-alerts"  # pub/sub channel: {"ticket_alert": {...}}


def publish_alerts(live: Any, escalations: Iterable[Escalation]) -> int:
    """Publish one ``{"ticket_alert": ...}`` message per escalation; returns how many."""
    count = 0
    for escalation in escalations:
        live.publish(TICKET_ALERTS, {"ticket_alert": escalation.as_alert()})
        count += 1
    return count
