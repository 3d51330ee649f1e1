"""The console's shared layout over HTTP: navigation by role with the current page marked,
sorted and paged lists with empty states, errors next to their field, results as toasts."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from callcenter.tickets import service as svc
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "design-pass-123"
NAV_LINK = re.compile(r'<a class="nav-link[^"]*" href="([^"]+)"( aria-current="page")?>')
TICKET_ROW = re.compile(r'<tr data-ticket="([^"]+)"')


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        for role in ("agent", "supervisor", "admin"):
            create_user(session, role, PASSWORD, role, language="en")
        create_user(session, "zhagent", PASSWORD, "agent", language="zh")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


def page_of(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def client_for(app: Flask, username: str) -> FlaskClient:
    return signed_in_client(app, username, PASSWORD)[0]


def add_tickets(db_url: str, subjects: list[str]) -> list[str]:
    with session_scope(db_url) as session:
        settings = load_settings().tickets
        return [svc.create_ticket(session, settings, subject=s).number for s in subjects]


@pytest.mark.parametrize(
    ("role", "links"),
    [
        ("agent", ["/agent/", "/tickets/", "/customers/", "/quality/mine"]),
        (
            "supervisor",
            [
                "/agent/",
                "/tickets/",
                "/customers/",
                "/supervisor/",
                "/wallboard/queues",
                "/reports",
                "/recordings/",
                "/admin/",
                "/quality/",
            ],
        ),
        (
            "admin",
            [
                "/agent/",
                "/tickets/",
                "/customers/",
                "/supervisor/",
                "/wallboard/queues",
                "/reports",
                "/recordings/",
                "/admin/users/",
                "/admin/ivr/",
                "/admin/flows",
                "/admin/",
                "/quality/",
            ],
        ),
    ],
)
def test_navigation_by_role_marks_the_current_page(app: Flask, role: str, links: list[str]) -> None:
    client = client_for(app, role)
    nav = NAV_LINK.findall(page_of(client, "/customers/new"))
    assert [href for href, _ in nav] == links
    assert [href for href, current in nav if current] == ["/customers/"]


def test_ticket_list_sorts_and_pages_in_sql(app: Flask, db_url: str) -> None:
    subjects = [f"subject {n:02d}" for n in range(30)]
    numbers = dict(zip(subjects, add_tickets(db_url, subjects), strict=True))
    client = client_for(app, "supervisor")

    first = page_of(client, "/tickets/?sort=subject")
    assert TICKET_ROW.findall(first) == [numbers[s] for s in subjects[:25]]
    assert 'aria-sort="ascending"' in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = page_of(client, "/tickets/?sort=subject&page=2")
    assert TICKET_ROW.findall(second) == [numbers[s] for s in subjects[25:]]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    # the subject header's link reverses the order; the reversed list starts at the end
    assert 'href="/tickets/?sort=-subject" data-sort="subject"' in first
    reversed_page = page_of(client, "/tickets/?sort=-subject")
    assert TICKET_ROW.findall(reversed_page)[:2] == [numbers["subject 29"], numbers["subject 28"]]
    assert 'aria-sort="descending"' in reversed_page
    # an unknown column or page falls back to the newest first, page 1
    fallback = page_of(client, "/tickets/?sort=password&page=x")
    assert TICKET_ROW.findall(fallback)[0] == numbers["subject 29"]


def test_empty_lists_say_so_and_offer_the_action(app: Flask, db_url: str) -> None:
    client = client_for(app, "agent")
    empty = page_of(client, "/tickets/")
    assert (
        "No tickets yet" in empty and 'class="btn btn-primary btn-sm" href="/tickets/new"' in empty
    )
    assert "暂无工单" in page_of(client_for(app, "zhagent"), "/tickets/")
    add_tickets(db_url, ["one"])
    filtered = page_of(client, "/tickets/?status=closed")
    assert "No tickets match these filters." in filtered and "No tickets yet" not in filtered
    customers = page_of(client, "/customers/")
    assert "No customers yet" in customers and 'href="/customers/new"' in customers


def test_a_form_error_shows_next_to_its_field(app: Flask) -> None:
    client, _ = signed_in_client(app, "agent", PASSWORD)
    form = page_of(client, "/tickets/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    response = client.post("/tickets/new", data={"csrf_token": token, "subject": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    field = re.search(r"<input [^>]*name=\"subject\"[^>]*>", page).group(0)
    assert 'aria-describedby="subject-error"' in field and 'aria-invalid="true"' in field
    message = re.search(r'id="subject-error"[^>]*>([^<]+)<', page).group(1)
    assert "needs a subject" in message


def test_the_result_of_an_action_is_a_toast_on_the_next_page(app: Flask) -> None:
    client, _ = signed_in_client(app, "agent", PASSWORD)
    form = page_of(client, "/tickets/new")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    created = client.post(
        "/tickets/new",
        data={"csrf_token": token, "subject": "Router broken"},
        follow_redirects=True,
    )
    page = created.get_data(as_text=True)
    assert created.status_code == 200 and "Router broken" in page
    toast = re.search(r'<div id="toasts".*?</div>\s*</div>', page, re.S).group(0)
    assert 'role="status"' in toast and "Ticket created" in toast
    assert "Ticket created" not in page_of(client, "/tickets/")  # shown once


def test_user_list_sorts_by_any_column(app: Flask) -> None:
    client = client_for(app, "admin")
    users = re.findall(r'<tr data-user="([^"]+)"', page_of(client, "/admin/users/?sort=-username"))
    assert users == ["zhagent", "supervisor", "agent", "admin"]
    by_role = re.findall(r'<tr data-user="([^"]+)"', page_of(client, "/admin/users/?sort=role"))
    assert by_role == ["admin", "agent", "zhagent", "supervisor"]  # as text, then by id
