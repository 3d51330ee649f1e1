"""The periodic SLA escalation job: every ``tickets.escalate_interval_seconds`` it raises due
escalation levels (history rows) and publishes a ticket alert to the desktops; it also
writes the ``ticket_calls`` rows of calls linked while live whose record exists now, and
links the calls dialled from a ticket (callbacks) once their record is in.

An alert goes out when something changed for a ticket since the previous run: it climbed
an escalation level, or it became response / resolve overdue. A ticket that stays overdue
is not announced again every run (it is again after a restart of the process).
Runs as a gevent greenlet in the process that serves the console (``callcenter serve``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import gevent

from callcenter.live.errors import LiveError
from callcenter.logs import get_logger
from callcenter.store.base import utcnow
from callcenter.tickets.alerts import publish_alerts
from callcenter.tickets.call_links import materialise_pending_links
from callcenter.tickets.dial_links import link_dialled_calls
from callcenter.tickets.escalation import Escalation, escalate_due

__all__ = ["EscalationJob"]

log = get_logger(__name__)

AlertKey = tuple[int, bool, bool]


class EscalationJob:
    """Apply due escalations and publish what changed; ``run_once`` is one pass."""

    def __init__(
        self,
        sessions: Callable[[], Any],
        settings: Any,
        live: Any,
        *,
        interval: float,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._sessions = sessions
        self._settings = settings  # the tickets section
        self._live = live
        self._interval = interval
        self._clock = clock
        self._announced: dict[str, AlertKey] = {}
        self._greenlet: gevent.Greenlet | None = None

    def run_once(self) -> list[Escalation]:
        """One pass at the clock's now: commit the escalations, publish the new alerts."""
        with self._sessions() as session:
            escalations = escalate_due(session, self._settings, self._clock())
            materialise_pending_links(session)  # calls linked while live, recorded since
            link_dialled_calls(session, now=self._clock())  # callbacks dialled from tickets
            session.commit()
        fresh = [e for e in escalations if self._is_news(e)]
        self._announced = {e.number: _key(e) for e in escalations}
        if fresh:
            try:
                publish_alerts(self._live, fresh)
            except LiveError as exc:  # saved; the alerts go out with the next change
                log.warning("ticket alerts not published", error=str(exc), count=len(fresh))
        for escalation in fresh:
            log.info(
                "ticket alert",
                ticket=escalation.number,
                level=escalation.new_level,
                assignee=escalation.assignee,
                overdue=escalation.response_overdue or escalation.resolve_overdue,
            )
        return fresh

    def _is_news(self, escalation: Escalation) -> bool:
        before = self._announced.get(escalation.number)
        level, response, resolve = _key(escalation)
        if before is None:
            return True
        return level > before[0] or (response and not before[1]) or (resolve and not before[2])

    def start(self) -> EscalationJob:
        """Run a pass now and then every ``interval`` seconds in a greenlet."""
        self._greenlet = gevent.spawn(self._loop)
        return self

    def stop(self) -> None:
        """Stop the greenlet."""
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
            self._greenlet = None

    def _loop(self) -> None:
        while True:
            try:
                self.run_once()
            except Exception:  # a bad pass must not end the job; the next one retries
                log.exception("ticket escalation pass failed")
            gevent.sleep(self._interval)


def _key(escalation: Escalation) -> AlertKey:
    return (escalation.new_level, escalation.response_overdue, escalation.resolve_overdue)
