"""Every console page per role, at desktop and laptop widths, in Chinese and in English:
no sideways scrolling, no overlapping controls, no untranslated text, and no serious or
critical axe-core (WCAG 2.1 A/AA) violations.

One browser context per role and language; the console runs with missing msgids marked
(``CALLCENTER_I18N_MARK_MISSING=1``, console/i18n.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.flows.versions import save_version
from callcenter.live.store import LiveStore
from callcenter.quality.evaluations import evaluate
from callcenter.quality.forms import create_form
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from tests.e2e import page_checks

pytestmark = pytest.mark.e2e
PASSWORD = "layout-pass-1"
WIDTHS = {"desktop": (1440, 900), "laptop": (1280, 720)}
LANGUAGES = ("zh", "en")
STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
QA_FORM = "# 问候\n使用标准问候语 | 10\n核实客户身份 | 20 | critical\n# 解决\n解决客户问题 | 70"
FLOW = """\
name: main
start: hello
nodes:
  hello:
    type: play
    prompt: "say:您好"
    next: bye
  bye:
    type: hangup
"""

DESKTOP = "/agent/"
AGENT_PAGES = [
    DESKTOP,
    "/tickets/",
    "/tickets/?status=closed",  # the empty state of a filtered list
    "/tickets/new",
    "/tickets/{ticket}",
    "/customers/",
    "/customers/new",
    "/customers/{customer}",
    "/api/docs",  # the API reference (#17)
]
SUPERVISOR_PAGES = [
    *AGENT_PAGES,
    "/supervisor/",
    "/wallboard/queues",
    "/reports/queues?from=2026-03-02&to=2026-03-02&interval=60min",
    "/reports/agents",
    "/reports/surveys",
    "/reports/ivr?flow=main&from=2026-03-02&to=2026-03-02",
    "/recordings/",
    "/calls/call-layout",
    "/calls/call-live",
    "/admin/",
    "/admin/queues/",  # read-only for supervisors
]
SETUP_KINDS = ("queues", "agents", "skills", "reasons", "blacklist", "calendars", "canned")
ADMIN_PAGES = [
    *SUPERVISOR_PAGES,
    "/admin/users/",
    "/admin/users/new",
    "/admin/users/{user}",
    "/admin/flows",
    *(f"/admin/{kind}/" for kind in SETUP_KINDS),
    *(f"/admin/{kind}/new" for kind in SETUP_KINDS),
    "/admin/reasons/1",
    "/admin/audit",
    "/admin/numbers",
    "/admin/ivr/",
    "/admin/ivr/new",
    "/admin/ivr/main",
]
PAGES = {"agent": AGENT_PAGES, "supervisor": SUPERVISOR_PAGES, "admin": ADMIN_PAGES}
# the quality scoring pages (#16), a test of their own (a role's test has a time limit):
# each role's new pages - an admin's are the supervisors' ones plus the score form editor
QUALITY_PAGES = {
    "agent": ["/quality/mine"],  # agent_zh (agent 1001): one evaluation; agent_en: none
    "supervisor": [
        "/quality/",
        "/quality/evaluations",
        "/quality/evaluations/{evaluation}",
        "/quality/calls/call-layout",
        "/quality/forms/",
    ],
    "admin": ["/quality/forms/", "/quality/forms/new", "/quality/forms/{qa_form}"],
}
# what a page's script fills in after loading: checked once it is there
FILLED_BY_SCRIPT = {
    DESKTOP: "() => !document.getElementById('agent-state')"
    " || document.getElementById('agent-state').textContent !== '…'",
    "/supervisor/": "() => document.getElementById('stream-status').textContent !== '…'",
    "/wallboard/queues": "() => document.getElementById('board-status').textContent !== '…'",
    "/admin/ivr/main": "() => document.querySelector('#versions tbody tr')"
    " && document.querySelector('#graph svg, #graph p')"
    " && document.getElementById('check-status').textContent !== ''",
}


@pytest.fixture
def console_env() -> dict[str, str]:
    """Missing msgids show as ⟦msgid⟧ in this module's console."""
    return {"CALLCENTER_I18N_MARK_MISSING": "1"}


@pytest.fixture
def seeded(db_url: str, live: LiveStore) -> dict[str, Any]:
    """Users of every role in both languages, a customer with a ticket, a recorded call, a live
    call (its page before the record exists)."""
    live.put_call("call-live", state="talking", caller_number="13800138002", queue="support",
                  agent_id="1001", since="2026-03-02T09:30:00+00:00")  # fmt: skip
    with session_scope(db_url) as session:
        for role in PAGES:
            for language in LANGUAGES:
                user = create_user(session, f"{role}_{language}", PASSWORD, role, language=language)
                if role == "agent":
                    number = "1001" if language == "zh" else "1002"
                    session.add(
                        models.Agent(number=number, sip_user=number, user=user, display_name="王芳")
                    )
        customer = cust.create_customer(
            session, "张伟", ["13800138000"], vip=True, region="上海", tags=["宽带"]
        )
        ticket = svc.create_ticket(
            session,
            load_settings().tickets,
            subject="路由器无法上网",
            customer_id=customer.id,
            category="repair",
            description="客户来电：光猫指示灯闪烁。",
        )
        svc.add_comment(session, ticket, "已约上门检修")
        agent_1001 = session.scalar(select(models.Agent).where(models.Agent.number == "1001"))
        call = insert_call(
            session,
            "call-layout",
            agent_id=agent_1001.id,
            caller_number="13800138000",
            started_at=STARTED,
            answered_at=STARTED,
            ended_at=STARTED,
            talk_seconds=42.0,
            disposition=Disposition.ANSWERED,
        )
        for seq, (node, kind, value) in enumerate(
            [
                ("hello", "play", "played"),
                ("bye", "hangup", "NORMAL_CLEARING"),
                ("bye", "exit", "hangup"),
            ],
            start=1,
        ):  # the IVR report's funnel
            session.add(
                models.IvrStep(
                    call_id=call.id,
                    flow="main",
                    version=1,
                    seq=seq,
                    node=node,
                    kind=kind,
                    value=value,
                    at=STARTED,
                    first_visit=seq < 3,
                    entered=seq == 1,
                )
            )
        save_version(session, "main", FLOW, author="admin_en", comment="第一版")
        qa_form = create_form(session, "标准评分表", QA_FORM, None)
        sup = session.scalar(select(models.User).where(models.User.username == "supervisor_zh"))
        evaluation = evaluate(session, call, qa_form, ["yes", "no", "na"], "开场白不完整", sup)
        flagged = insert_call(
            session, "call-flagged", caller_number="13900139000", started_at=STARTED,
            answered_at=STARTED, talk_seconds=30.0, agent_id=agent_1001.id, survey_score=1,
        )  # fmt: skip
        session.add(models.Recording(call_id=flagged.id, path="call-flagged.wav", format="wav",
                                     flagged=True))  # fmt: skip
        session.flush()
        return {"ticket": ticket.number, "customer": customer.id, "user": user.id,
                "evaluation": evaluation.id, "qa_form": qa_form.id}  # fmt: skip


@pytest.fixture
def context_for(browser) -> Iterator[Any]:  # noqa: ANN001
    """A function that opens a browser context signed in as a user; all closed at the end."""
    opened = []

    def open_as(console_url: str, username: str) -> Any:
        # bypass_csp: axe-core is injected as an inline script, which the console's CSP forbids
        context = browser.new_context(viewport={"width": 1440, "height": 900}, bypass_csp=True)
        opened.append(context)
        page = context.new_page()
        page.goto(console_url + "/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("[data-testid=who]")
        return page

    yield open_as
    for context in opened:
        context.close()


def check_page(page: Any, language: str, *, with_axe: bool) -> list[str]:
    """Every problem of the page as it is shown now."""
    problems = [
        *page_checks.horizontal_scroll(page),
        *page_checks.overlapping_controls(page),
        *page_checks.untranslated(page, language),
    ]
    if with_axe:
        problems += page_checks.accessibility(page)
    return problems


def report(found: dict[str, list[str]]) -> str:
    """The problems page by page, one a line."""
    return "\n".join(
        f"{where}: {problem}" for where, problems in found.items() for problem in problems
    )


def check_pages(
    console_url: str,
    context_for: Any,
    role: str,
    paths: list[str],
    seeded: dict[str, Any],
    languages: tuple[str, ...] = LANGUAGES,
) -> dict[str, list[str]]:
    """The problems of ``paths`` for ``role`` at every width in ``languages``, by page."""
    found: dict[str, list[str]] = {}
    visited = 0
    for language in languages:
        page = context_for(console_url, f"{role}_{language}")
        for path in paths:
            url = console_url + path.format(**seeded)
            for width_name, (width, height) in WIDTHS.items():
                page.set_viewport_size({"width": width, "height": height})
                response = page.goto(url)
                assert response is not None and response.status == 200, (url, response.status)
                if path in FILLED_BY_SCRIPT:
                    page.wait_for_function(FILLED_BY_SCRIPT[path])
                problems = check_page(page, language, with_axe=True)
                visited += 1
                if problems:
                    found[f"{language} {width_name} {path}"] = problems
    assert visited == len(paths) * len(languages) * len(WIDTHS)
    return found


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", list(PAGES))
def test_every_page_of_a_role_passes_the_layout_checks(
    role: str, language: str, console_url: str, seeded: dict[str, Any], context_for: Any
) -> None:
    # the agent's own desktop (an agent linked to the user) is the next test's
    paths = [p for p in PAGES[role] if not (role == "agent" and p == DESKTOP)]
    found = check_pages(console_url, context_for, role, paths, seeded, (language,))
    assert found == {}, report(found)


@pytest.mark.parametrize("role", list(QUALITY_PAGES))
def test_every_quality_page_of_a_role_passes_the_layout_checks(
    role: str, console_url: str, seeded: dict[str, Any], context_for: Any
) -> None:
    found = check_pages(console_url, context_for, role, QUALITY_PAGES[role], seeded)
    assert found == {}, report(found)


def test_the_agent_desktop_passes_the_layout_checks(
    console_url: str, seeded: dict[str, Any], context_for: Any
) -> None:
    found = check_pages(console_url, context_for, "agent", [DESKTOP], seeded)
    assert found == {}, report(found)


def test_the_sign_in_page_passes_the_layout_checks(browser, console_url: str) -> None:  # noqa: ANN001
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    found = {}
    for width_name, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.goto(console_url + "/login")
        problems = check_page(page, "en", with_axe=True)
        if problems:
            found[width_name] = problems
    context.close()
    assert found == {}, report(found)


def test_the_checks_catch_a_broken_page(browser) -> None:  # noqa: ANN001
    """The checks are not blind: a page with each fault is reported for each."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_content(
        '<html lang="zh-CN"><body><div style="width:2000px">'
        '<button style="position:absolute;left:0;top:0">退出</button>'
        '<a href="/x" style="position:absolute;left:10px;top:5px">Sign out</a>'
        "<span>⟦Nobody translated this⟧</span>"
        '<img src="x.png"><input type="text"></div></body></html>'
    )
    assert page_checks.horizontal_scroll(page)
    assert page_checks.overlapping_controls(page)
    problems = page_checks.untranslated(page, "zh")
    assert any("missing" in p for p in problems) and any("English" in p for p in problems)
    assert any("image-alt" in p or "label" in p for p in page_checks.accessibility(page))
    context.close()
