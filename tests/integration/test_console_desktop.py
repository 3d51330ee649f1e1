"""Agent desktop JSON: snapshot, screen-pop for a live call hash, sign-in, dial, access."""

from __future__ import annotations

import json

from flask import Flask

from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store import models
from callcenter.store.repositories import insert_call
from callcenter.store.session import session_scope
from tests.support.desktop import PASSWORD, app, live, signed_in  # noqa: F401 - fixtures


def test_screen_pop_for_a_live_call(app: Flask, live: LiveStore) -> None:
    live.put_call(
        "c-1",
        state="talking",
        caller_number="+8613800138000",
        dialled_number="5000",
        queue="support",
        agent_id="1007",
        since="2026-01-01T00:00:00+00:00",
        ivr_path='["welcome","menu","support"]',
        ivr_inputs='{"menu":"2"}',
    )
    live.put_agent("1007", state="on_call", call_uuid="c-1", since="2026-01-01T00:00:00+00:00")
    client, _ = signed_in(app, "agent1007")
    response = client.get("/api/desktop/pop/c-1")
    assert response.status_code == 200
    pop = response.get_json()
    assert pop["customer"]["name"] == "Wang Fang" and pop["customer"]["vip"] is True
    assert pop["customer"]["tags"] == ["gold"] and pop["customer"]["region"] == "Beijing"
    assert [t["subject"] for t in pop["open_tickets"]] == ["Router broken"]
    assert pop["call"]["ivr_path"] == ["welcome", "menu", "support"]
    assert pop["call"]["ivr_inputs"] == {"menu": "2"} and pop["call"]["queue"] == "support"
    # the customer's earlier call was not agent 1007's: listed without its uuid (#14)
    assert [c["call_uuid"] for c in pop["last_calls"]] == [None]
    snapshot = client.get("/api/desktop/1007").get_json()
    assert snapshot["agent"]["state"] == "on_call" and snapshot["pop"]["customer"]["id"]
    assert snapshot["stats"]["calls_today"] == 0 and snapshot["wrap_up"] is None
    assert snapshot["unavailable"] == []  # every desktop button is carried out by the engine
    # another agent may not see this call; an unknown call is 404
    other, _ = signed_in(app, "agent1008")
    assert other.get("/api/desktop/pop/c-1").status_code == 403
    assert other.get("/api/desktop/1007").status_code == 403
    assert client.get("/api/desktop/pop/nope").status_code == 404


def test_pop_of_an_engine_call_has_the_ivr_inputs_and_the_wait_until_the_answer(
    app: Flask, live: LiveStore
) -> None:
    """The engine's live call: path entries ``{node, value}``, ``enqueued_at`` and the state's
    ``since`` (the answer, once talking)."""
    path = [
        {"node": "hours", "value": "open"},
        {"node": "menu", "value": "2"},
        {"node": "account", "value": "88001234"},
        {"node": "support", "value": "support"},
    ]
    live.put_call(
        "c-eng",
        state="talking",
        caller_number="13800138000",
        queue="support",
        agent_id="1007",
        enqueued_at="2026-01-01T09:00:00+00:00",
        since="2026-01-01T09:00:42.500000+00:00",
        ivr_path=json.dumps(path),
    )
    client, _ = signed_in(app, "agent1007")
    call = client.get("/api/desktop/pop/c-eng").get_json()["call"]
    assert call["ivr_path"] == path
    assert call["ivr_inputs"] == {
        "hours": "open",
        "menu": "2",
        "account": "88001234",
        "support": "support",
    }
    assert call["wait_seconds"] == 42.5  # enqueued -> answered, not growing while talking
    live.put_call("c-eng", state="queued", since="2026-01-01T09:00:00+00:00")
    waiting = client.get("/api/desktop/pop/c-eng").get_json()["call"]["wait_seconds"]
    assert waiting > 42.5  # still waiting: up to now


def test_unknown_caller_pop_and_desktop_page(app: Flask, live: LiveStore) -> None:
    live.put_call("c-2", state="offering", caller_number="13999999999", agent_id="1007")
    client, _ = signed_in(app, "agent1007")
    pop = client.get("/api/desktop/pop/c-2").get_json()
    assert pop["customer"] is None and pop["open_tickets"] == []
    page = client.get("/agent/")
    assert page.status_code == 200 and 'data-agent="1007"' in page.get_data(as_text=True)
    sup, _ = signed_in(app, "sup")
    assert "No agent is linked" in sup.get("/agent/").get_data(as_text=True)
    assert sup.get("/agent/?agent=1007").status_code == 200


def test_sign_in_with_extension_and_dial(app: Flask, live: LiveStore) -> None:
    client, csrf = signed_in(app, "agent1007")
    wrong = client.post("/api/desktop/1007/sign_in", json={"extension": "1008"}, headers=csrf)
    assert wrong.status_code == 409 and "use 1007" in wrong.get_json()["reason"]
    assert client.post("/api/desktop/1007/sign_in", json={"extension": "1007"}).status_code == 400
    ok = client.post("/api/desktop/1007/sign_in", json={"extension": "1007"}, headers=csrf)
    assert ok.status_code == 202
    bad = client.post("/api/desktop/1007/dial", json={"number": "abc"}, headers=csrf)
    assert bad.status_code == 400 and "not valid" in bad.get_json()["reason"]
    for callback in ("x", True, -1):
        body = {"number": "13800138000", "ticket": "T1", "callback": callback}
        bad = client.post("/api/desktop/1007/dial", json=body, headers=csrf)
        assert bad.status_code == 400 and "callback must be" in bad.get_json()["reason"]
    missing = {"number": "13800138000", "ticket": "T1", "callback": 999}
    assert client.post("/api/desktop/1007/dial", json=missing, headers=csrf).status_code == 404
    dial = client.post(
        "/api/desktop/1007/dial", json={"number": "138 0013 8000", "ticket": "T1"}, headers=csrf
    )
    assert dial.status_code == 202
    commands = [c.data for c in live.read_commands(AGENT_COMMANDS, "test", "t", block=None)]
    assert commands == [
        {"agent_id": "1007", "action": "login", "by": "agent1007"},  # the engine's AgentCommand
        {
            "agent_id": "1007",
            "action": "dial",
            "number": "13800138000",
            "ticket": "T1",
            "by": "agent1007",
        },
    ]


def test_wrap_up_countdown_and_extend(app: Flask, live: LiveStore, db_url: str) -> None:
    """The snapshot says when wrap-up ends: the queue of the call's record, else the
    longest of the agent's queues, else setting routing.wrap_up_seconds; a deadline the
    engine publishes (wrap_up_until) wins. Extend goes to the engine on the command stream."""
    from datetime import timedelta

    from callcenter.store.base import utcnow

    with session_scope(db_url) as session:
        agent = session.query(models.Agent).filter_by(number="1007").one()
        short = models.Queue(name="short", wrap_up_seconds=20)
        long = models.Queue(name="long", wrap_up_seconds=90)
        session.add_all([short, long])
        session.add_all([models.AgentQueue(agent=agent, queue=q) for q in (short, long)])
        session.flush()
        insert_call(session, "c-wrap", caller_number="13800138000", queue_id=short.id)
    client, csrf = signed_in(app, "agent1007")
    since = utcnow() - timedelta(seconds=5)

    def wrap_up(**fields: str) -> dict:
        live.put_agent("1007", state="wrap_up", since=since.isoformat(), **fields)
        return client.get("/api/desktop/1007").get_json()["wrap_up"]

    recorded = wrap_up(call_uuid="c-wrap")
    assert recorded["until"] == (since + timedelta(seconds=20)).isoformat()
    assert 0 < recorded["seconds_left"] <= 15
    not_yet_recorded = wrap_up(call_uuid="c-later")
    assert not_yet_recorded["until"] == (since + timedelta(seconds=90)).isoformat()
    published = (since + timedelta(seconds=42)).isoformat()
    assert wrap_up(call_uuid="c-wrap", wrap_up_until=published)["until"] == published

    extend = client.post("/api/agents/1007/extend_wrap_up", json={"seconds": 30}, headers=csrf)
    assert extend.status_code == 202 and extend.get_json()["action"] == "extend_wrap_up"
    (sent,) = [c.data for c in live.read_commands(AGENT_COMMANDS, "test", "t", block=None)]
    assert (sent["action"], sent["seconds"]) == ("extend_wrap_up", "30")
    bad = client.post("/api/agents/1007/extend_wrap_up", json={"seconds": 0}, headers=csrf)
    assert bad.status_code == 400 and "between 1 and 600" in bad.get_json()["reason"]
    live.put_agent("1007", state="available", wrap_up_until="")
    assert client.get("/api/desktop/1007").get_json()["wrap_up"] is None
    refused = client.post("/api/agents/1007/extend_wrap_up", json={}, headers=csrf)
    assert refused.status_code == 409
    assert "cannot extend wrap up while available" in refused.get_json()["reason"]
    page = client.get("/agent/").get_data(as_text=True)
    assert 'id="wrapup-left"' in page and 'id="btn-extend"' in page
    assert 'data-unavailable="extend_wrap_up"' not in page  # the button is enabled


def test_personal_statistics_count_todays_calls_handle_time_and_misses(
    app: Flask, live: LiveStore, db_url: str
) -> None:
    """Calls today and average handle time (talk + wrap-up) from the agent's answered call
    records since local midnight; missed offers from the ``agent_missed`` timeline entries;
    time in the current state from the live ``since``."""
    from datetime import timedelta

    from callcenter.store.base import utcnow
    from callcenter.store.repositories import add_call_event

    now = utcnow()
    old = now - timedelta(days=2)
    with session_scope(db_url) as session:
        agents = {a.number: a for a in session.query(models.Agent)}
        mine, other = agents["1007"].id, agents["1008"].id
        for uuid, agent_id, started, talk, wrap in (
            ("s-1", mine, now, 100.0, 20.0),
            ("s-2", mine, now, 50.0, 10.0),
            ("s-3", other, now, 500.0, 0.0),  # another agent's call
            ("s-4", mine, old, 900.0, 0.0),  # not today
        ):
            insert_call(
                session,
                uuid,
                agent_id=agent_id,
                started_at=started,
                answered_at=started,
                talk_seconds=talk,
                wrap_up_seconds=wrap,
                disposition="answered",
            )
        missed = insert_call(session, "s-5", started_at=now, disposition="abandoned")
        add_call_event(session, missed, "agent_missed", {"agent_id": "1007", "cause": "NO_ANSWER"})
        add_call_event(session, missed, "agent_missed", {"agent_id": "1008", "cause": "BUSY"})
        add_call_event(
            session, missed, "agent_missed", {"agent_id": "1007", "cause": "NO_ANSWER"}, ts=old
        )
    since = (now - timedelta(seconds=90)).isoformat()
    live.put_agent("1007", state="available", since=since)
    client, _ = signed_in(app, "agent1007")
    stats = client.get("/api/desktop/1007").get_json()["stats"]
    assert stats["calls_today"] == 2
    assert stats["average_handle_seconds"] == 90.0  # (100 + 20 + 50 + 10) / 2
    assert stats["missed_today"] == 1
    assert 90.0 <= stats["state_seconds"] < 3600
    # another agent's desktop shows their own figures; the page has the tiles
    live.put_agent("1008", state="not_ready", since=since)
    theirs = signed_in(app, "agent1008")[0].get("/api/desktop/1008").get_json()["stats"]
    assert (theirs["calls_today"], theirs["average_handle_seconds"]) == (1, 500.0)
    assert theirs["missed_today"] == 1
    page = client.get("/agent/").get_data(as_text=True)
    for tile in ("st-calls", "st-aht", "st-missed", "state-time"):
        assert f'id="{tile}"' in page


def test_desktop_needs_login(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/api/desktop/pop/c-1").status_code == 401
    assert client.get("/agent/").status_code == 302
