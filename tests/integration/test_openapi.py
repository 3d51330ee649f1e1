"""#17 item 4: the OpenAPI document covers every /api route, is served to signed-in users
(JSON and a page in zh/en), and a sample request of every operation answers a documented
status with a body of the documented shape."""

from __future__ import annotations

from typing import Any

import schemathesis
from flask.testing import FlaskClient

from console.openapi import PARAMETER, api_rules
from console.openapi_operations import OPERATIONS
from tests.support.console import signed_in_client
from tests.support.openapi_center import FLOW, PASSWORD, Center, center  # noqa: F401

NOT_SAMPLED = {("GET", "/api/desktop/{agent_id}/stream")}  # server-sent events: never end


def _document(center: Center) -> dict[str, Any]:
    client, _ = signed_in_client(center.app, "agent1", PASSWORD)
    answer = client.get("/api/openapi.json")
    assert answer.status_code == 200
    return answer.get_json()


def test_every_api_route_has_an_entry_and_every_entry_a_route(center: Center) -> None:
    routed = {rule.endpoint for rule in api_rules(center.app)}
    assert routed - set(OPERATIONS) == set(), "routes under /api without an OPERATIONS entry"
    assert set(OPERATIONS) - routed == set(), "OPERATIONS entries without a route"
    documented = {
        (path, method.upper())
        for path, methods in _document(center)["paths"].items()
        for method in methods
    }
    expected = {
        (PARAMETER.sub(r"{\1}", rule.rule), method)
        for rule in api_rules(center.app)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == expected


def test_the_document_needs_a_sign_in_and_is_openapi_3_1(center: Center) -> None:
    anonymous = center.app.test_client()
    assert anonymous.get("/api/openapi.json").status_code == 401
    assert anonymous.get("/api/docs").status_code == 401
    document = _document(center)
    assert document["openapi"] == "3.1.0"
    ticket_change = document["paths"]["/api/tickets/{number}/{what}"]["post"]
    assert ticket_change["x-roles"] == ["admin", "agent", "supervisor"]
    assert {"409", "413", "401"} <= set(ticket_change["responses"])
    assert ticket_change["security"] == [{"session": [], "csrf": []}]
    schema = schemathesis.openapi.from_dict(document)  # parses: every $ref resolves
    assert len(list(schema.get_all_operations())) == sum(map(len, document["paths"].values()))


def test_the_docs_page_in_both_languages(center: Center) -> None:
    agent, _ = signed_in_client(center.app, "agent1", PASSWORD)  # language zh
    page = agent.get("/api/docs").get_data(as_text=True)
    assert "API 参考" in page and "请求体" in page and "角色: 管理员" in page
    assert (
        'data-operation="tickets_api_change"' in page
        and "<code>/api/tickets/{number}/{what}</code>" in page
    )
    boss, _ = signed_in_client(center.app, "boss", PASSWORD)  # language en
    page = boss.get("/api/docs").get_data(as_text=True)
    assert "API reference" in page and "Request body" in page
    assert page.count('data-testid="operation"') == sum(
        map(len, _document(center)["paths"].values())
    )


def _samples(center: Center) -> list[tuple[str, str, dict[str, Any] | None, int]]:
    """(method, path, JSON body, expected status): at least one for every operation."""
    t, c = center.ticket, center.customer_id
    return [
        ("GET", "/api/agents/1001", None, 200),
        ("POST", "/api/agents/1001/login", None, 202),
        ("POST", "/api/agents/1001/ready", {}, 409),
        ("POST", "/api/agents/9999/ready", {}, 404),
        ("GET", "/api/desktop/1001", None, 200),
        ("POST", "/api/desktop/1001/sign_in", {"extension": "1001"}, 202),
        ("POST", "/api/desktop/1001/sign_in", {"extension": "1002"}, 409),
        ("POST", "/api/desktop/1001/dial", {"number": "13800138000"}, 202),
        ("POST", "/api/desktop/1001/wrap_up", {"code": "x"}, 409),
        ("GET", "/api/desktop/pop/c1", None, 200),
        ("GET", "/api/desktop/pop/nope", None, 404),
        ("POST", "/api/monitor", {"call_uuid": "c1"}, 409),
        ("POST", "/api/monitor", {"mode": "shout", "call_uuid": "c1"}, 400),
        ("GET", "/api/monitor/1", None, 200),
        ("POST", "/api/monitor/1/mode", {"mode": "barge"}, 202),
        ("POST", "/api/monitor/1/leave", None, 202),
        ("GET", "/api/calls/c1", None, 200),
        ("POST", "/api/calls/c1/corrections", {"field": "note", "value": "ok", "reason": "r"}, 201),
        ("GET", "/api/wallboard/queues", None, 200),
        ("POST", "/api/wallboard/abandoned/c1/callback", None, 409),
        ("POST", "/api/wallboard/abandoned/c2/callback", None, 201),
        ("GET", "/api/customers?q=Wang", None, 200),
        ("POST", "/api/customers", {"name": "Ann", "phones": ["13800138009"]}, 201),
        ("GET", f"/api/customers/{c}", None, 200),
        ("PATCH", f"/api/customers/{c}", {"vip": True}, 200),
        ("PATCH", f"/api/customers/{c}", {"tags": 5}, 400),
        ("GET", "/api/tickets?mine=1", None, 200),
        ("POST", "/api/tickets", {"subject": "Printer", "customer_id": c}, 201),
        ("GET", f"/api/tickets/{t}", None, 200),
        ("POST", f"/api/tickets/{t}/comment", {"body": "called"}, 200),
        ("POST", f"/api/tickets/{t}/bogus", {}, 404),
        ("GET", "/api/admin/skills?limit=5", None, 200),
        ("POST", "/api/admin/skills", {"name": "english"}, 201),
        ("GET", "/api/admin/skills/1", None, 200),
        ("PUT", "/api/admin/skills/1", {"description": "English"}, 200),
        ("DELETE", "/api/admin/skills/1", None, 200),
        ("GET", "/api/admin/skills/99", None, 404),
        ("PUT", "/api/admin/skills/9223372036854775808", {}, 404),  # past SQL's ids: was a 405
        ("DELETE", "/api/admin/skills/32620758697320833351680", None, 404),
        ("GET", "/api/admin/flows", None, 200),
        ("POST", "/api/admin/flows/validate", {"yaml": FLOW}, 200),
        ("POST", "/api/admin/flows/main/versions", {"yaml": FLOW, "comment": "v2"}, 201),
        ("GET", "/api/admin/flows/main/versions", None, 200),
        ("GET", "/api/admin/flows/main/versions/1", None, 200),
        ("GET", "/api/admin/flows/main/versions/1/graph", None, 200),
        ("GET", "/api/admin/flows/main/diff?from=1&to=2", None, 200),
        ("POST", "/api/admin/flows/main/publish", {"version": 2}, 200),
        ("GET", "/api/monitor/2", None, 404),
        ("PUT", "/api/admin/hotline_numbers", {"numbers": [{"number": "4001", "flow": "main"}]},
         200),
        ("GET", "/api/admin/hotline_numbers", None, 200),
    ]  # fmt: skip


def _call(client: FlaskClient, headers: dict[str, str], method: str, path: str, body: Any):
    kwargs: dict[str, Any] = {"headers": headers if method != "GET" else {}}
    if body is not None:
        kwargs["json"] = body
    return client.open(path, method=method, **kwargs)


def test_a_sample_of_every_operation_answers_as_documented(center: Center) -> None:
    document = _document(center)
    schema = schemathesis.openapi.from_dict(document)
    client, csrf = signed_in_client(center.app, "boss", PASSWORD)
    sampled = set()
    for method, path, body, status in _samples(center):
        answer = _call(client, csrf, method, path, body)
        assert answer.status_code == status, (method, path, answer.get_json())
        operation = schema.find_operation_by_path(method, path.split("?")[0])
        assert operation is not None, (method, path)
        documented = document["paths"][operation.path][method.lower()]["responses"]
        assert str(status) in documented, (method, path, status)
        operation.validate_response(answer)  # the body has the documented shape
        sampled.add((method, operation.path))
    everything = {
        (method, path)
        for path, methods in document["paths"].items()
        for method in map(str.upper, methods)
    }
    assert everything - sampled == NOT_SAMPLED
