"""The IVR funnel report on a real SQLite file, against hand-computed figures
(tests/integration/ivr_funnel_data.py: paths across local midnight, two versions, two flows)."""

from __future__ import annotations

from datetime import date

from callcenter.reports.buckets import report_range
from callcenter.reports.ivr_funnel import IvrFunnel, flows_recorded, ivr_funnel
from callcenter.store.session import session_scope
from tests.integration.ivr_funnel_data import ZONE, seed

MARCH_2, MARCH_3 = date(2026, 3, 2), date(2026, 3, 3)


def run(db_url: str, flow: str, first: date, last: date, version: int | None = None) -> IvrFunnel:
    period = report_range(first, last, "day", ZONE)
    with session_scope(db_url) as session:
        return ivr_funnel(session, flow, period.start, period.end, version)


def figures(funnel: IvrFunnel) -> list[tuple]:
    keys = ("node", "type", "reached", "hung_up", "queued", "transferred", "ended")
    return [tuple(row[k] for k in keys) for row in funnel.rows]


def test_funnel_of_one_local_day_counts_callers_exits_and_choices(db_url: str) -> None:
    seed(db_url)
    funnel = run(db_url, "main", MARCH_2, MARCH_2)
    assert funnel.callers == 6  # A-F; G is on 3 March local time
    assert figures(funnel) == [
        ("welcome", "play", 6, 1, 0, 0, 0),  # D hung up during the welcome
        ("menu", "menu", 5, 1, 0, 0, 0),  # B's retry counts once; C hung up here
        ("sales", "queue", 2, 0, 2, 0, 0),
        ("bye", "hangup", 1, 0, 0, 0, 1),
        ("support", "queue", 1, 0, 1, 0, 0),
    ]
    by_node = {row["node"]: row for row in funnel.rows}
    assert by_node["menu"]["choices"] == {"1": 2, "2": 1, "3": 1, "invalid:7": 1, "timeout": 1}
    assert by_node["sales"]["destinations"] == {"sales": 2}
    assert by_node["welcome"]["choices"] == {}  # a play node has no choices


def test_one_version_and_the_next_local_day(db_url: str) -> None:
    seed(db_url)
    assert figures(run(db_url, "main", MARCH_2, MARCH_2, version=2)) == [
        ("menu", "menu", 1, 0, 0, 0, 0),
        ("sales", "queue", 1, 0, 1, 0, 0),
        ("welcome", "play", 1, 0, 0, 0, 0),
    ]
    later = run(db_url, "main", MARCH_3, MARCH_3)
    assert later.callers == 1
    assert [row["node"] for row in later.rows] == ["menu", "support", "welcome"]
    assert later.rows[1]["destinations"] == {"support": 1}


def test_another_flow_and_the_flows_with_steps(db_url: str) -> None:
    seed(db_url)
    survey = run(db_url, "survey", MARCH_2, MARCH_3)
    assert figures(survey) == [("rate", "survey", 1, 0, 0, 0, 1)]
    assert survey.rows[0]["choices"] == {"5": 1}
    assert run(db_url, "nothing", MARCH_2, MARCH_3).rows == []
    with session_scope(db_url) as session:
        assert flows_recorded(session) == ["main", "survey"]
