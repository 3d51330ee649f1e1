"""The admins' "Flow problems" page reads what the engines publish (hash flow-problems:<node>):
each broken file with line:column, message and since; a long list is cut with a count;
agents and supervisors get 403; Redis down is a 503 with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from callcenter.config import load_settings
from callcenter.engine import flow_problems
from callcenter.engine.flow_problems import FlowProblemsBoard
from callcenter.ivr.registry import FlowRegistry
from callcenter.live.store import LiveStore
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "flows-pass-123"


def make_app(db_url: str, redis_url: str, prefix: str) -> Flask:
    settings = load_settings(database={"url": db_url}, redis={"url": redis_url, "prefix": prefix})
    return create_app(settings, TESTING=True)


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="zh")
        create_user(session, "lead", PASSWORD, "supervisor", language="en")
        create_user(session, "li", PASSWORD, "agent", language="en")
    return make_app(db_url, redis_url, redis_prefix)


def test_admin_sees_each_engines_problems_others_get_403(
    app: Flask, live: LiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin, _ = signed_in_client(app, "boss", PASSWORD)
    assert "尚无引擎报告" in admin.get("/admin/flows").get_data(as_text=True)  # zh user
    (tmp_path / "menu.yaml").write_text("name: menu\nstart: a\nnodes:\n  a: {type: menuu}\n"
                                        "  b: {type: hangup, caus: X}\n")  # fmt: skip
    monkeypatch.setattr(flow_problems, "MAX_ROWS", 1)
    FlowProblemsBoard(FlowRegistry(tmp_path), live, "node7").check()
    page = admin.get("/admin/flows")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "流程问题" in html and "node7" in html
    assert f'data-file="{tmp_path / "menu.yaml"}"' in html
    assert "<td>4:" in html and "unknown node type &#39;menuu&#39;" in html
    assert "还有 1 个问题" in html  # 2 problems, 1 kept
    for who in ("lead", "li"):
        other, _ = signed_in_client(app, who, PASSWORD)
        assert other.get("/admin/flows").status_code == 403


def test_redis_down_is_a_503_with_the_reason(db_url: str, redis_prefix: str) -> None:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
    app = make_app(db_url, "redis://127.0.0.1:1/0", redis_prefix)
    admin, _ = signed_in_client(app, "boss", PASSWORD)
    page = admin.get("/admin/flows")
    assert page.status_code == 503
    assert "cannot reach Redis" in page.get_data(as_text=True)
