"""#14 item 8: an agent sees a call's data only for a call offered to them or one they took.

Tickets created from a call, ``link_call``, the screen-pop and the call uuids on customer
pages all ask ``callcenter.tickets.call_access``; supervisors see every call.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import insert_call
from callcenter.store.session import session_scope
from tests.support.desktop import app, live, signed_in  # noqa: F401

CALLER = "13800138000"  # Wang Fang, the fixture's customer


@pytest.fixture
def calls(app: Flask, db_url: str, live: LiveStore) -> None:  # noqa: F811
    """Recorded calls taken by 1007 and by 1008; live calls offered to 1008 and still queued."""
    with session_scope(db_url) as session:
        agents = {a.number: a.id for a in session.scalars(select(models.Agent))}
        insert_call(session, "taken-7", caller_number=CALLER, agent_id=agents["1007"])
        insert_call(session, "taken-8", caller_number=CALLER, agent_id=agents["1008"])
    live.put_call("offered-8", state="ringing", caller_number=CALLER, queue="support",
                  agent_id="1008", ivr_inputs='{"pin": "4711"}')  # fmt: skip
    live.put_call("queued", state="queued", caller_number=CALLER, queue="support",
                  ivr_inputs='{"pin": "4711"}')  # fmt: skip


def _tickets(db_url: str) -> int:
    with session_scope(db_url) as session:
        return int(session.scalar(select(func.count(models.Ticket.id))) or 0)


@pytest.mark.usefixtures("calls")
def test_a_ticket_from_someone_elses_call_is_refused_and_shows_none_of_it(
    app: Flask,  # noqa: F811
    db_url: str,
) -> None:
    client, csrf = signed_in(app, "agent1007")
    before = _tickets(db_url)
    for uuid in ("taken-8", "offered-8", "queued", "old-call"):
        response = client.post(
            "/api/tickets", json={"subject": "x", "call_uuid": uuid}, headers=csrf
        )
        assert response.status_code == 403, (uuid, response.get_json())
        body = response.get_data(as_text=True)
        assert CALLER not in body and "4711" not in body and "not one you took" in body
    assert _tickets(db_url) == before  # nothing stored
    own = client.post("/api/tickets", json={"subject": "x", "call_uuid": "taken-7"}, headers=csrf)
    assert own.status_code == 201, own.get_json()
    assert [c["call_uuid"] for c in own.get_json()["calls"]] == ["taken-7"]
    other, other_csrf = signed_in(app, "agent1008")
    for uuid in ("taken-8", "offered-8"):  # the agent it was offered to / who took it
        response = other.post(
            "/api/tickets", json={"subject": "y", "call_uuid": uuid}, headers=other_csrf
        )
        assert response.status_code == 201, (uuid, response.get_json())
    sup, sup_csrf = signed_in(app, "sup")
    response = sup.post(
        "/api/tickets", json={"subject": "z", "call_uuid": "queued"}, headers=sup_csrf
    )
    assert response.status_code == 201 and response.get_json()["calls"][0]["call_uuid"] == "queued"


@pytest.mark.usefixtures("calls")
def test_link_call_on_ones_own_ticket_needs_a_call_one_took(app: Flask) -> None:  # noqa: F811
    client, csrf = signed_in(app, "agent1007")
    number = client.post("/api/tickets", json={"subject": "mine"}, headers=csrf).get_json()[
        "number"
    ]
    for uuid in ("taken-8", "offered-8", "queued"):
        response = client.post(
            f"/api/tickets/{number}/link_call", json={"call_uuid": uuid}, headers=csrf
        )
        assert response.status_code == 403, (uuid, response.get_json())
        assert CALLER not in response.get_data(as_text=True)
    assert client.get(f"/api/tickets/{number}").get_json()["calls"] == []
    linked = client.post(
        f"/api/tickets/{number}/link_call", json={"call_uuid": "taken-7"}, headers=csrf
    )
    assert linked.status_code == 200, linked.get_json()
    assert [c["call_uuid"] for c in linked.get_json()["calls"]] == ["taken-7"]
    sup, sup_csrf = signed_in(app, "sup")
    response = sup.post(
        f"/api/tickets/{number}/link_call", json={"call_uuid": "taken-8"}, headers=sup_csrf
    )
    assert response.status_code == 200
    assert {c["call_uuid"] for c in response.get_json()["calls"]} == {"taken-7", "taken-8"}


@pytest.mark.usefixtures("calls")
def test_the_screen_pop_is_only_for_the_agent_the_call_is_offered_to(app: Flask) -> None:  # noqa: F811
    client, _ = signed_in(app, "agent1007")
    for uuid in ("offered-8", "queued", "taken-8"):
        response = client.get(f"/api/desktop/pop/{uuid}")
        assert response.status_code == 403, uuid
        body = response.get_data(as_text=True)
        assert CALLER not in body and "4711" not in body and "not offered to you" in body
    assert client.get("/api/desktop/pop/taken-7").status_code == 200
    other, _ = signed_in(app, "agent1008")
    pop = other.get("/api/desktop/pop/offered-8")
    assert pop.status_code == 200 and pop.get_json()["call"]["ivr_inputs"] == {"pin": "4711"}
    assert other.get("/api/desktop/pop/queued").status_code == 403
    sup, _ = signed_in(app, "sup")
    assert all(sup.get(f"/api/desktop/pop/{u}").status_code == 200 for u in ("queued", "taken-8"))


@pytest.mark.usefixtures("calls")
def test_customer_pages_list_only_the_uuids_of_calls_the_agent_took(
    app: Flask,  # noqa: F811
    db_url: str,
) -> None:
    with session_scope(db_url) as session:
        customer_id = session.scalar(select(models.Customer.id))
    client, _ = signed_in(app, "agent1007")
    page = client.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert 'data-call="taken-7"' in page
    assert "taken-8" not in page and "old-call" not in page
    api = client.get(f"/api/customers/{customer_id}").get_json()
    assert {c["call_uuid"] for c in api["calls"]} == {"taken-7", None}
    sup, _ = signed_in(app, "sup")
    page = sup.get(f"/customers/{customer_id}").get_data(as_text=True)
    assert all(f'data-call="{u}"' in page for u in ("taken-7", "taken-8", "old-call"))
