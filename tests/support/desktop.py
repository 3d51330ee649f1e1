"""The agent desktop tests' fixtures: a console with a supervisor, agents 1007 / 1008, a VIP
customer with tickets and an old call, and a LiveStore reading the agent command stream."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.store import models
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from console import create_app
from tests.support.console import signed_in_client
from tests.support.console_api import live  # noqa: F401 - the same fixture for desktop tests

PASSWORD = "desk-pass-123"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console with "sup", agents 1007 / 1008, customer Wang Fang (13800138000, VIP) with
    an open and a closed ticket, and a recorded call "old-call" from her."""
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        for number in ("1007", "1008"):
            user = create_user(session, f"agent{number}", PASSWORD, "agent", language="en")
            session.add(
                models.Agent(number=number, sip_user=number, user=user, display_name=number)
            )
        customer = cust.create_customer(
            session, "Wang Fang", ["13800138000"], vip=True, region="Beijing", tags="gold"
        )
        svc.create_ticket(
            session,
            settings.tickets,
            subject="Router broken",
            category="repair",
            customer_id=customer.id,
        )
        closed = svc.create_ticket(
            session, settings.tickets, subject="Old", customer_id=customer.id
        )
        svc.apply_action(session, closed, "resolve")
        insert_call(session, "old-call", caller_number="13800138000")
    return create_app(settings, TESTING=True)


def signed_in(app: Flask, username: str) -> tuple[FlaskClient, dict[str, str]]:
    """A client signed in as ``username`` and its CSRF headers."""
    return signed_in_client(app, username, PASSWORD)


def agent_and_supervisor_app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console with only users "agent1" (agent) and "sup" (supervisor)."""
    with session_scope(db_url) as session:
        create_user(session, "agent1", PASSWORD, "agent", language="en")
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)
