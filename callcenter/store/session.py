"""Engines and sessions: ``make_engine``, ``session_factory`` and ``session_scope``."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from callcenter.store.base import StoreError

__all__ = ["default_engine", "make_engine", "session_factory", "session_scope", "sqlite_path"]

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def sqlite_path(url: str) -> Path | None:
    """The database file of a SQLite URL, or None for other backends and in-memory SQLite."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(
            f"database url {url!r} is not valid; use e.g. sqlite:///var/callcenter.db or "
            "postgresql+psycopg://user:pass@host/db (setting database.url)"
        ) from None
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def make_engine(url: str, *, foreign_keys: bool = True, echo: bool = False) -> Engine:
    """Create an engine; for a SQLite file: make its directory, turn on WAL and foreign keys.

    ``foreign_keys=False`` is for migrations, where SQLite batch table rebuilds must not
    cascade deletes.
    """
    path = sqlite_path(url)
    kwargs: dict[str, Any] = {"echo": echo}
    if path is not None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the directory {path.parent} for database {path}: {exc}; "
                "fix the permissions or change database.url"
            ) from None
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine, wal=path is not None, foreign_keys=foreign_keys)
    event.listen(engine, "before_cursor_execute", _drop_nul_characters, retval=True)
    return engine


def _has_nul(params: Any) -> bool:
    if isinstance(params, str):
        return "\x00" in params
    if isinstance(params, dict):
        params = params.values()
    elif not isinstance(params, list | tuple):
        return False
    return any(_has_nul(value) for value in params)


def _without_nul(params: Any) -> Any:
    if isinstance(params, str):
        return params.replace("\x00", "")
    if isinstance(params, dict):
        return {key: _without_nul(value) for key, value in params.items()}
    if isinstance(params, list | tuple):
        return type(params)(_without_nul(value) for value in params)
    return params


def _drop_nul_characters(
    _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
) -> tuple[str, Any]:
    """Text is stored without U+0000 on every backend: PostgreSQL refuses it in text columns
    (SQLite would keep it), and nobody types it - it only comes from hostile or broken input."""
    if _has_nul(parameters):
        parameters = _without_nul(parameters)
    return statement, parameters


def _configure_sqlite(engine: Engine, *, wal: bool, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
            if wal:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
        finally:
            cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """A sessionmaker bound to ``engine``; objects stay readable after commit."""
    return sessionmaker(bind=engine, expire_on_commit=False)


def default_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (default: settings ``database.url``), made once."""
    if url is None:
        from callcenter.config import load_settings

        url = load_settings().database.url
    with _engines_lock:
        engine = _engines.get(url)
        if engine is None:
            engine = _engines[url] = make_engine(url)
        return engine


@contextmanager
def session_scope(
    factory: sessionmaker[Session] | Engine | str | None = None,
) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises.

    ``factory`` is a sessionmaker, an engine, a database URL, or None for the configured
    database.
    """
    if isinstance(factory, sessionmaker):
        maker = factory
    elif isinstance(factory, Engine):
        maker = session_factory(factory)
    else:
        maker = session_factory(default_engine(factory))
    session = maker()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
