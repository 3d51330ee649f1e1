"""Pydantic models of the customers, tickets, admin set-up and IVR flows JSON API (see
:mod:`console.api_schemas` for the rest and the error shape)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from console.api_schemas import Answer, Body

# --- customers ----------------------------------------------------------------------------


class CustomerBody(Body):
    """A customer's fields (phones: the full list)."""

    name: str | None = None
    phones: list[str] | None = None
    vip: bool | None = None
    region: str | None = None
    tags: list[str] | None = None
    notes: str | None = None


class CustomerCreateBody(CustomerBody):
    """A new customer: a name and any other fields."""

    name: str = Field(min_length=1, max_length=128)


class Customer(Answer):
    """A customer as the API and the screen-pop show it."""

    id: int
    name: str
    vip: bool
    region: str
    tags: list[str]
    notes: str
    phones: list[str]


class Customers(Answer):
    """Customers found."""

    customers: list[Customer]


class CustomerHistory(Customer):
    """A customer with their calls and tickets."""

    calls: list[dict[str, Any]]
    tickets: list[dict[str, Any]]


# --- tickets ------------------------------------------------------------------------------


class TicketBody(Body):
    """A new ticket; with ``call_uuid`` the call is linked and described."""

    subject: str = Field(min_length=1)
    customer_id: int | str | None = None
    category: str | None = None
    priority: str | None = None
    description: str | None = None
    department: str | None = None
    assignee_id: int | str | None = None
    call_uuid: str | None = None
    caller_number: str | None = None


class TicketChangeBody(Body):
    """The fields a change reads (reason, assignee_id, body, call_uuid, subject, number,
    due_at, note, callback_id, outcome; see console/ticket_changes.py)."""


class Ticket(Answer):
    """A ticket's summary with its SLA state."""

    number: str
    subject: str
    status: str
    priority: str
    actions: list[str]


class Tickets(Answer):
    """Tickets found."""

    tickets: list[Ticket]


class TicketDetail(Ticket):
    """A ticket with comments, history, calls and callbacks."""

    description: str
    comments: list[dict[str, Any]]
    history: list[dict[str, Any]]


# --- admin set-up -------------------------------------------------------------------------


class AdminObjectBody(Body):
    """The form's fields of the kind (e.g. a queue's name, strategy, ...); see the admin
    pages for each kind's fields."""


class AdminObject(Answer):
    """An object's stored values with its id."""

    id: int


class AdminObjects(Answer):
    """A page of objects."""

    items: list[dict[str, Any]]


# --- IVR flows and hotline numbers --------------------------------------------------------


class Flows(Answer):
    """Every flow with its published and newest version."""

    flows: list[dict[str, Any]]


class FlowValidateBody(Body):
    """A flow's YAML text to check (saves nothing)."""

    yaml: str = Field(min_length=1)
    name: str | None = None


class FlowProblems(Answer):
    """The problems found, as ``file:line:col``."""

    valid: bool
    problems: list[dict[str, Any]]


class FlowSaveBody(Body):
    """The next version's YAML text and a comment."""

    yaml: str = Field(min_length=1)
    comment: str | None = Field(None, max_length=500)


class FlowVersion(Answer):
    """A version (with its YAML text when one version is asked for)."""

    number: int
    author: str | None
    comment: str | None
    created_at: str
    sha256: str
    valid: bool
    published: bool


class FlowVersions(Answer):
    """A flow's versions, newest first."""

    name: str
    versions: list[FlowVersion]


class FlowGraph(Answer):
    """The version as a graph: DOT text and SVG (null without graphviz)."""

    dot: str
    svg: str | None


class FlowDiff(Answer):
    """A unified diff between two versions."""

    diff: str


class PublishBody(Body):
    """The version to publish (an earlier one than the published: a rollback)."""

    version: int = Field(ge=1, le=1_000_000)


class Published(Answer):
    """The flow's published version now and before."""

    name: str
    published: int
    before: int | None


class HotlineNumber(Body):
    """A hotline number, the flow it starts and a comment."""

    number: str
    flow: str
    comment: str | None = None


class HotlineNumbers(Answer):
    """Every hotline number."""

    numbers: list[dict[str, Any]]


class HotlineNumbersBody(Body):
    """The new set of hotline numbers (replaces all)."""

    numbers: list[HotlineNumber] = Field(max_length=10_000)
