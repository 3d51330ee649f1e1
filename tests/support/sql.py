"""Plain SQL on a test database by URL (SQLite or PostgreSQL), for tests below the models."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, create_engine, inspect, text
from sqlalchemy.pool import NullPool


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A connection to ``url`` in a transaction committed when the block ends."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        engine.dispose()


def execute(url: str, statement: str, *params: dict[str, Any]) -> None:
    """Run ``statement`` once, or once per parameter dict, and commit."""
    with connect(url) as conn:
        conn.execute(text(statement), list(params) if len(params) > 1 else (params or [{}])[0])


def rows(url: str, query: str, **params: Any) -> list[tuple]:
    """The rows of ``query`` as plain tuples."""
    with connect(url) as conn:
        return [tuple(row) for row in conn.execute(text(query), params)]


def tables(url: str) -> set[str]:
    """The names of the tables in the database."""
    with connect(url) as conn:
        return set(inspect(conn).get_table_names())


def columns(url: str, table: str) -> set[str]:
    """The column names of ``table``."""
    with connect(url) as conn:
        return {column["name"] for column in inspect(conn).get_columns(table)}


def indexes(url: str, table: str) -> set[str]:
    """The index names of ``table``."""
    with connect(url) as conn:
        return {str(index["name"]) for index in inspect(conn).get_indexes(table)}
