"""Admin JSON API of the IVR flows: save versions (drafts with problems too), read, diff,
publish (refused with the problems while invalid), roll back, validate as you type, and the
hotline numbers; every change leaves an audit row; bad bodies get 400 with the reason."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from callcenter.config import load_settings
from callcenter.store import models
from callcenter.store.repositories import create_user
from callcenter.store.session import session_scope
from console import create_app
from tests.support.console import signed_in_client
from tests.support.flows import HELLO_FLOW

PASSWORD = "flows-pass-123"
GOOD = HELLO_FLOW
BROKEN = GOOD.replace("next: bye", "next: nowhere")
Client = tuple[FlaskClient, dict[str, str]]


@pytest.fixture
def admin(db_url: str, redis_url: str, redis_prefix: str) -> Client:
    with session_scope(db_url) as session:
        create_user(session, "boss", PASSWORD, "admin", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    app: Flask = create_app(settings, TESTING=True)
    return signed_in_client(app, "boss", PASSWORD)


def audit(db_url: str) -> list[tuple]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(models.AuditLog).where(models.AuditLog.action != "login"))
        return [(r.actor, r.action, r.object_id, r.detail.get("before")) for r in rows]


def test_versions_publish_and_rollback(admin: Client, db_url: str) -> None:
    client, csrf = admin
    url = "/api/admin/flows/main"
    first = client.post(f"{url}/versions", json={"yaml": GOOD, "comment": "v1"}, headers=csrf)
    assert first.status_code == 201
    assert first.json | {"created_at": None, "sha256": None} == {
        "number": 1,
        "author": "boss",
        "comment": "v1",
        "created_at": None,
        "sha256": None,
        "valid": True,
        "published": False,
        "problems": [],
    }
    second = client.post(
        f"{url}/versions", json={"yaml": GOOD.replace("hello", "hi")}, headers=csrf
    )
    assert second.status_code == 201 and second.json["valid"] is True
    draft = client.post(f"{url}/versions", json={"yaml": BROKEN}, headers=csrf)
    assert draft.status_code == 201 and draft.json["number"] == 3 and draft.json["valid"] is False
    assert draft.json["problems"][0]["text"].startswith("main:7:11: node 'hello': missing target")

    refused = client.post(f"{url}/publish", json={"version": 3}, headers=csrf)
    assert refused.status_code == 409
    assert [p["line"] for p in refused.json["problems"]] == [7, 8]
    assert client.post(f"{url}/publish", json={"version": 2}, headers=csrf).json == {
        "name": "main",
        "published": 2,
        "before": None,
    }
    back = client.post(f"{url}/publish", json={"version": 1}, headers=csrf)
    assert back.status_code == 200 and back.json["before"] == 2
    (flow,) = client.get("/api/admin/flows").json["flows"]
    assert (flow["name"], flow["published"], flow["newest"]) == ("main", 1, 3)
    listed = client.get(f"{url}/versions").json["versions"]
    assert [(v["number"], v["published"], v["valid"]) for v in listed] == [
        (3, False, False),
        (2, False, True),
        (1, True, True),
    ]
    assert client.get(f"{url}/versions/3").json["yaml"] == BROKEN
    diff = client.get(f"{url}/diff?from=1&to=3").json["diff"]
    assert "-    next: bye\n+    next: nowhere\n" in diff
    assert audit(db_url) == [
        ("boss", "ivr_flow_publish", "main", None),
        ("boss", "ivr_flow_rollback", "main", 2),
    ]


def test_validate_as_you_type_saves_nothing(admin: Client) -> None:
    client, csrf = admin
    answer = client.post("/api/admin/flows/validate", json={"yaml": BROKEN}, headers=csrf)
    assert answer.status_code == 200 and answer.json["valid"] is False
    assert [p["text"].split(": ")[0] for p in answer.json["problems"]] == ["main:7:11", "main:8:3"]
    ok = client.post("/api/admin/flows/validate", json={"yaml": GOOD}, headers=csrf)
    assert ok.json == {"valid": True, "problems": []}
    yaml_error = client.post(
        "/api/admin/flows/validate", json={"yaml": "name: [x\n"}, headers=csrf
    ).json
    assert yaml_error["valid"] is False and yaml_error["problems"][0]["file"] == "flow"
    assert client.get("/api/admin/flows").json["flows"] == []


def test_hotline_numbers_are_replaced_and_audited(admin: Client, db_url: str) -> None:
    client, csrf = admin
    numbers = [{"number": "5000", "flow": "main", "comment": "hotline"}]
    put = client.put("/api/admin/hotline_numbers", json={"numbers": numbers}, headers=csrf)
    assert put.status_code == 200 and put.json["numbers"] == numbers
    assert client.get("/api/admin/hotline_numbers").json["numbers"] == numbers
    assert audit(db_url) == [("boss", "hotline_numbers", None, [])]


@pytest.mark.parametrize(
    ("method", "path", "body", "reason"),
    [
        ("POST", "/api/admin/flows/main/versions", {}, "field yaml must be the flow's YAML text"),
        ("POST", "/api/admin/flows/main/versions", {"yaml": 5}, "field yaml must be text"),
        (
            "POST",
            "/api/admin/flows/main/versions",
            {"yaml": GOOD, "comment": "x" * 501},
            "field comment",
        ),
        ("POST", "/api/admin/flows/a%20b/versions", {"yaml": GOOD}, "bad flow name"),
        ("POST", "/api/admin/flows/main/publish", {"version": "1"}, "field version must be"),
        ("POST", "/api/admin/flows/main/publish", {"version": True}, "field version must be"),
        ("POST", "/api/admin/flows/validate", {"yaml": GOOD, "name": "1x"}, "field name"),
        ("GET", "/api/admin/flows/main/diff?from=1", None, "give both versions"),
        ("GET", "/api/admin/flows/main/diff?from=x&to=1", None, "from must be a whole number"),
        ("PUT", "/api/admin/hotline_numbers", {"numbers": {}}, "field numbers must be a list"),
        (
            "PUT",
            "/api/admin/hotline_numbers",
            {"numbers": [{"number": "x1", "flow": "m"}]},
            "numbers[0].number",
        ),
    ],
)
def test_bad_bodies_get_400_with_the_reason(
    admin: Client, method: str, path: str, body: dict | None, reason: str
) -> None:
    client, csrf = admin
    answer = client.open(path, method=method, json=body, headers=csrf)
    assert answer.status_code == 400, answer.get_data(as_text=True)
    assert answer.json["reason"].startswith(reason) or reason in answer.json["reason"]


def test_unknown_flow_and_version_are_404(admin: Client) -> None:
    client, csrf = admin
    assert client.get("/api/admin/flows/none/versions").status_code == 404
    client.post("/api/admin/flows/main/versions", json={"yaml": GOOD}, headers=csrf)
    assert client.get("/api/admin/flows/main/versions/9").status_code == 404
    assert (
        client.post("/api/admin/flows/main/publish", json={"version": 9}, headers=csrf).status_code
        == 404
    )


def test_a_valid_version_is_drawn_and_an_invalid_one_is_refused(admin: Client) -> None:
    client, csrf = admin
    client.post("/api/admin/flows/main/versions", json={"yaml": GOOD}, headers=csrf)
    client.post("/api/admin/flows/main/versions", json={"yaml": BROKEN}, headers=csrf)
    drawn = client.get("/api/admin/flows/main/versions/1/graph")
    assert drawn.status_code == 200
    assert "hello -> bye" in drawn.json["dot"] and "__start__ -> hello" in drawn.json["dot"]
    assert drawn.json["svg"].lstrip().startswith("<?xml") and "</svg>" in drawn.json["svg"]
    refused = client.get("/api/admin/flows/main/versions/2/graph")
    assert refused.status_code == 409 and refused.json["problems"][0]["line"] == 7
