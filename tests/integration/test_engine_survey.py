"""The post-call survey on live calls: the real engine process, the simulator, Redis, SQLite.

With ``ivr.survey_flow`` set, a caller whose agent hangs up first is parked by FreeSWITCH
(``park_after_bridge``) and hears the survey; the rating lands on the call record and the
agent goes to wrap-up as soon as they hung up. A caller who hangs up first gets no survey.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.sim import Switch, hangup, press, wait, wait_for
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, event_rows, eventually, sign_in
from tests.support.center import Center

MENU = "flite|kal|For sales press 1. For support press 2. For complaints press 3. For the " \
    "operator press 0. To hear these options again press 9."  # fmt: skip
SURVEY = "flite|kal|Please rate our service from 1 to 5, where 5 is excellent."


def said(text: str) -> dict[str, str]:
    """Headers of the CHANNEL_EXECUTE that speaks ``text`` to the caller."""
    return {"Application": "speak", "Application-Data": text}


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    with Center(
        tmp_path,
        db_url,
        redis_url,
        redis_prefix,
        agents=["1000"],
        notice=True,
        numbers={"5000": "main"},
        env={"IVR__SURVEY_FLOW": "survey"},
        in_process=True,
    ) as built:
        yield built


def support_call(switch: Switch, number: str, after: list) -> object:
    """A caller who picks support in the main menu, then runs ``after``."""
    script = [wait_for("CHANNEL_EXECUTE", **said(MENU)), press("2"), *after]
    return switch.place_call(number, "5000", script, hangup_after=60.0)


def wrap_up_started(db_url: str) -> list[models.AgentStateLog]:
    with session_scope(db_url) as session:
        rows = session.scalars(
            select(models.AgentStateLog).where(models.AgentStateLog.state == "wrap_up")
        ).all()
        session.expunge_all()
        return list(rows)


def test_agent_hangs_up_first_and_the_caller_rates_the_call(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    caller = support_call(
        switch, "13800000401", [wait_for("CHANNEL_EXECUTE", **said(SURVEY)), press("4")]
    )
    eventually(lambda: caller.ended.is_set(), timeout=40, what="engine hung up after the survey")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.survey_score == 4
    assert record.disposition == "answered" and record.hangup_by == "agent"
    # Talk time is the conversation: it ends when the agent hangs up, not after the survey.
    whole_call = (record.ended_at - record.answered_at).total_seconds()
    assert 0 < record.talk_seconds < whole_call
    # the recording notice is the first thing the caller hears, then the menu; the survey last
    assert record.ivr_path[:2] == [
        {"node": "hours", "value": "open"},
        {"node": "notice", "value": "played"},
    ]
    assert record.ivr_path[-3:] == [
        {"node": "ask", "value": "4"},
        {"node": "low_rating", "value": "else"},
        {"node": "goodbye", "value": "NORMAL_CLEARING"},
    ]
    spoken = [e.get("Application-Data") for e in caller.events if e.name == "CHANNEL_EXECUTE"]
    assert spoken.index("flite|kal|This call may be recorded for quality purposes.") < (
        spoken.index(MENU)
    )
    parked = [e for e in caller.events if e.name == "CHANNEL_PARK"]
    assert parked and parked[-1].get("Channel-State") == "CS_PARK"
    rows = event_rows(center.db_url, record.id)
    kinds = [kind for kind, _ in rows]
    left = kinds.index("agent_left_call")
    assert kinds.index("call_answered") < left < kinds.index("survey_answered")
    assert rows[left][1]["agent_id"] == "1000" and rows[left][1]["survey"] == "survey"
    assert [data["flow"] for kind, data in rows if kind == "ivr_ended"] == ["main", "survey"]
    # the agent's wrap-up began when they hung up, before the caller rated the call
    (wrap_up,) = eventually(lambda: wrap_up_started(center.db_url), what="agent wrap-up")
    with session_scope(center.db_url) as session:
        rated = session.scalars(
            select(models.CallEvent.ts).where(
                models.CallEvent.call_id == record.id, models.CallEvent.type == "survey_answered"
            )
        ).one()
    assert wrap_up.since <= rated
    eventually(
        lambda: center.live.get_agent("1000").get("state") == "available",
        what="agent available after wrap-up",
    )


def test_caller_hangs_up_first_and_gets_no_survey(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(center, "1000")
    caller = support_call(switch, "13800000402", [wait_for("CHANNEL_BRIDGE"), wait(1.0), hangup()])
    eventually(lambda: caller.ended.is_set(), timeout=30, what="caller left")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.disposition == "answered" and record.hangup_by == "caller"
    assert record.survey_score is None
    assert all(step["node"] not in ("ask", "goodbye") for step in record.ivr_path)
    kinds = [kind for kind, _ in event_rows(center.db_url, record.id)]
    assert "agent_left_call" not in kinds
    assert [kind for kind in kinds if kind == "ivr_ended"] == ["ivr_ended"]
    spoken = [e.get("Application-Data") for e in caller.events if e.name == "CHANNEL_EXECUTE"]
    assert SURVEY not in spoken
    eventually(lambda: wrap_up_started(center.db_url), what="agent wrap-up")


def test_caller_who_does_not_rate_is_hung_up_without_a_score(center: Center) -> None:
    switch: Switch = center.switch
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(center, "1000")
    caller = support_call(switch, "13800000403", [])
    eventually(lambda: caller.ended.is_set(), timeout=40, what="engine hung up after the survey")
    (record,) = eventually(lambda: call_rows(center.db_url), what="call record")
    assert record.survey_score is None
    assert record.disposition == "answered" and record.hangup_by == "agent"
    assert record.ivr_path[-4:] == [
        {"node": "ask", "value": "timeout"},
        {"node": "ask", "value": "timeout"},
        {"node": "low_rating", "value": "else"},
        {"node": "goodbye", "value": "NORMAL_CLEARING"},
    ]
    spoken = [e.get("Application-Data") for e in caller.events if e.name == "CHANNEL_EXECUTE"]
    assert SURVEY in spoken
