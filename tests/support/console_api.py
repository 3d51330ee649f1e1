"""The CTI REST API tests' fixtures: a console with a supervisor and agents 1007 / 1008, and
a LiveStore that reads what the console sends on the agent command stream."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "api-pass-123"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console with user "sup" (supervisor) and agents 1007 / 1008 (users agent1007...)."""
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor")
        for number in ("1007", "1008"):
            user = create_user(session, f"agent{number}", PASSWORD, "agent")
            session.add(
                models.Agent(number=number, sip_user=number, user=user, display_name=number)
            )
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


@pytest.fixture
def live(redis_url: str, redis_prefix: str) -> Iterator[LiveStore]:
    """The console's LiveStore, with the consumer group "test" on the agent command stream."""
    store = LiveStore(redis_url, redis_prefix)
    store.ensure_group(AGENT_COMMANDS, "test")
    try:
        yield store
    finally:
        store.close()


def signed_in(app: Flask, username: str) -> tuple[FlaskClient, dict[str, str]]:
    """A client signed in as ``username`` and its CSRF headers."""
    return signed_in_client(app, username, PASSWORD)


def sent_commands(live: LiveStore) -> list[dict]:
    """The agent commands the console sent since the last call (group "test")."""
    return [c.data for c in live.read_commands(AGENT_COMMANDS, "test", "t", block=None)]
