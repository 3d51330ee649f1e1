"""Issue #18: ticket workflow errors that carry values (a status, a ticket number, a choice)
read in the user's language on the ticket pages and in the ticket API's ``message``."""

from __future__ import annotations

import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.desktop import PASSWORD, signed_in


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """A console with a Chinese and an English supervisor."""
    with session_scope(db_url) as session:
        create_user(session, "wang", PASSWORD, "supervisor", language="zh")
        create_user(session, "smith", PASSWORD, "supervisor", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


def test_a_refused_move_names_the_status_in_the_users_language(app: Flask) -> None:
    zh, zh_csrf = signed_in(app, "wang")
    en, en_csrf = signed_in(app, "smith")
    number = zh.post("/api/tickets", json={"subject": "No dial tone"}, headers=zh_csrf)
    number = number.get_json()["number"]

    refused = zh.post(f"/api/tickets/{number}/close", headers=zh_csrf)
    assert refused.status_code == 409
    assert refused.get_json()["reason"] == "cannot close a ticket that is new: resolve it first"
    assert refused.get_json()["message"] == "工单状态为“新建”，不能关闭：请先解决"
    refused = en.post(f"/api/tickets/{number}/close", headers=en_csrf)
    assert refused.get_json()["message"] == "cannot close a ticket that is new: resolve it first"

    # the ticket page shows the refusal of its form post in Chinese, the status inside it
    token = zh_csrf["X-CSRFToken"]
    moved = zh.post(f"/tickets/{number}/reopen", data={"csrf_token": token})
    page = zh.get(moved.headers["Location"]).get_data(as_text=True)
    assert "工单状态为“新建”，不能重新打开：只有已解决或已关闭的工单可以重新打开" in page


def test_values_stay_inside_the_translated_sentence(app: Flask) -> None:
    zh, csrf = signed_in(app, "wang")
    unknown = zh.post(
        "/api/tickets", json={"subject": "Refund", "priority": "asap"}, headers=csrf
    ).get_json()
    assert unknown["reason"].startswith("unknown priority 'asap'; use one of: ")
    assert unknown["message"].startswith("未知的优先级 'asap'，可选：")

    listing = zh.get("/tickets/?status=lost").get_data(as_text=True)
    assert "未知的状态 &#39;lost&#39;" in listing
    answer = zh.get("/api/tickets?status=lost").get_json()
    assert answer["message"] == "未知的状态 'lost'"


def test_the_new_ticket_form_shows_its_error_in_chinese_beside_the_field(app: Flask) -> None:
    zh, csrf = signed_in(app, "wang")
    form = {"subject": "Refund", "priority": "asap", "csrf_token": csrf["X-CSRFToken"]}
    page = zh.post("/tickets/new", data=form)
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    error = html.split('data-testid="priority-error">', 1)[1].split("</div>", 1)[0]
    assert error.startswith("未知的优先级 &#39;asap&#39;，可选：")
