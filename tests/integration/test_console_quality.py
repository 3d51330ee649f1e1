"""Quality scoring through the console on real SQLite and Redis: an admin defines a score
form (audited, frozen once used), a supervisor is offered flagged and low-survey calls first
and evaluates one, the agent sees only their own evaluations and answers once, the
supervisor sees the dispute, and the agent report shows the QA average."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from callcenter.reports.agent_report import agent_report
from callcenter.reports.buckets import report_range
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from tests.support.console import signed_in_client
from tests.support.login import PASSWORD, audit_rows, make_app

STARTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FORM = "# Greeting\nGreets the caller | 10\nVerifies the caller | 20 | critical\n" \
       "# Resolution\nSolves the problem | 50\nOffers further help | 20"  # fmt: skip


def _call(session: Any, uuid: str, agent: models.Agent, hours: int, **fields: Any) -> None:
    recorded = fields.pop("recorded", True)
    flagged = fields.pop("flagged", False)
    call = insert_call(
        session, uuid, caller_number="13800138000", started_at=STARTED - timedelta(hours=hours),
        answered_at=STARTED - timedelta(hours=hours), talk_seconds=60.0, agent_id=agent.id,
        disposition=Disposition.ANSWERED, **fields,
    )  # fmt: skip
    if recorded:
        recording = models.Recording(call_id=call.id, path=f"{uuid}.wav", format="wav",
                                     flagged=flagged)  # fmt: skip
        session.add(recording)
        session.flush()
        if uuid == "c-low":
            said = "my bill is wrong"
            turn = models.TranscriptSegment(
                speaker="caller", start_seconds=0.5, end_seconds=2.0, text=said
            )
            session.add(
                models.Transcript(recording_id=recording.id, call_id=call.id, model="test",
                                  text=f"caller: {said}", segments=[turn])
            )  # fmt: skip
    session.add(models.CallEvent(call_id=call.id, ts=call.started_at, type="answered", data={}))


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """Users sup, boss, agent7 (agent 1007) and agent8 (agent 1008); four answered calls."""
    app = make_app(db_url, redis_url, redis_prefix)
    with session_scope(db_url) as session:
        agent7 = session.scalar(select(models.User).where(models.User.username == "agent7"))
        agent8 = create_user(session, "agent8", PASSWORD, "agent", language="en")
        a7 = models.Agent(number="1007", sip_user="1007", display_name="Ann", user=agent7)
        a8 = models.Agent(number="1008", sip_user="1008", display_name="Bo", user=agent8)
        session.add_all([a7, a8])
        session.flush()
        _call(session, "c-plain", a7, 1, survey_score=5)
        _call(session, "c-low", a7, 2, survey_score=1)
        _call(session, "c-flag", a8, 3, flagged=True)
        _call(session, "c-norec", a7, 4, recorded=False)
    return app


def client(app: Flask, username: str) -> tuple[FlaskClient, str]:
    """A signed-in client and its CSRF token (for form posts)."""
    signed, headers = signed_in_client(app, username, PASSWORD)
    return signed, headers["X-CSRFToken"]


def make_form(app: Flask, name: str = "Standard", text: str = FORM) -> int:
    boss, token = client(app, "boss")
    response = boss.post(
        "/quality/forms/new", data={"name": name, "definition": text, "csrf_token": token}
    )
    assert response.status_code == 302
    page = boss.get("/quality/forms/").get_data(as_text=True)
    return int(re.search(rf'data-form="(\d+)" data-name="{name}"', page).group(1))


def evaluate(app: Flask, call: str, form_id: int, answers: list[str], comment: str = "") -> Any:
    sup, token = client(app, "sup")
    data = {f"q{i}": a for i, a in enumerate(answers)}
    data.update(form_id=str(form_id), comment=comment, csrf_token=token)
    return sup.post(f"/quality/calls/{call}", data=data)


def evaluation_rows(db_url: str) -> list[tuple[str, float, bool, str, str | None]]:
    with session_scope(db_url) as session:
        rows = session.execute(
            select(models.Call.uuid, models.QaEvaluation.score,
                   models.QaEvaluation.critical_failed, models.QaEvaluation.state,
                   models.QaEvaluation.agent_comment)
            .join(models.Call).order_by(models.QaEvaluation.id)
        )  # fmt: skip
        return [tuple(row) for row in rows]


def test_admin_defines_a_score_form_audited_and_sees_bad_lines(app: Flask, db_url: str) -> None:
    boss, token = client(app, "boss")
    bad = boss.post(
        "/quality/forms/new",
        data={"name": "Bad", "definition": "# Greeting\nGreets | lots", "csrf_token": token},
    )
    assert bad.status_code == 422
    assert re.search(
        r'data-testid="definition-error">line 2: the weight must be a whole number 1-100<',
        bad.get_data(as_text=True),
    )
    form_id = make_form(app)
    with session_scope(db_url) as session:
        form = session.get(models.QaForm, form_id)
        assert [s["title"] for s in form.definition["sections"]] == ["Greeting", "Resolution"]
        assert form.definition["sections"][0]["questions"][1] == {
            "text": "Verifies the caller", "weight": 20, "critical": True,
        }  # fmt: skip
        assert session.scalar(select(models.QaForm.id).where(models.QaForm.name == "Bad")) is None
    [(actor, object_id, detail)] = audit_rows(db_url, "qa_form.create")
    assert (actor, object_id, detail["after"]["name"]) == ("boss", str(form_id), "Standard")


def test_a_form_post_without_the_csrf_token_is_refused(app: Flask, db_url: str) -> None:
    boss, _ = client(app, "boss")
    response = boss.post("/quality/forms/new", data={"name": "X", "definition": FORM})
    assert response.status_code == 400
    with session_scope(db_url) as session:
        assert session.scalar(select(models.QaForm.id)) is None


def test_flagged_and_low_survey_calls_are_offered_first_with_the_reason(app: Flask) -> None:
    sup, _ = client(app, "sup")
    page = sup.get("/quality/").get_data(as_text=True)
    listed = re.findall(r'data-call="([^"]+)" data-reason="([^"]*)"', page)
    assert listed == [
        ("c-flag", "sensitive words"),
        ("c-low", "low survey score"),
        ("c-plain", ""),
    ]  # c-norec has no recording


def test_supervisor_evaluates_a_recorded_call(app: Flask, db_url: str) -> None:
    form_id = make_form(app)
    sup, _ = client(app, "sup")
    record = sup.get("/calls/c-low").get_data(as_text=True)
    assert 'href="/quality/calls/c-low" data-testid="evaluate"' in record
    assert 'data-testid="evaluate"' not in sup.get("/calls/c-norec").get_data(as_text=True)
    page = sup.get("/quality/calls/c-low").get_data(as_text=True)
    assert "<audio controls" in page and "my bill is wrong" in page  # player and transcript
    assert re.search(r'id="timeline">\s*<li>.*answered', page)
    assert 'name="q3"' in page and "Verifies the caller" in page

    incomplete = evaluate(app, "c-low", form_id, ["yes", "yes", "yes"])
    assert incomplete.status_code == 422
    assert "answer every question" in incomplete.get_data(as_text=True)
    assert evaluation_rows(db_url) == []

    saved = evaluate(app, "c-low", form_id, ["yes", "yes", "no", "yes"], comment="Rushed")
    assert saved.status_code == 302
    assert evaluation_rows(db_url) == [("c-low", 50.0, False, "unanswered", None)]  # 50 of 100
    shown = sup.get(saved.headers["Location"]).get_data(as_text=True)
    assert re.search(r'data-field="score">Score: <strong>50.0</strong>', shown)
    assert "c-low" not in sup.get("/quality/").get_data(as_text=True)
    [(actor, _, detail)] = audit_rows(db_url, "qa_evaluation.create")
    assert (actor, detail["after"]) == ("sup", {"call": "c-low", "form": form_id, "score": 50.0})


def test_a_critical_fail_scores_zero(app: Flask, db_url: str) -> None:
    form_id = make_form(app)
    assert evaluate(app, "c-plain", form_id, ["yes", "no", "yes", "yes"]).status_code == 302
    assert evaluation_rows(db_url) == [("c-plain", 0.0, True, "unanswered", None)]


def test_the_agent_sees_only_their_evaluations_and_answers_once(app: Flask, db_url: str) -> None:
    form_id = make_form(app)
    location = evaluate(app, "c-low", form_id, ["yes", "yes", "no", "yes"]).headers["Location"]
    evaluate(app, "c-flag", form_id, ["yes", "yes", "yes", "yes"])  # agent 1008's
    path = location.replace("http://localhost", "")
    agent7, token7 = client(app, "agent7")
    agent8, token8 = client(app, "agent8")

    mine = agent7.get("/quality/mine").get_data(as_text=True)
    assert len(re.findall(r"data-evaluation=", mine)) == 1 and path in mine
    assert path not in agent8.get("/quality/mine").get_data(as_text=True)
    own = agent7.get(path)
    assert own.status_code == 200
    assert "<audio controls" in own.get_data(as_text=True)  # their own call's recording
    assert agent8.get(path).status_code == 403
    assert agent8.get("/quality/evaluations").status_code == 403
    refused = agent8.post(f"{path}/answer", data={"action": "acknowledge", "csrf_token": token8})
    assert refused.status_code == 403
    sup, sup_token = client(app, "sup")
    by_sup = sup.post(f"{path}/answer", data={"action": "acknowledge", "csrf_token": sup_token})
    assert by_sup.status_code == 403  # only the evaluated agent answers

    silent = agent7.post(f"{path}/answer", data={"action": "dispute", "csrf_token": token7})
    assert silent.status_code == 422
    assert "say why you dispute the evaluation" in silent.get_data(as_text=True)
    disputed = agent7.post(
        f"{path}/answer",
        data={"action": "dispute", "agent_comment": "The caller hung up", "csrf_token": token7},
    )
    assert disputed.status_code == 302
    again = agent7.post(f"{path}/answer", data={"action": "acknowledge", "csrf_token": token7})
    assert again.status_code == 409
    assert evaluation_rows(db_url)[0] == ("c-low", 50.0, False, "disputed", "The caller hung up")
    assert [a for a, _, _ in audit_rows(db_url, "qa_evaluation.disputed")] == ["agent7"]

    listed = sup.get("/quality/evaluations?state=disputed").get_data(as_text=True)
    assert len(re.findall(r'data-state="disputed"', listed)) == 1
    assert "The caller hung up" in listed
    assert "The caller hung up" in sup.get(path).get_data(as_text=True)


def test_a_used_form_is_frozen_and_a_deactivated_one_is_not_offered(
    app: Flask, db_url: str
) -> None:
    form_id = make_form(app)
    other_id = make_form(app, "Short", "# All\nPolite | 1")
    evaluate(app, "c-low", form_id, ["yes", "yes", "yes", "yes"])
    boss, token = client(app, "boss")
    assert 'data-testid="frozen"' in boss.get(f"/quality/forms/{form_id}").get_data(as_text=True)
    changed = boss.post(
        f"/quality/forms/{form_id}",
        data={"name": "Standard", "definition": "# A\nB | 1", "csrf_token": token},
    )
    assert changed.status_code == 422
    assert "copy it to a new form instead" in changed.get_data(as_text=True)
    unused = boss.post(
        f"/quality/forms/{other_id}",
        data={"name": "Short", "definition": "# All\nPolite | 2", "csrf_token": token},
    )
    assert unused.status_code == 302
    gone = boss.post(f"/quality/forms/{form_id}/deactivate", data={"csrf_token": token})
    assert gone.status_code == 302
    with session_scope(db_url) as session:
        assert len(session.get(models.QaForm, form_id).definition["sections"]) == 2
        assert session.get(models.QaForm, other_id).definition["sections"][0]["questions"] == [
            {"text": "Polite", "weight": 2, "critical": False}
        ]
    sup, _ = client(app, "sup")
    page = sup.get("/quality/calls/c-plain").get_data(as_text=True)
    assert f'data-form="{other_id}"' in page and f'data-form="{form_id}"' not in page
    assert [a for a, _, _ in audit_rows(db_url, "qa_form.deactivate")] == ["boss"]


def test_the_agent_report_shows_the_qa_average(app: Flask, db_url: str) -> None:
    form_id = make_form(app)
    evaluate(app, "c-low", form_id, ["yes", "yes", "no", "yes"])  # 50.0
    evaluate(app, "c-plain", form_id, ["yes", "yes", "yes", "na"])  # 100.0
    evaluate(app, "c-flag", form_id, ["no", "yes", "yes", "yes"])  # 90.0, agent 1008
    with session_scope(db_url) as session:
        period = report_range(STARTED.date(), STARTED.date(), "day", "UTC")
        rows = {r["agent"]: r["qa_average"] for r in agent_report(session, period)}
    assert rows == {"1007": 75.0, "1008": 90.0}
    sup, _ = client(app, "sup")
    day = STARTED.date().isoformat()
    export = sup.get(f"/reports/agents?from={day}&to={day}&format=csv").get_data(as_text=True)
    table = list(csv.DictReader(io.StringIO(export.lstrip("\ufeff"))))
    assert {r["agent"]: r["qa_average"] for r in table} == {"1007": "75.0", "1008": "90.0"}
    assert "QA average" in sup.get(f"/reports/agents?from={day}&to={day}").get_data(as_text=True)


def test_the_calls_to_evaluate_come_in_pages(app: Flask, db_url: str) -> None:
    with session_scope(db_url) as session:
        agent = session.scalar(select(models.Agent).where(models.Agent.number == "1008"))
        for n in range(24):  # 3 seeded + 24 = 27 calls to evaluate
            _call(session, f"c-more-{n:02}", agent, 10 + n)
    sup, _ = client(app, "sup")
    first = sup.get("/quality/").get_data(as_text=True)
    second = sup.get("/quality/?page=2").get_data(as_text=True)
    listed = [re.findall(r'data-call="([^"]+)"', page) for page in (first, second)]
    assert [len(calls) for calls in listed] == [25, 2]
    assert listed[0][:3] == ["c-flag", "c-low", "c-plain"]
    assert listed[1] == ["c-more-22", "c-more-23"]  # the oldest last
    assert 'rel="next" href="/quality/?page=2"' in first
