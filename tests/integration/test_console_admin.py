"""Users and their departments: the admin pages and ``callcenter users create --department``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from callcenter.cli import main
from callcenter.config import load_settings
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.store.users import User
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "admin-pass-123"


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


def user(db_url: str, username: str) -> User | None:
    with session_scope(db_url) as session:
        row = session.scalar(select(User).where(User.username == username))
        if row is not None:
            session.expunge(row)
        return row


def form_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_admin_creates_and_edits_a_user_with_a_department(app: Flask, db_url: str) -> None:
    client, _ = signed_in_client(app, "boss", PASSWORD)
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert "technical" in page and "billing" in page  # the configured departments
    token = form_token(page)
    created = client.post(
        "/admin/users/new",
        data={
            "csrf_token": token,
            "username": "li.lei",
            "password": "li-pass-1234",
            "role": "agent",
            "language": "zh",
            "department": "technical",
            "display_name": "Li Lei",
        },
    )
    assert created.status_code == 302 and created.headers["Location"].endswith("/admin/users/")
    row = user(db_url, "li.lei")
    assert (row.role, row.language, row.department, row.display_name) == (
        "agent",
        "zh",
        "technical",
        "Li Lei",
    )
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert re.search(r'data-user="li.lei".*technical', listing)

    edited = client.post(
        f"/admin/users/{row.id}",
        data={"csrf_token": token, "role": "supervisor", "language": "en", "department": ""},
    )
    assert edited.status_code == 302
    row = user(db_url, "li.lei")
    assert (row.role, row.department, row.active) == ("supervisor", None, False)
    # the signed-in user reloads with the new department on the next request
    client.post(
        f"/admin/users/{row.id}",
        data={
            "csrf_token": token,
            "role": "agent",
            "language": "en",
            "department": "billing",
            "active": "on",
            "password": "new-pass-9999",
        },
    )
    agent, _ = signed_in_client(app, "li.lei", "new-pass-9999")
    assert agent.get("/agent/").status_code == 200
    assert user(db_url, "li.lei").department == "billing"


def test_admin_forms_refuse_bad_input_with_a_reason(app: Flask, db_url: str) -> None:
    client, _ = signed_in_client(app, "boss", PASSWORD)
    token = form_token(client.get("/admin/users/new").get_data(as_text=True))
    base = {"csrf_token": token, "username": "x1", "password": "x-pass-123456", "role": "agent"}
    for data, reason in [
        ({**base, "department": "marketing"}, "unknown department &#39;marketing&#39;"),
        ({**base, "role": "root"}, "unknown role &#39;root&#39;"),
        ({**base, "password": "abc"}, "password too short"),
        ({**base, "username": "boss"}, "already exists"),
    ]:
        response = client.post("/admin/users/new", data=data)
        assert response.status_code == 400, data
        assert reason in response.get_data(as_text=True), data
    assert user(db_url, "x1") is None
    boss = user(db_url, "boss")
    response = client.post(
        f"/admin/users/{boss.id}", data={"csrf_token": token, "role": "agent", "active": "on"}
    )
    assert response.status_code == 400 and "your own admin role" in response.get_data(as_text=True)
    assert client.get("/admin/users/999").status_code == 404
    no_token = client.post(
        "/admin/users/new", data={k: v for k, v in base.items() if k != "csrf_token"}
    )
    assert no_token.status_code == 400


def test_cli_users_create_with_a_department(db_url: str, tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.chdir(tmp_path)  # no callcenter.yaml: the default departments
    runner = CliRunner()
    args = ["users", "create", "--url", db_url, "--username", "wang", "--password", "wang-pass-123"]
    done = runner.invoke(main, [*args, "--department", "billing"])
    assert done.exit_code == 0, done.output
    assert user(db_url, "wang").department == "billing"
    refused = runner.invoke(
        main, [*args[:-3], "zhao", "--password", "zhao-pass-123", "--department", "sales"]
    )
    assert refused.exit_code == 2
    assert "unknown department 'sales'; use one of: customer_service, technical, billing" in (
        refused.output
    )
    assert user(db_url, "zhao") is None
