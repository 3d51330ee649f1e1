"""IVR flows on live calls: the real engine process, the simulator, Redis and SQLite.

Callers walk the sample main menu by DTMF and reach the right queue and agent; blacklisted
and flooding callers are refused before any flow; the after-hours flow records a voicemail.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.sim import Switch, audio, press, wait, wait_for
from callcenter.store import models
from callcenter.store.session import session_scope
from callcenter.store.ticket_links import TicketCallRef
from tests.support.calls import call_rows, event_rows, eventually, sign_in
from tests.support.center import Center


@pytest.fixture
def center(
    request: pytest.FixtureRequest, tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str
) -> Iterator[Center]:
    with Center(
        tmp_path,
        db_url,
        redis_url,
        redis_prefix,
        request=request,
        notice=True,  # main.yaml as shipped (open hours)
        numbers={"5001": "after_hours", "5002": "survey"},
        in_process=True,
    ) as built:
        yield built


MENU = (
    "flite|kal|For sales press 1. For support press 2. For complaints press 3. For the "
    "operator press 0. To hear these options again press 9."
)


def test_vip_caller_walks_the_main_menu_and_reaches_sales(center: Center) -> None:
    with session_scope(center.db_url) as session:
        customer = models.Customer(name="Ann Lee", vip=True)
        customer.phones.append(models.CustomerPhone(number="13800000042"))
        session.add(customer)
    switch: Switch = center.switch
    switch.add_softphone("1001", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1001")
    # "7" over the menu prompt is not a choice; "1" over the repeated menu (after the
    # apology) is sales.
    menu = {"Application": "speak", "Application-Data": MENU}
    caller = switch.place_call(
        "13800000042",
        "5000",
        [
            wait_for("CHANNEL_EXECUTE", **menu),
            press("7"),
            wait_for("CHANNEL_EXECUTE", **menu),
            press("1"),
        ],
    )
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered"
    assert record.ivr_path == [
        {"node": "hours", "value": "open"},
        {"node": "notice", "value": "played"},
        {"node": "find_customer", "value": "found"},
        {"node": "vip_check", "value": "then"},
        {"node": "welcome_back", "value": "played"},
        {"node": "menu", "value": "invalid:7"},
        {"node": "menu", "value": "1"},
        {"node": "sales", "value": "sales"},
    ]
    with session_scope(center.db_url) as session:
        assert session.get(models.Queue, record.queue_id).name == "sales"
        assert session.get(models.Agent, record.agent_id).number == "1001"
    played = [e.get("Application-Data") for e in caller.events if e.name == "CHANNEL_EXECUTE"]
    assert "flite|kal|Welcome back, Ann Lee." in played
    # the recording notice (issue #6) is the first prompt
    spoken = [d for d in played if d and d.startswith("flite|")]
    assert spoken[0] == "flite|kal|This call may be recorded for quality purposes."
    ended = [d for kind, d in event_rows(center.db_url, record.id) if kind == "ivr_ended"]
    assert ended == [
        {"flow": "main", "outcome": "queue", "node": "sales", "reason": "", "destination": "sales",
         "exit_flow": "main", "exit_version": 0, "exit_node": "sales"}
    ]  # fmt: skip


def test_silent_caller_goes_to_the_operator_after_the_retries(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call("13800000043", "5000", [], hangup_after=80.0)
    eventually(
        lambda: center.live.get_call(caller.uuid).get("queue") == "operator",
        timeout=30,
        what="caller queued for the operator",
    )
    caller.hangup()
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    menu = [step["value"] for step in record.ivr_path if step["node"] == "menu"]
    assert menu == ["timeout", "timeout", "timeout", "default"]
    assert record.disposition == "abandoned"


def test_blacklisted_caller_hears_the_message_and_is_hung_up(center: Center) -> None:
    with session_scope(center.db_url) as session:
        session.add(models.BlacklistEntry(number="13800000666", reason="abuse"))
    switch: Switch = center.switch
    caller = switch.place_call("13800000666", "5000", [wait(1.0), press("1")])
    eventually(lambda: caller.ended.is_set(), timeout=20, what="caller hung up by the engine")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "blocked"
    assert record.ivr_path == [] and record.enqueued_at is None
    assert record.hangup_cause == "CALL_REJECTED" and record.hangup_by == "system"
    kinds = [kind for kind, _ in event_rows(center.db_url, record.id)]
    assert kinds == ["call_arrived", "call_blocked", "call_ended"]
    apps = [e.get("Application") for e in caller.events if e.name == "CHANNEL_EXECUTE"]
    assert "speak" in apps and "play_and_get_digits" not in apps


@pytest.mark.engine_env(IVR__FLOOD_MAX_CALLS="2", IVR__FLOOD_WINDOW_MINUTES="10")
def test_flood_limit_blocks_the_third_call_in_the_window(center: Center) -> None:
    switch: Switch = center.switch
    for n in range(3):
        caller = switch.place_call("13800000777", "5000", [wait(0.5)], hangup_after=0.5)
        eventually(lambda c=caller: c.ended.is_set(), timeout=20, what=f"call {n} ended")
    other = switch.place_call("13800000778", "5000", [wait(0.5)], hangup_after=0.5)
    eventually(lambda: other.ended.is_set(), timeout=20, what="other caller ended")
    rows = eventually(lambda: len(call_rows(center.db_url)) == 4 and call_rows(center.db_url))
    by_number = [(r.caller_number, r.disposition) for r in rows]
    assert by_number == [
        ("13800000777", "ivr_completed"),
        ("13800000777", "ivr_completed"),
        ("13800000777", "blocked"),
        ("13800000778", "ivr_completed"),
    ]


def test_after_hours_voicemail_is_recorded_to_a_file(center: Center) -> None:
    switch: Switch = center.switch
    # Speaks after the closed message, hangs up to end the message.
    caller = switch.place_call("13800000099", "5001", [wait(14.0), audio()], hangup_after=4.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="call ended")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "voicemail"
    assert [step["node"] for step in record.ivr_path] == ["message", "record"]
    (voicemail,) = [d for k, d in event_rows(center.db_url, record.id) if k == "voicemail_recorded"]
    path = Path(voicemail["path"])
    assert path.is_relative_to(center.tmp / "recordings" / "voicemail" / "after_hours")
    assert path.name == f"{record.uuid}-record.wav" and voicemail["mailbox"] == "after_hours"
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getnframes() > 8000  # > 1 s of message

    # The message became a ticket with the call linked.
    def tickets() -> list[models.Ticket]:
        with session_scope(center.db_url) as session:
            return list(session.scalars(select(models.Ticket)).all())

    eventually(tickets, what="voicemail ticket")  # opened off the call's greenlet
    with session_scope(center.db_url) as session:
        (ticket,) = session.scalars(select(models.Ticket)).all()
        assert ticket.subject == "Voicemail from 13800000099"
        assert str(path) in (ticket.description or "") and ticket.status == "new"
        links = session.scalars(
            select(TicketCallRef.call_uuid).where(TicketCallRef.ticket_id == ticket.id)
        ).all()
        assert links == [record.uuid]


def test_silent_voicemail_ends_on_silence_and_says_goodbye(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call("13800000098", "5001", [], hangup_after=60.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="engine hung up")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "voicemail" and record.hangup_by == "system"
    assert [s["node"] for s in record.ivr_path] == ["message", "record", "goodbye"]
    assert Path(
        [d for k, d in event_rows(center.db_url, record.id) if k == "voicemail_recorded"][0]["path"]
    ).exists()


def test_survey_rating_is_stored_on_the_call(center: Center) -> None:
    switch: Switch = center.switch
    caller = switch.place_call("13800000097", "5002", [wait(1.0), press("2")], hangup_after=60)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="engine hung up")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.survey_score == 2 and record.disposition == "ivr_completed"
    assert record.ivr_path == [
        {"node": "ask", "value": "2"},
        {"node": "low_rating", "value": "then"},
        {"node": "sorry", "value": "played"},
        {"node": "goodbye", "value": "NORMAL_CLEARING"},
    ]
