"""Quality scoring in Chromium: a supervisor evaluates a recorded call (player, transcript,
timeline beside the score form), the agent signs in, finds it under "My evaluations" and
disputes it, and the supervisor finds the dispute. The agent's evaluation page passes the
translation and axe checks in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.quality.forms import create_form
from callcenter.recording import synth
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from tests.e2e import page_checks
from tests.support.browser_login import PASSWORD, sign_in

pytestmark = pytest.mark.e2e
STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
FORM = "# Greeting\nGreets the caller | 10\nVerifies the caller | 20 | critical\n" \
       "# Resolution\nSolves the problem | 50\nOffers further help | 20"  # fmt: skip


@pytest.fixture
def console_env() -> dict[str, str]:
    """Missing msgids show as ⟦msgid⟧ (the agent's page is checked for them)."""
    return {"CALLCENTER_I18N_MARK_MISSING": "1"}


@pytest.fixture
def recorded_call(db_url: str, tmp_path: Path) -> None:
    """Supervisor sup, agent 1007 (user agent7, Chinese), a score form, and agent 1007's
    recorded call with a transcript (the console serves recordings from tmp_path)."""
    stored = "recordings/2026/03/02/call-qa.wav"
    synth.write_wav(synth.stereo(synth.tone(1.0), synth.tone(1.0, 660)), tmp_path / stored)
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        user = create_user(session, "agent7", PASSWORD, "agent", language="zh")
        agent = models.Agent(number="1007", sip_user="1007", display_name="王芳", user=user)
        session.add(agent)
        session.flush()
        call = insert_call(
            session, "call-qa", caller_number="13800138000", started_at=STARTED,
            answered_at=STARTED, ended_at=STARTED, talk_seconds=1.0, agent_id=agent.id,
            disposition=Disposition.ANSWERED, survey_score=1,
        )  # fmt: skip
        recording = models.Recording(call_id=call.id, path=stored, format="wav")
        session.add(recording)
        session.flush()
        turn = models.TranscriptSegment(
            speaker="caller", start_seconds=0.2, end_seconds=0.9, text="账单不对"
        )
        session.add(
            models.Transcript(recording_id=recording.id, call_id=call.id, model="test",
                              text="caller: 账单不对", segments=[turn])
        )  # fmt: skip
        session.add(models.CallEvent(call_id=call.id, ts=STARTED, type="answered", data={}))
        create_form(session, "Standard", FORM, None)


def sign_out(page: Any) -> None:
    page.click("form.signout button[type=submit]")
    page.wait_for_selector("input[name=username]")


def test_supervisor_evaluates_and_the_agent_disputes(
    browser,  # noqa: ANN001
    console_url: str,
    recorded_call: None,
    db_url: str,
) -> None:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, console_url, "sup")
    page.click("nav a[href='/quality/']")
    row = page.locator("tr[data-call='call-qa']")
    assert row.get_attribute("data-reason") == "low survey score"
    row.get_by_role("link", name="Evaluate").click()
    page.wait_for_selector("#evaluation-form")
    assert page.locator("audio[data-recording]").count() == 1
    assert "账单不对" in page.locator("#transcript").inner_text()
    assert "answered" in page.locator("#timeline").inner_text()
    for index, answer in enumerate(["yes", "yes", "no", "yes"]):
        page.check(f"#q{index}-{answer}")
    page.fill("textarea[name=comment]", "Did not solve the billing problem")
    page.click("[data-testid=save]")
    page.wait_for_selector("#evaluation[data-state='unanswered']")
    assert "50.0" in page.locator("[data-field=score]").inner_text()  # 10+20+20 of 100
    sign_out(page)

    sign_in(page, console_url, "agent7")
    page.get_by_role("link", name="我的质检").click()
    page.locator("#evaluations tbody tr[data-evaluation] a").click()
    page.wait_for_selector("#answer-form")
    problems = page_checks.untranslated(page, "zh") + page_checks.accessibility(page)
    assert problems == []
    page.click("[data-testid=dispute]")  # without the comment a dispute is refused
    assert page.locator("[data-testid=agent_comment-error]").inner_text() == "请说明申诉理由"
    page.fill("textarea[name=agent_comment]", "客户提前挂断了")
    page.click("[data-testid=dispute]")
    page.wait_for_selector("#evaluation[data-state='disputed']")
    assert page.locator("#answer-form").count() == 0  # once only
    sign_out(page)

    sign_in(page, console_url, "sup")
    page.goto(console_url + "/quality/evaluations")
    page.select_option("#f-state", "disputed")
    page.click("#state-filter button[type=submit]")
    disputed = page.locator("#evaluations tr[data-state='disputed']")
    assert disputed.count() == 1
    assert "客户提前挂断了" in disputed.inner_text()
    context.close()
    with session_scope(db_url) as session:
        evaluation = session.scalars(select(models.QaEvaluation)).one()
        assert (evaluation.state, evaluation.agent_comment, evaluation.score) == (
            "disputed", "客户提前挂断了", 50.0,
        )  # fmt: skip
