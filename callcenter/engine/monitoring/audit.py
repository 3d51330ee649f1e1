"""Writes each monitoring session's answer, modes and end to its SQL row (``monitor_sessions``)."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from callcenter.engine.bus import Bus
from callcenter.engine.monitoring.events import MonitorAnswered, MonitorEnded, MonitorModeChanged
from callcenter.logs import get_logger
from callcenter.store import monitoring

log = get_logger(__name__)


class MonitorAudit:
    """Follows the monitoring events on the bus; the console created the row on request."""

    def __init__(self, bus: Bus, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions
        bus.subscribe(MonitorAnswered, self._answered)
        bus.subscribe(MonitorModeChanged, self._mode)
        bus.subscribe(MonitorEnded, self._ended)

    def _write(self, what: str, leg_uuid: str, change: object) -> None:
        try:
            with self.sessions.begin() as session:
                change(session)  # type: ignore[operator]
        except Exception as exc:  # database down: the session goes on, the audit misses it
            log.warning("monitoring audit not written", what=what, leg=leg_uuid, error=str(exc))

    def _answered(self, event: MonitorAnswered) -> None:
        self._write(
            "answer",
            event.leg_uuid,
            lambda session: monitoring.mark_answered(session, event.leg_uuid, event.at),
        )

    def _mode(self, event: MonitorModeChanged) -> None:
        self._write(
            "mode",
            event.leg_uuid,
            lambda session: monitoring.add_mode(session, event.leg_uuid, event.mode),
        )

    def _ended(self, event: MonitorEnded) -> None:
        self._write(
            "end",
            event.leg_uuid,
            lambda session: monitoring.end_session(session, event.leg_uuid, event.at, event.reason),
        )
