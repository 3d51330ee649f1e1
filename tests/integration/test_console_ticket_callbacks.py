"""A ticket's follow-up callback, end to end: the console (Flask test client) against the real
engine, the simulator, Redis and SQLite. The agent dials the callback from the ticket page
(the desktop's dial action through the CTI command stream), the engine rings the agent and
then the customer, the call's record is linked to the ticket, the outcome is noted on the
ticket, and the ticket goes on to resolved and closed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from console import create_app
from tests.support.calls import call_rows, eventually, partner_of, wait_state
from tests.support.center import Center
from tests.support.console import signed_in_client
from tests.support.cti import CTI_ENV, CUSTOMER

PASSWORD = "callback-pass-1"


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, env=CTI_ENV, hotline="shipped", in_process=True
    ) as built:
        yield built


def console_for(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """The console app on the engine's database and Redis, agent 1000 linked to a user."""
    with session_scope(db_url) as session:
        user = create_user(session, "agent1000", PASSWORD, "agent", language="en")
        agent = session.scalar(select(models.Agent).where(models.Agent.number == "1000"))
        agent.user_id = user.id
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
    )
    return create_app(settings, TESTING=True)


def test_callback_dialled_from_the_ticket_is_linked_and_the_ticket_closed(
    center: Center,
    redis_url: str,
    redis_prefix: str,
) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone(CUSTOMER, port=5090, register=False, answer_after=0.5, hangup_after=2.0)
    app = console_for(center.db_url, redis_url, redis_prefix)
    with session_scope(center.db_url) as session:
        customer = cust.create_customer(session, "Li Na", [CUSTOMER])
        number = svc.create_ticket(
            session,
            load_settings().tickets,
            subject="Router keeps rebooting",
            category="repair",
            customer_id=customer.id,
        ).number
    client, csrf = signed_in_client(app, "agent1000", PASSWORD)
    api = f"/api/tickets/{number}"

    # a follow-up callback is planned on the ticket
    planned = client.post(
        f"{api}/callback", json={"number": CUSTOMER, "due_at": "2030-01-01T10:00"}, headers=csrf
    )
    assert planned.status_code == 200, planned.get_json()
    (callback,) = planned.get_json()["callbacks"]
    assert callback["status"] == "scheduled"

    # the agent signs in with the extension and stays not ready for outbound work
    assert client.post("/api/desktop/1000/sign_in", json={"extension": "1000"}, headers=csrf)
    wait_state(center, "1000", "not_ready")
    # one click on the ticket page: its Dial button names agent, number, ticket and callback
    page = client.get(f"/tickets/{number}").get_data(as_text=True)
    button = re.search(r'<button class="dial-callback"([^>]*)>', page).group(1)
    fields = dict(re.findall(r'data-(\w+)="([^"]*)"', button))
    assert fields == {
        "agent": "1000",
        "number": CUSTOMER,
        "ticket": number,
        "callback": str(callback["id"]),
    }
    dial = client.post(
        f"/api/desktop/{fields['agent']}/dial",
        json={"number": fields["number"], "ticket": number, "callback": int(fields["callback"])},
        headers=csrf,
    )
    assert dial.status_code == 202, dial.get_json()
    assert client.get(api).get_json()["callbacks"][0]["status"] == "dialling"

    # the engine rings the agent, then the customer, and bridges them
    wait_state(center, "1000", "on_call")
    call_uuid = center.live.get_agent("1000")["call_uuid"]
    eventually(lambda: partner_of(switch, call_uuid), what="customer and agent bridged")
    eventually(lambda: call_rows(center.db_url), timeout=20, what="call record")

    # once the record is in, the ticket lists the call (linked by the system)
    def linked() -> list[dict]:
        return [c for c in client.get(api).get_json()["calls"] if c["call_uuid"] == call_uuid]

    (call,) = eventually(linked, what="callback call linked to the ticket")
    assert call["recorded"] and call["disposition"] == "answered"
    assert (call["direction"], call["dialled_number"]) == ("outbound", CUSTOMER)
    assert f"&rarr; {CUSTOMER}" in client.get(f"/tickets/{number}").get_data(as_text=True)
    # the outcome is noted on the ticket: callback done, a comment, history rows
    noted = client.post(
        f"{api}/callback_outcome",
        json={"callback_id": callback["id"], "outcome": "reached, firmware updated"},
        headers=csrf,
    ).get_json()
    assert noted["callbacks"][0]["status"] == "done"
    assert noted["comments"][-1]["body"] == f"Callback {CUSTOMER}: reached, firmware updated"
    # ... and the ticket is followed to closure
    for action, status in (("start", "in_progress"), ("resolve", "resolved"), ("close", "closed")):
        changed = client.post(f"{api}/{action}", json={}, headers=csrf)
        assert changed.status_code == 200 and changed.get_json()["status"] == status
    history = client.get(api).get_json()["history"]
    actions = [h["action"] for h in history]
    assert actions[:1] == ["created"] and actions[-3:] == ["start", "resolve", "close"]
    assert (
        actions.index("callback")
        < actions.index("callback_dial")
        < actions.index("link_call")
        < actions.index("callback_done")
    )
    (link,) = [h for h in history if h["action"] == "link_call"]
    assert (link["actor"], link["new"]) == ("system", call_uuid)
