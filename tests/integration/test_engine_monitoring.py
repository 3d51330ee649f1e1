"""Supervisors monitoring a live call end to end: console API -> Redis -> engine process ->
simulator. The supervisor's phone eavesdrops on the caller (S05b: MEDIA_BUG_START on the
caller, no bridge change); modes switch on the running leg by uuid_recv_dtmf (S11), which the
simulator's eavesdrop reads into the flags of who hears the supervisor; leaving hangs the
phone up (MEDIA_BUG_STOP). The audit row has start, end and modes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.sim import Switch, press, wait
from callcenter.sim.session import hangup
from callcenter.store.monitoring import MonitorSession
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.calls import call_rows, eventually, partner_of, sign_in, wait_state
from tests.support.center import RINGING, Center, event_types
from tests.support.console import signed_in_client

PASSWORD = "monitor-pass-123"


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[dict]:
    with Center(tmp_path, db_url, redis_url, redis_prefix, env=RINGING) as built:
        yield built.as_dict(center=built)


@pytest.fixture
def app(center: dict, redis_url: str, redis_prefix: str) -> Flask:
    """The console on the engine's SQL and Redis: supervisor 'sup' (phone 1002), agent 'ann'."""
    with session_scope(center["db_url"]) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en").extension = "1002"
        create_user(session, "ann", PASSWORD, "agent", language="en")
    settings = load_settings(
        database={"url": center["db_url"]}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


def session_row(db_url: str, session_id: int) -> MonitorSession:
    with session_scope(db_url) as session:
        row = session.scalar(select(MonitorSession).where(MonitorSession.id == session_id))
        session.expunge(row)
        return row


def whisper_flags(switch: Switch, leg: str) -> tuple[bool, bool]:
    """(the a-leg hears the supervisor, the b-leg does) as the simulator's eavesdrop keeps it."""
    channel = switch.channel(leg)
    mode = channel.media.get("eavesdrop") if channel is not None else None
    return (bool(mode["mux_read"]), bool(mode["mux_write"])) if mode else (None, None)


def test_supervisor_listens_whispers_barges_and_leaves(center: dict, app: Flask) -> None:
    switch: Switch = center["switch"]
    db_url = center["db_url"]
    seen: list[tuple[str, str, str]] = []
    switch.subscribe(lambda ev: seen.append((ev.name, ev.uuid, ev.get("DTMF-Digit") or "")))
    switch.add_softphone("1000", answer_after=0.5)
    switch.add_softphone("1002", answer_after=0.5)  # the supervisor's own phone
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call", 20)
    agent = eventually(lambda: partner_of(switch, caller.uuid), what="caller bridged")
    client, headers = signed_in_client(app, "sup", PASSWORD)

    started = client.post(
        "/api/monitor", json={"call_uuid": caller.uuid, "mode": "listen"}, headers=headers
    )
    assert started.status_code == 202, started.get_json()
    session_id = started.get_json()["session_id"]
    row = eventually(
        lambda: session_row(db_url, session_id).answered_at and session_row(db_url, session_id),
        what="the supervisor's phone answered",
    )
    leg = row.leg_uuid
    eventually(lambda: ("MEDIA_BUG_START", caller.uuid, "") in seen, what="media bug on caller")
    assert whisper_flags(switch, leg) == (False, False)  # listen: nobody hears the supervisor

    for mode, flags, key in (
        ("whisper", (False, True), "2"),  # the agent (b-leg) hears the supervisor
        ("barge", (True, True), "3"),  # both do
        ("listen", (False, False), "0"),
    ):
        changed = client.post(
            f"/api/monitor/{session_id}/mode", json={"mode": mode}, headers=headers
        )
        assert changed.status_code == 202, changed.get_json()
        eventually(lambda f=flags: whisper_flags(switch, leg) == f, what=f"{mode} flags")
        assert ("DTMF", leg, key) in seen  # injected with uuid_recv_dtmf and read by eavesdrop
    assert partner_of(switch, caller.uuid) == agent  # no re-dial, no bridge change
    assert [name for name, uuid, _ in seen if uuid == leg].count("CHANNEL_ANSWER") == 1

    left = client.post(f"/api/monitor/{session_id}/leave", headers=headers)
    assert left.status_code == 202, left.get_json()
    eventually(lambda: ("MEDIA_BUG_STOP", caller.uuid, "") in seen, what="media bug removed")
    row = eventually(
        lambda: session_row(db_url, session_id).ended_at and session_row(db_url, session_id),
        what="the session's end audited",
    )
    assert row.username == "sup" and row.extension == "1002" and row.call_uuid == caller.uuid
    assert row.mode_list() == ["listen", "whisper", "barge", "listen"]
    assert row.requested_at <= row.answered_at <= row.ended_at
    assert switch.channel(caller.uuid) is not None and partner_of(switch, caller.uuid) == agent
    document = client.get(f"/api/monitor/{session_id}").get_json()
    assert document["ended_at"] and document["modes"] == ["listen", "whisper", "barge", "listen"]
    again = client.post(f"/api/monitor/{session_id}/mode", json={"mode": "barge"}, headers=headers)
    assert again.status_code == 409  # an ended session is not switched

    agent_client, agent_headers = signed_in_client(app, "ann", PASSWORD)
    refused = agent_client.post(
        "/api/monitor", json={"call_uuid": caller.uuid, "mode": "listen"}, headers=agent_headers
    )
    assert refused.status_code == 403
    with session_scope(db_url) as session:
        assert len(session.scalars(select(MonitorSession)).all()) == 1  # the agent's: none


def connected_call(center: dict) -> tuple[str, str]:
    """A caller in 'support' talking to agent 1000: (caller uuid, agent leg uuid)."""
    switch: Switch = center["switch"]
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    caller = switch.place_call("13800138000", "5000", [wait(1.0), press("2")])
    wait_state(center, "1000", "on_call", 20)
    return caller.uuid, eventually(lambda: partner_of(switch, caller.uuid), what="bridged")


def test_the_callers_hangup_ends_the_session(center: dict, app: Flask) -> None:
    switch: Switch = center["switch"]
    seen: list[tuple[str, str]] = []
    switch.subscribe(lambda ev: seen.append((ev.name, ev.uuid)))
    switch.add_softphone("1002", answer_after=0.5)
    caller, _agent = connected_call(center)
    client, headers = signed_in_client(app, "sup", PASSWORD)
    started = client.post("/api/monitor", json={"call_uuid": caller}, headers=headers)
    session_id = started.get_json()["session_id"]
    row = eventually(
        lambda: (
            session_row(center["db_url"], session_id).answered_at
            and session_row(center["db_url"], session_id)
        ),
        what="answered",
    )
    eventually(lambda: ("MEDIA_BUG_START", caller) in seen, what="media bug on the caller")

    hangup(switch.channel(caller), "NORMAL_CLEARING", remote=True)  # the caller's BYE

    eventually(lambda: ("MEDIA_BUG_STOP", caller) in seen, what="media bug removed")
    eventually(lambda: switch.channel(row.leg_uuid) is None, what="supervisor's leg gone")
    ended = eventually(
        lambda: (
            session_row(center["db_url"], session_id).ended_at
            and session_row(center["db_url"], session_id)
        ),
        what="the session's end audited",
    )
    assert ended.mode_list() == ["listen"] and ended.end_reason
    (record,) = eventually(lambda: call_rows(center["db_url"]), timeout=20, what="call record")
    kinds = event_types(center["db_url"], record.id)
    assert "monitor_ringing" in kinds and "monitor_answered" in kinds  # on the call's timeline


def test_a_busy_supervisor_phone_ends_the_session_unanswered(center: dict, app: Flask) -> None:
    switch: Switch = center["switch"]
    switch.add_softphone("1002", mode="busy", answer_after=0.2)
    caller, agent = connected_call(center)
    client, headers = signed_in_client(app, "sup", PASSWORD)

    started = client.post(
        "/api/monitor", json={"call_uuid": caller, "mode": "barge"}, headers=headers
    )

    assert started.status_code == 202
    session_id = started.get_json()["session_id"]
    row = eventually(
        lambda: (
            session_row(center["db_url"], session_id).ended_at
            and session_row(center["db_url"], session_id)
        ),
        what="the refused ring audited",
    )
    assert row.answered_at is None and row.end_reason == "USER_BUSY"
    assert partner_of(switch, caller) == agent


def test_a_session_outlives_an_engine_restart_and_is_left(center: dict, app: Flask) -> None:
    """The supervisor's leg stays on FreeSWITCH; the next engine process hangs it up on leave
    and audits the end from the leg's channel variable."""
    switch: Switch = center["switch"]
    switch.add_softphone("1002", answer_after=0.5)
    caller, agent = connected_call(center)
    client, headers = signed_in_client(app, "sup", PASSWORD)
    session_id = client.post(
        "/api/monitor", json={"call_uuid": caller}, headers=headers
    ).get_json()["session_id"]
    row = eventually(
        lambda: (
            session_row(center["db_url"], session_id).answered_at
            and session_row(center["db_url"], session_id)
        ),
        what="answered",
    )
    center["center"].stop_engine()
    center["center"].start_engine(center["tmp"] / "second")

    assert client.post(f"/api/monitor/{session_id}/leave", headers=headers).status_code == 202

    eventually(lambda: switch.channel(row.leg_uuid) is None, what="supervisor's leg gone")
    ended = eventually(
        lambda: (
            session_row(center["db_url"], session_id).ended_at
            and session_row(center["db_url"], session_id)
        ),
        what="the end audited by the next engine",
    )
    assert ended.end_reason and partner_of(switch, caller) == agent
