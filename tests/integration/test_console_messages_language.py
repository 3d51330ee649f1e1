"""Issue #18 item 3: the console's answers in the signed-in user's language.

JSON error answers keep their English ``reason`` (scripts rely on it) and add ``message``,
the same reason in the user's language; pages show dates in the center's time zone and the
user's language ("2026年12月6日 14:03" / "6 Dec 2026 14:03").
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from console.app import create_app
from tests.support.console import signed_in_client

PASSWORD = "messages-pass-1"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    """A console in Shanghai time with a Chinese and an English agent and one customer."""
    with session_scope(db_url) as session:
        create_user(session, "zhang", PASSWORD, "agent", language="zh")
        create_user(session, "smith", PASSWORD, "agent", language="en")
        cust.create_customer(session, "Wang Fang", ["13800138000"])
        session.add(
            models.Call(
                uuid="c-dates",
                direction="inbound",
                caller_number="13800138000",
                started_at=datetime(2026, 12, 6, 6, 3, 9, tzinfo=UTC),
                talk_seconds=192.4,
                disposition="answered",
            )
        )
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        timezone="Asia/Shanghai",
    )
    return create_app(settings, TESTING=True)


def test_an_error_answer_carries_the_reason_and_a_message_in_the_users_language(
    app: Flask,
) -> None:
    zh, zh_csrf = signed_in_client(app, "zhang", PASSWORD)
    en, en_csrf = signed_in_client(app, "smith", PASSWORD)

    answer = zh.get("/api/customers/9999")
    assert answer.status_code == 404
    assert answer.get_json() == {
        "error": True,
        "reason": "no customer 9999",
        "message": "没有客户 9999",
    }
    assert en.get("/api/customers/9999").get_json()["message"] == "no customer 9999"

    answer = zh.post("/api/tickets", json={"subject": 5}, headers=zh_csrf)
    assert answer.status_code == 400
    assert answer.get_json()["message"] == "字段 subject 必须是不超过 255 个字符的文本"

    answer = zh.post("/api/tickets", json={"subject": ""}, headers=zh_csrf)
    assert answer.status_code == 400
    assert answer.get_json()["reason"] == "a ticket needs a subject"
    assert answer.get_json()["message"] == "工单需要主题"

    answer = en.post("/api/tickets", json={"subject": ""}, headers=en_csrf)
    assert answer.get_json()["message"] == "a ticket needs a subject"


def test_a_reason_with_a_value_keeps_the_value_in_the_translated_message(app: Flask) -> None:
    zh, csrf = signed_in_client(app, "zhang", PASSWORD)
    answer = zh.post("/api/customers", json={"name": "X", "phones": ["abc"]}, headers=csrf)
    assert answer.status_code == 400
    body = answer.get_json()
    assert body["reason"] == "phone number 'abc' is not valid: use digits, optionally a leading +"
    assert body["message"] == "电话号码 'abc' 无效：请使用数字，可以 + 开头"


def test_pages_show_dates_and_durations_in_the_zone_and_the_language(app: Flask) -> None:
    zh, _ = signed_in_client(app, "zhang", PASSWORD)
    en, _ = signed_in_client(app, "smith", PASSWORD)
    with session_scope(app.config["CALLCENTER_SETTINGS"].database.url) as session:
        customer_id = session.query(models.Customer).one().id
    zh_page = zh.get(f"/customers/{customer_id}").get_data(as_text=True)
    en_page = en.get(f"/customers/{customer_id}").get_data(as_text=True)
    # 06:03 UTC is 14:03 in Shanghai
    assert "2026年12月6日 14:03" in zh_page and "3分12秒" in zh_page
    assert "6 Dec 2026 14:03" in en_page and "3 min 12 s" in en_page
    assert "2026-12-06" not in zh_page + en_page


def test_a_page_refusing_bad_input_says_why_in_the_users_language(app: Flask) -> None:
    zh, _ = signed_in_client(app, "zhang", PASSWORD)
    en, _ = signed_in_client(app, "smith", PASSWORD)
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = {"name": "x" * (limit + 1)}
    answer = zh.post("/customers/new", data=big)
    assert answer.status_code == 413
    assert answer.get_data(as_text=True) == f"请求大小超过 {limit} 字节的上限"
    answer = en.post("/customers/new", data=big)
    assert answer.get_data(as_text=True) == f"the request is larger than the limit of {limit} bytes"
