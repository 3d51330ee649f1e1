"""The engine's health: ESL connected, Redis and SQL answering."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from callcenter.live.errors import LiveError
from callcenter.live.store import LiveStore


class Health:
    """Checks the engine's three dependencies, each answering True or False."""

    def __init__(
        self, esl_connected: Callable[[], bool], live: LiveStore, sessions: sessionmaker[Session]
    ) -> None:
        self._esl_connected = esl_connected
        self._live = live
        self._sessions = sessions

    def check(self) -> dict[str, bool]:
        """``{"esl": .., "redis": .., "sql": ..}``: True for each that is up."""
        return {"esl": self._esl_connected(), "redis": self._redis(), "sql": self._sql()}

    def _redis(self) -> bool:
        try:
            self._live.ping()
        except LiveError:
            return False
        return True

    def _sql(self) -> bool:
        try:
            with self._sessions() as session:
                session.execute(text("SELECT 1"))
        except (SQLAlchemyError, OSError):
            return False
        return True
