"""What each JSON route under /api accepts and answers, by the route's Flask endpoint.

Method, path and path parameters come from the app's URL map, the summary from the view's
docstring and the roles from its ``role_required``; this table adds the body, the query
parameters and the answers. tests/integration/test_openapi.py fails when a route under /api
has no entry here or an entry has no route.

A table beside the handlers rather than a library: flask-smorest and apispec describe bodies
with marshmallow (a second schema language beside pydantic), spectree and flask-openapi3 want
every handler rewritten around their request objects; the handlers already check their input
(console/request_input.py), so the table only describes it, and the tests keep both in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from callcenter.agent_actions import ACTIONS as AGENT_ACTIONS
from callcenter.tickets.workflow import ACTIONS as TICKET_ACTIONS
from console import api_schemas as s
from console import api_schemas_admin as a

TICKET_CHANGES = (*TICKET_ACTIONS, "comment", "link_call", "update", "callback",
                  "callback_outcome")  # fmt: skip
SSE = "text/event-stream"


@dataclass(frozen=True)
class Query:
    """A query parameter: its name and JSON Schema."""

    name: str
    schema: Mapping[str, Any]
    description: str = ""


@dataclass(frozen=True)
class Operation:
    """One route's documented body, query parameters and answers.

    ``answers`` maps each success status to its model (None: no JSON body); ``refusals``
    are the 4xx/5xx the handler itself gives besides 400/401/403 (every route), 404 (routes
    with path parameters) and 413 (routes with a body).
    """

    answers: Mapping[int, type[BaseModel] | None]
    body: type[BaseModel] | None = None
    body_required: bool = True
    refusals: tuple[int, ...] = ()
    query: tuple[Query, ...] = ()
    enums: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    media_type: str = "application/json"


def _int(name: str, low: int, high: int, description: str = "") -> Query:
    return Query(name, {"type": "integer", "minimum": low, "maximum": high}, description)


def _text(name: str, description: str = "", limit: int = 200) -> Query:
    return Query(name, {"type": "string", "maxLength": limit}, description)


FLAG = {"type": "string", "enum": ["1", "true", "on", "0", ""]}
LIVE = 503  # Redis (the live state) cannot be reached

OPERATIONS: dict[str, Operation] = {
    # agents' CTI API and desktop
    "api.agent_state": Operation({200: s.AgentState}, refusals=(LIVE,)),
    "api.agent_action": Operation(
        {202: s.Accepted},
        s.AgentActionBody,
        body_required=False,
        refusals=(409, LIVE),
        enums={"action": AGENT_ACTIONS},
    ),
    "agent.snapshot": Operation({200: s.DesktopSnapshot}, refusals=(LIVE,)),
    "agent.pop": Operation({200: s.ScreenPop}, refusals=(LIVE,)),
    "agent.sign_in": Operation({202: s.Accepted}, s.SignInBody, refusals=(409, LIVE)),
    "agent.dial": Operation({202: s.Accepted}, s.DialBody, refusals=(409, LIVE)),
    "agent.stream": Operation({200: None}, refusals=(LIVE,), media_type=SSE),
    "wrapup.save": Operation(
        {200: s.WrapUpSaved}, s.WrapUpBody, body_required=False, refusals=(409, LIVE)
    ),
    # supervisors: monitoring, calls, wallboard
    "monitor_api.start": Operation(
        {202: s.MonitorAccepted}, s.MonitorStartBody, refusals=(409, LIVE)
    ),
    "monitor_api.show": Operation({200: s.MonitorSession}),
    "monitor_api.change_mode": Operation(
        {202: s.MonitorAccepted}, s.MonitorModeBody, refusals=(409, LIVE)
    ),
    "monitor_api.leave": Operation({202: s.MonitorAccepted}, refusals=(409, LIVE)),
    "calls.call_json": Operation({200: s.CallRecord}),
    "calls.add_correction": Operation({201: s.Corrected}, s.CorrectionBody),
    "queue_board.snapshot": Operation({200: s.QueueBoard}),
    "queue_board.call_back": Operation({201: s.CallbackTicket}, refusals=(409,)),
    # customers and tickets
    "customers.api_search": Operation(
        {200: a.Customers},
        query=(_text("q", "name, number, region or tags"), _text("phone", "one caller", 64)),
    ),
    "customers.api_create": Operation({201: a.Customer}, a.CustomerCreateBody),
    "customers.api_get": Operation({200: a.CustomerHistory}),
    "customers.api_update": Operation({200: a.Customer}, a.CustomerBody),
    "tickets.api_list": Operation(
        {200: a.Tickets},
        query=(
            _text("q", "text in the subject, description or number"),
            _text("status", "a status, or 'open'", 64),
            _text("category", limit=64),
            _text("priority", limit=64),
            _int("customer", 0, 2**63 - 1, "a customer id"),
            Query("mine", FLAG, "only mine"),
            Query("overdue", FLAG, "only overdue"),
        ),
    ),
    "tickets.api_create": Operation({201: a.TicketDetail}, a.TicketBody),
    "tickets.api_get": Operation({200: a.TicketDetail}),
    "tickets.api_change": Operation(
        {200: a.TicketDetail},
        a.TicketChangeBody,
        body_required=False,
        refusals=(409,),
        enums={"what": TICKET_CHANGES},
    ),
    # admin: set-up objects
    "admin_api.list_all": Operation(
        {200: a.AdminObjects},
        query=(_int("offset", 0, 1_000_000), _int("limit", 1, 500, "default 100")),
    ),
    "admin_api.one": Operation({200: a.AdminObject}),
    "admin_api.create": Operation({201: a.AdminObject}, a.AdminObjectBody),
    "admin_api.change": Operation({200: a.AdminObject}, a.AdminObjectBody),
    "admin_api.deactivate": Operation({200: a.AdminObject}),
    # admin: IVR flows and hotline numbers
    "flows_api.flows": Operation({200: a.Flows}),
    "flows_api.validate": Operation({200: a.FlowProblems}, a.FlowValidateBody),
    "flows_api.versions": Operation({200: a.FlowVersions}),
    "flows_api.save": Operation({201: a.FlowVersion}, a.FlowSaveBody, refusals=(409,)),
    "flows_api.one_version": Operation({200: a.FlowVersion}),
    "flows_api.graph": Operation({200: a.FlowGraph}, refusals=(409,)),
    "flows_api.diff": Operation(
        {200: a.FlowDiff},
        query=(_int("from", 1, 1_000_000, "older version"), _int("to", 1, 1_000_000)),
    ),
    "flows_api.publish_version": Operation({200: a.Published}, a.PublishBody, refusals=(409,)),
    "flows_api.numbers": Operation({200: a.HotlineNumbers}),
    "flows_api.replace": Operation({200: a.HotlineNumbers}, a.HotlineNumbersBody),
}
