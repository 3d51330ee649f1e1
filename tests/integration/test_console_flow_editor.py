"""The IVR flow editor's pages (console/flow_editor.py): the list shows each flow's published
version, last change and whether its newest version has problems; the editor page loads the
vendored CodeMirror from the console itself (no CDN) and 404s for an unknown flow; the
navigation offers the pages to admins only."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from callcenter.config import load_settings
from callcenter.flows.publish import publish
from callcenter.flows.versions import save_version
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client
from tests.support.flows import HELLO_FLOW

PASSWORD = "editor-pass-123"
GOOD = HELLO_FLOW
BROKEN = GOOD.replace("next: bye", "next: nowhere").replace("name: main", "name: sales")


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return create_app(settings, TESTING=True)


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    return signed_in_client(app, "boss", PASSWORD)[0]


def test_the_list_shows_published_version_last_change_and_problems(
    admin: FlaskClient, db_url: str
) -> None:
    empty = admin.get("/admin/ivr/")
    assert empty.status_code == 200 and 'data-testid="empty"' in empty.text
    with session_scope(db_url) as session:
        save_version(session, "main", GOOD, author="boss", comment="first")
        save_version(session, "main", GOOD.replace("hello", "hi"), author="alice")
        publish(session, "main", 1, user=None)
        save_version(session, "sales", BROKEN, author="bob")
    page = admin.get("/admin/ivr/").text
    main = re.search(r'<tr data-name="main">(.*?)</tr>', page, re.S).group(1)
    sales = re.search(r'<tr data-name="sales">(.*?)</tr>', page, re.S).group(1)
    assert 'href="/admin/ivr/main"' in main
    assert re.search(r'data-testid="published">1<', main)
    assert "alice" in main and ">valid<" in main and "has problems" not in main
    assert re.search(r'data-testid="published">none<', sales)
    assert "bob" in sales and "The newest version has problems" in sales


def test_the_editor_loads_codemirror_from_the_console(admin: FlaskClient, db_url: str) -> None:
    with session_scope(db_url) as session:
        save_version(session, "main", GOOD, author="boss")
    page = admin.get("/admin/ivr/main")
    assert page.status_code == 200
    assert 'data-flow="main"' in page.text and 'data-testid="flow-name">main<' in page.text
    sources = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page.text)
    assert "/static/vendor/codemirror/codemirror.js" in sources
    assert "/static/vendor/codemirror/yaml.js" in sources
    assert all(s.startswith("/static/") for s in sources), sources  # no CDN
    for path in sources:
        assert admin.get(path).status_code == 200, path
    script = admin.get("/static/vendor/codemirror/codemirror.js").text
    assert 'CodeMirror.version = "5.65.' in script
    assert admin.get("/static/vendor/codemirror/LICENSE").status_code == 200


def test_a_new_flow_has_a_name_field_and_an_unknown_flow_is_404(admin: FlaskClient) -> None:
    new = admin.get("/admin/ivr/new")
    assert new.status_code == 200 and 'id="flow-new-name"' in new.text
    assert 'data-flow=""' in new.text
    assert admin.get("/admin/ivr/nosuchflow").status_code == 404


def test_only_admins_see_the_flow_editor_in_the_navigation(app: Flask, admin: FlaskClient) -> None:
    assert 'href="/admin/ivr/"' in admin.get("/admin/users/").text
    supervisor = signed_in_client(app, "sup", PASSWORD)[0]
    assert 'href="/admin/ivr/"' not in supervisor.get("/supervisor/").text
    assert supervisor.get("/admin/ivr/").status_code == 403
