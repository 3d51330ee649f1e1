"""Access matrix: every console route against every role, from a table that is the spec.

Roles (columns of ``ROUTES``):

* ``anon`` - not signed in: pages redirect to /login, /api answers 401 (the login page and
  static assets are public).
* ``agent`` - agent 1007, who owns the seeded things: the call c1 and its recording, the
  ticket assigned to them, their agent row. Every url variable is filled with agent 1007's
  ids, so this column is "an agent on their own things".
* ``other`` - agent 1008 on agent 1007's things: another agent's desktop, state, actions,
  screen-pops, recording and ticket are refused (403).
* ``sup`` - a supervisor; ``admin`` - an admin, who may do everything a supervisor may.

The rules:

* Supervisor pages (wallboard, its snapshot and stream; the queue wallboard, its JSON and
  its call-back of an abandoned caller; the reports and their exports), the recordings list
  and the call record exports are for supervisors and admins only.
* Agents reach only their own agent: desktop, snapshot, stream, sign-in, dial, CTI state and
  actions; supervisors and admins any agent. A screen-pop is shown to the agent the call is
  (or was) with; a call no agent has taken yet (queued) pops for any agent.
* A recording's audio: supervisors, admins and the agent who took the call.
* Customers are shared by everyone who answers calls (agents, supervisors, admins).
* Tickets - "agents cannot open tickets outside their department unless assigned"
  (callcenter.tickets.access): agent 1007 is in department customer_service, agent 1008 in
  technical. An agent lists, opens and changes the tickets of their department (assigned
  or not), the tickets assigned to them, the ones they created, and the unrouted pool (no
  assignee, no department). Any other ticket - another department's, or another agent's
  outside the department - is left out of their ticket list and refused with 403 on open,
  change or callback dial (403, not 404: the console does not hide that a ticket number
  exists; it says it is not theirs). The caller's screen-pop and the customer's history
  still show a one-line summary of each of the customer's tickets (number, subject, status,
  assignee): the hotline flow needs to tell the caller their issue is being handled, and by
  whom. Supervisors and admins: all.
* Monitoring a live call (listen / whisper / barge, #16): supervisors and admins only; a
  call that is not live is 409, and so is switching or leaving an ended session.
* Quality scoring (#16): supervisors and admins see the calls to evaluate, evaluate a call
  and list every evaluation; an evaluation is open to its own agent (agent 1007 for the
  seeded one) and to supervisors and admins - another agent gets 403; only the evaluated
  agent acknowledges or disputes it (anybody else 403); "My evaluations" is every signed-in
  user's own list. Score forms: supervisors read the list, admins create, edit (an unused
  form) and deactivate.
* Monitoring is the exception to "every route needs a sign-in" (console/metrics.py):
  ``/healthz`` (Redis and SQL reachable) is open to load balancers; ``/metrics`` answers only
  ``Authorization: Bearer <metrics.token>`` - a signed-in session of any role gets 401.
* FreeSWITCH's directory lookups (``POST /freeswitch/directory``, console/freeswitch_directory.py)
  are the other exception: mod_xml_curl has no session, it sends HTTP Basic credentials from
  ``freeswitch.directory`` (loopback only by default); any session without them gets 401.
* Admin pages (users: list, create, edit with department; flow problems; the IVR flow
  editor's list and editor pages) and the admin JSON API (IVR flows, their versions,
  publishing, hotline numbers) are for admins only;
  agents and supervisors get 403. The set-up pages (queues, agents, skills, reasons,
  blacklist, calendars, canned answers and call scripts): supervisors read the lists and
  the administration index, only admins create, edit or deactivate; the audit log, hotline
  numbers page and the set-up JSON API are for admins only. A new route cannot be added
  without an entry in ``ROUTES`` (``test_every_route_is_in_the_table``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from callcenter.config import load_settings
from callcenter.flows.versions import save_version
from callcenter.quality.evaluations import evaluate
from callcenter.quality.forms import parse_definition
from callcenter.recording import synth
from callcenter.store import models
from callcenter.store.enums import Disposition
from callcenter.store.monitoring import MonitorSession
from callcenter.store.repositories import create_user, insert_call
from callcenter.store.session import session_scope
from callcenter.tickets import customers as cust
from callcenter.tickets import service as svc
from callcenter.tickets.callbacks import schedule_callback
from console import create_app
from tests.support.console import signed_in_client

PASSWORD = "matrix-pass-123"
ROLES = ("anon", "agent", "other", "sup", "admin")
USERS = {"agent": "agent1007", "other": "agent1008", "sup": "sup", "admin": "boss"}
STARTED = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@dataclass(frozen=True)
class Redirect:
    """A 302 whose Location path starts with ``to``."""

    to: str


LOGIN = Redirect("/login")
Expect = int | Redirect


@dataclass(frozen=True)
class Case:
    """One request and the answer each role gets, in ``ROLES`` order."""

    expect: tuple[Expect, Expect, Expect, Expect, Expect]
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    query: str = ""
    stream: bool = False
    values: dict[str, str] = field(default_factory=dict)  # url variables beyond the defaults


def who(anon: Expect, agent: Expect, other: Expect, sup: Expect, admin: Expect) -> tuple:
    return (anon, agent, other, sup, admin)


def everyone(signed_in: Expect, anon: Expect = LOGIN) -> tuple:
    return who(anon, signed_in, signed_in, signed_in, signed_in)


SUPERVISORS = who(LOGIN, 403, 403, 200, 200)
ADMINS = who(LOGIN, 403, 403, 403, 200)
OWN_PAGE = who(LOGIN, 200, 403, 200, 200)
OWN_API = who(401, 200, 403, 200, 200)
OWN_ACTION = who(401, 202, 403, 202, 202)
TECH_API = who(401, 403, 200, 200, 200)  # a ticket of agent 1008's department, not 1007's
ADMIN_API = who(401, 403, 403, 403, 200)
KINDS = "any(queues,agents,skills,reasons,blacklist,calendars,canned)"
AGENT_ROW = {"kind": "agents", "obj_id": "agent_row"}
FLOW = "name: main\nstart: bye\nnodes:\n  bye:\n    type: hangup\n"

# (method, url_map rule) -> the answer each role gets. Url variables are filled from the
# seeded ids (``fill``): agent_id=1007, action=login, call_uuid=c1, number=agent 1007's
# ticket, what=comment, the customer, the recording, filename=app.css.
ROUTES: dict[tuple[str, str], Case] = {
    # public
    ("GET", "/login"): Case(everyone(200, anon=200)),
    ("POST", "/login"): Case(everyone(401, anon=401), form={"username": "x", "password": "y"}),
    ("GET", "/static/<path:filename>"): Case(everyone(200, anon=200)),
    # monitoring (console/metrics.py): no sign-in; /metrics wants the bearer token, which
    # no session carries, /healthz is open to load balancers
    ("GET", "/metrics"): Case(everyone(401, anon=401)),
    ("GET", "/healthz"): Case(everyone(200, anon=200)),
    # FreeSWITCH's mod_xml_curl (console/freeswitch_directory.py): no sign-in, HTTP Basic
    # credentials of freeswitch.directory, which no session carries
    ("POST", "/freeswitch/directory"): Case(
        everyone(401, anon=401), form={"section": "directory", "user": "1007"}
    ),
    ("GET", "/"): Case(
        who(
            LOGIN,
            Redirect("/agent/"),
            Redirect("/agent/"),
            Redirect("/supervisor/"),
            Redirect("/supervisor/"),
        )
    ),
    # supervisors and admins only
    ("GET", "/supervisor/"): Case(SUPERVISORS),
    ("GET", "/supervisor/snapshot"): Case(SUPERVISORS),
    ("GET", "/supervisor/stream"): Case(SUPERVISORS, stream=True),
    ("GET", "/recordings/"): Case(SUPERVISORS),
    ("GET", "/recordings/export.csv"): Case(SUPERVISORS),
    ("GET", "/recordings/export.json"): Case(SUPERVISORS),
    # the recording of agent 1007's call
    ("GET", "/recordings/<int:recording_id>/audio"): Case(OWN_PAGE),
    # one agent's desktop and CTI (another agent's: 403)
    ("GET", "/agent/"): Case(OWN_PAGE, query="?agent=1007"),
    ("GET", "/api/desktop/<agent_id>"): Case(OWN_API),
    ("GET", "/api/desktop/<agent_id>/stream"): Case(OWN_API, stream=True),
    ("POST", "/api/desktop/<agent_id>/sign_in"): Case(OWN_ACTION, json={"extension": "1007"}),
    ("POST", "/api/desktop/<agent_id>/dial"): Case(OWN_ACTION, json={"number": "13800138000"}),
    # wrap-up code and notes: agent 1007 has no call to wrap up (409) - but only they and
    # supervisors get that far
    ("POST", "/api/desktop/<agent_id>/wrap_up"): Case(
        who(401, 409, 403, 409, 409), json={"code": "x"}
    ),
    ("GET", "/api/desktop/pop/<call_uuid>"): Case(OWN_API),
    ("GET", "/api/agents/<agent_id>"): Case(OWN_API),
    ("POST", "/api/agents/<agent_id>/<action>"): Case(OWN_ACTION),
    # customers: everyone who answers calls
    ("GET", "/api/customers"): Case(everyone(200, anon=401), query="?q=Wang"),
    ("POST", "/api/customers"): Case(
        everyone(201, anon=401), json={"name": "New One", "phones": []}
    ),
    ("GET", "/api/customers/<int:customer_id>"): Case(everyone(200, anon=401)),
    ("PATCH", "/api/customers/<int:customer_id>"): Case(
        everyone(200, anon=401), json={"notes": "prefers mornings"}
    ),
    ("GET", "/customers/"): Case(everyone(200)),
    ("GET", "/customers/new"): Case(everyone(200)),
    ("POST", "/customers/new"): Case(
        everyone(Redirect("/customers/")), form={"name": "Form One", "phones": ""}
    ),
    ("GET", "/customers/<int:customer_id>"): Case(everyone(200)),
    ("POST", "/customers/<int:customer_id>"): Case(
        everyone(Redirect("/customers/")), form={"name": "Wang Fang", "phones": "13800138000"}
    ),
    # tickets: agent 1007's ticket (agent 1008: 403)
    ("GET", "/api/tickets"): Case(everyone(200, anon=401)),
    ("POST", "/api/tickets"): Case(everyone(201, anon=401), json={"subject": "From the API"}),
    ("GET", "/api/tickets/<number>"): Case(OWN_API),
    ("POST", "/api/tickets/<number>/<what>"): Case(OWN_API, json={"body": "noted"}),
    ("GET", "/tickets/"): Case(everyone(200)),
    ("GET", "/tickets/new"): Case(everyone(200)),
    ("POST", "/tickets/new"): Case(everyone(Redirect("/tickets/")), form={"subject": "From form"}),
    ("GET", "/tickets/<number>"): Case(OWN_PAGE),
    ("POST", "/tickets/<number>/<what>"): Case(
        who(LOGIN, Redirect("/tickets/"), 403, Redirect("/tickets/"), Redirect("/tickets/")),
        form={"body": "noted on the page"},
    ),
    # admins only: users with their department
    ("GET", "/admin/users/"): Case(ADMINS),
    ("GET", "/admin/users/new"): Case(ADMINS),
    ("POST", "/admin/users/new"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/admin/users/")),
        form={"username": "made", "password": "made-pass-1234", "department": "billing"},
    ),
    ("POST", "/admin/users/<int:user_id>/unlock"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/admin/users/"))
    ),
    ("GET", "/admin/users/<int:user_id>"): Case(ADMINS),
    ("GET", "/admin/flows"): Case(ADMINS),  # the engines' flow problems
    ("POST", "/admin/users/<int:user_id>"): Case(  # agent 1007, unchanged
        who(LOGIN, 403, 403, 403, Redirect("/admin/users/")),
        form={"role": "agent", "language": "en", "department": "customer_service", "active": "on"},
    ),
    # admins only: IVR flows in the database (flow "main" is seeded with version 1)
    ("GET", "/api/admin/flows"): Case(ADMIN_API),
    ("POST", "/api/admin/flows/validate"): Case(ADMIN_API, json={"yaml": FLOW}),
    ("GET", "/api/admin/flows/<flow>/versions"): Case(ADMIN_API, values={"flow": "main"}),
    ("POST", "/api/admin/flows/<flow>/versions"): Case(
        who(401, 403, 403, 403, 201), json={"yaml": FLOW, "comment": "x"}, values={"flow": "main"}
    ),
    ("GET", "/api/admin/flows/<flow>/versions/<int:version>"): Case(
        ADMIN_API, values={"flow": "main", "version": "1"}
    ),
    ("GET", "/api/admin/flows/<flow>/versions/<int:version>/graph"): Case(
        ADMIN_API, values={"flow": "main", "version": "1"}
    ),
    ("GET", "/api/admin/flows/<flow>/diff"): Case(
        ADMIN_API, query="?from=1&to=1", values={"flow": "main"}
    ),
    ("POST", "/api/admin/flows/<flow>/publish"): Case(
        ADMIN_API, json={"version": 1}, values={"flow": "main"}
    ),
    ("GET", "/api/admin/hotline_numbers"): Case(ADMIN_API),
    # admins only: the IVR flow editor's pages (their work is done through the API above)
    ("GET", "/admin/ivr/"): Case(ADMINS),
    ("GET", "/admin/ivr/new"): Case(ADMINS),
    ("GET", "/admin/ivr/<flow>"): Case(ADMINS, values={"flow": "main"}),
    ("PUT", "/api/admin/hotline_numbers"): Case(
        ADMIN_API, json={"numbers": [{"number": "5000", "flow": "main"}]}
    ),
    # the center's set-up (callcenter/admin): lists for supervisors too, changes for admins
    ("GET", "/admin/"): Case(SUPERVISORS),
    ("GET", f"/admin/<{KINDS}:kind>/"): Case(SUPERVISORS, values={"kind": "queues"}),
    ("GET", f"/admin/<{KINDS}:kind>/new"): Case(ADMINS, values={"kind": "queues"}),
    ("POST", f"/admin/<{KINDS}:kind>/new"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/admin/skills/")),
        form={"name": "matrix"},
        values={"kind": "skills"},
    ),
    ("GET", f"/admin/<{KINDS}:kind>/<int:obj_id>"): Case(ADMINS, values=AGENT_ROW),
    ("POST", f"/admin/<{KINDS}:kind>/<int:obj_id>"): Case(  # agent 1007, unchanged
        who(LOGIN, 403, 403, 403, Redirect("/admin/agents/")),
        form={
            "number": "1007",
            "display_name": "1007",
            "sip_user": "1007",
            "active": "on",
            "username": "agent1007",
        },  # fmt: skip
        values=AGENT_ROW,
    ),
    ("POST", f"/admin/<{KINDS}:kind>/<int:obj_id>/deactivate"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/admin/reasons/")),
        values={"kind": "reasons", "obj_id": "reason_row"},
    ),
    ("GET", "/admin/audit"): Case(ADMINS),
    ("GET", "/admin/numbers"): Case(ADMINS),
    ("POST", "/admin/numbers"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/admin/numbers")), form={"numbers": "5000 main"}
    ),
    ("GET", f"/api/admin/<{KINDS}:kind>"): Case(ADMIN_API, values={"kind": "agents"}),
    ("POST", f"/api/admin/<{KINDS}:kind>"): Case(
        who(401, 403, 403, 403, 201), json={"name": "api_skill"}, values={"kind": "skills"}
    ),
    ("GET", f"/api/admin/<{KINDS}:kind>/<int:obj_id>"): Case(ADMIN_API, values=AGENT_ROW),
    ("PUT", f"/api/admin/<{KINDS}:kind>/<int:obj_id>"): Case(
        ADMIN_API, json={"display_name": "1007"}, values=AGENT_ROW
    ),
    ("DELETE", f"/api/admin/<{KINDS}:kind>/<int:obj_id>"): Case(
        ADMIN_API, values={"kind": "reasons", "obj_id": "reason_row"}
    ),
    ("GET", "/calls/<call_uuid>"): Case(SUPERVISORS),
    ("GET", "/api/calls/<call_uuid>"): Case(who(401, 403, 403, 200, 200)),
    ("POST", "/api/calls/<call_uuid>/corrections"): Case(
        who(401, 403, 403, 403, 201), json={"field": "note", "value": "checked", "reason": "QA"}
    ),
    ("POST", "/calls/<call_uuid>/corrections"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/calls/c1")),
        form={"field": "note", "value": "seen", "reason": "QA"},
    ),
    # monitoring live calls: supervisors and admins (c1 has ended: 409); the seeded session
    # is the supervisor's and has ended (409 to switch or leave it)
    ("POST", "/api/monitor"): Case(
        who(401, 403, 403, 409, 409), json={"call_uuid": "c1", "mode": "listen"}
    ),
    ("GET", "/api/monitor/<int:session_id>"): Case(who(401, 403, 403, 200, 200)),
    ("POST", "/api/monitor/<int:session_id>/mode"): Case(
        who(401, 403, 403, 409, 409), json={"mode": "barge"}
    ),
    ("POST", "/api/monitor/<int:session_id>/leave"): Case(who(401, 403, 403, 409, 409)),
    # the queue wallboard (#16): supervisors and admins; c1 was answered, not abandoned (409)
    ("GET", "/wallboard/queues"): Case(SUPERVISORS),
    # reports (#16): supervisors and admins
    ("GET", "/reports"): Case(SUPERVISORS),
    ("GET", "/reports/queues"): Case(SUPERVISORS),
    ("GET", "/reports/agents"): Case(SUPERVISORS),
    ("GET", "/reports/surveys"): Case(SUPERVISORS),
    ("GET", "/reports/ivr"): Case(SUPERVISORS),
    ("GET", "/api/wallboard/queues"): Case(who(401, 403, 403, 200, 200)),
    ("POST", "/api/wallboard/abandoned/<call_uuid>/callback"): Case(who(401, 403, 403, 409, 409)),
    # quality scoring (#16): the seeded evaluation is of agent 1007's call c1 with form 1
    ("GET", "/quality/"): Case(SUPERVISORS),
    ("GET", "/quality/evaluations"): Case(SUPERVISORS),
    ("GET", "/quality/calls/<call_uuid>"): Case(SUPERVISORS),
    ("POST", "/quality/calls/<call_uuid>"): Case(
        who(LOGIN, 403, 403, *[Redirect("/quality/evaluations/")] * 2),
        form={"form_id": "1", "q0": "yes"},
    ),
    ("GET", "/quality/evaluations/<int:evaluation_id>"): Case(OWN_PAGE),
    ("POST", "/quality/evaluations/<int:evaluation_id>/answer"): Case(
        who(LOGIN, Redirect("/quality/evaluations/"), 403, 403, 403),
        form={"action": "acknowledge"},
    ),
    ("GET", "/quality/mine"): Case(everyone(200)),
    ("GET", "/quality/forms/"): Case(SUPERVISORS),
    ("GET", "/quality/forms/new"): Case(ADMINS),
    ("POST", "/quality/forms/new"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/quality/forms/")),
        form={"name": "matrix", "definition": "# A\nB | 1"},
    ),
    ("GET", "/quality/forms/<int:form_id>"): Case(ADMINS),
    ("POST", "/quality/forms/<int:form_id>"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/quality/forms/")),
        form={"name": "spare", "definition": "# A\nB | 2"},
        values={"form_id": "spare_form"},
    ),
    ("POST", "/quality/forms/<int:form_id>/deactivate"): Case(
        who(LOGIN, 403, 403, 403, Redirect("/quality/forms/")), values={"form_id": "spare_form"}
    ),
    # the API's OpenAPI document and its page (#17): any signed-in user
    ("GET", "/api/openapi.json"): Case(everyone(200, anon=401)),
    ("GET", "/api/docs"): Case(everyone(200, anon=401)),
    # last: it signs the client out
    ("POST", "/logout"): Case(everyone(LOGIN)),
}

# More cases for rules above with other url variables or query strings.
EXTRA: list[tuple[str, str, Case]] = [
    # an agent's own desktop page (no ?agent=)
    ("GET", "/agent/", Case(everyone(200))),
    # an unassigned ticket: any agent may open and work on it
    ("GET", "/api/tickets/<number>", Case(everyone(200, anon=401), values={"number": "open"})),
    ("GET", "/tickets/<number>", Case(everyone(200), values={"number": "open"})),
    (
        "POST",
        "/api/tickets/<number>/<what>",
        Case(everyone(200, anon=401), json={"body": "mine now"}, values={"number": "open"}),
    ),
    # agent 1008's ticket: agent 1007 is the other agent now
    ("GET", "/api/tickets/<number>", Case(who(401, 403, 200, 200, 200), values={"number": "b"})),
    # departments: an unassigned ticket of technical (agent 1008's department, not 1007's)
    ("GET", "/api/tickets/<number>", Case(TECH_API, values={"number": "tech"})),
    ("GET", "/tickets/<number>", Case(who(LOGIN, 403, 200, 200, 200), values={"number": "tech"})),
    (
        "POST",
        "/api/tickets/<number>/<what>",
        Case(TECH_API, json={"body": "not yours"}, values={"number": "tech"}),
    ),
    (
        "POST",
        "/tickets/<number>/<what>",
        Case(
            who(LOGIN, 403, *[Redirect("/tickets/")] * 3),
            form={"body": "not yours"},
            values={"number": "tech"},
        ),
    ),
    # ... and customer_service's, the other way round
    ("GET", "/api/tickets/<number>", Case(OWN_API, values={"number": "cs"})),
    ("GET", "/tickets/<number>", Case(OWN_PAGE, values={"number": "cs"})),
    # a technical ticket assigned to agent 1007: theirs though not their department's (and
    # agent 1008's by department); customer_service's assigned to 1008: both, the other way
    ("GET", "/api/tickets/<number>", Case(everyone(200, anon=401), values={"number": "tech_a"})),
    ("GET", "/tickets/<number>", Case(everyone(200), values={"number": "tech_a"})),
    ("GET", "/api/tickets/<number>", Case(everyone(200, anon=401), values={"number": "cs_b"})),
    # the agent's own call-back from agent 1007's ticket: only for those who may open it
    (
        "POST",
        "/api/desktop/<agent_id>/dial",
        Case(
            who(401, 202, 403, 202, 202),
            json={"number": "13800138000", "callback": "callback", "ticket": "a"},
            values={"agent_id": "self"},
        ),
    ),
    # a queued call no agent has taken: supervisors' pop only (#14: no caller data to agents
    # it is not offered to); agent 1007's recorded call: theirs and supervisors'
    (
        "GET",
        "/api/desktop/pop/<call_uuid>",
        Case(who(401, 403, 403, 200, 200), values={"call_uuid": "q1"}),
    ),
    (
        "GET",
        "/api/desktop/pop/<call_uuid>",
        Case(who(401, 200, 403, 200, 200), values={"call_uuid": "c1"}),
    ),
]


@pytest.fixture
def seeded(db_url: str, tmp_path: Path) -> dict[str, Any]:
    """Four users (two agents with Agent rows), a customer, call c1 of agent 1007 with its
    recording, queued call q1, tickets: agent 1007's (with a callback), agent 1008's, unassigned."""
    root = tmp_path / "recordings"
    wav = synth.write_wav(synth.stereo(synth.tone(0.5), synth.tone(0.5, 660)), root / "c1.wav")
    settings = load_settings()
    with session_scope(db_url) as session:
        sup = create_user(session, "sup", PASSWORD, "supervisor", language="en")
        create_user(session, "boss", PASSWORD, "admin", language="en")
        agents = {}
        for number, department in (("1007", "customer_service"), ("1008", "technical")):
            user = create_user(session, f"agent{number}", PASSWORD, "agent", language="en")
            user.department = department
            agents[number] = models.Agent(
                number=number, sip_user=number, user=user, display_name=number
            )
            session.add(agents[number])
        session.flush()
        customer = cust.create_customer(session, "Wang Fang", ["13800138000"])
        call = insert_call(
            session,
            "c1",
            caller_number="13800138000",
            started_at=STARTED,
            answered_at=STARTED,
            ended_at=STARTED,
            talk_seconds=30.0,
            agent_id=agents["1007"].id,
            disposition=Disposition.ANSWERED,
        )
        recording = models.Recording(call_id=call.id, path=str(wav), format="wav")
        session.add(recording)
        insert_call(session, "q1", caller_number="13900139000", started_at=STARTED)
        tickets = {
            key: svc.create_ticket(
                session,
                settings.tickets,
                subject=f"Ticket {key}",
                customer_id=customer.id,
                assignee_id=assignee.user_id if assignee else None,
                department=department,
            )
            for key, assignee, department in (
                ("a", agents["1007"], None),
                ("b", agents["1008"], None),
                ("open", None, None),
                ("cs", None, "customer_service"),
                ("tech", None, "technical"),
                ("tech_a", agents["1007"], "technical"),
                ("cs_b", agents["1008"], "customer_service"),
            )
        }
        callback = schedule_callback(
            session, tickets["a"], "13800138000", datetime.now(UTC) + timedelta(hours=1)
        )
        save_version(session, "main", FLOW, author="boss")
        monitored = MonitorSession(
            call_uuid="c1", leg_uuid="sup-leg", user_id=sup.id, username="sup",
            extension="1002", modes="listen", answered_at=STARTED, ended_at=STARTED,
        )  # fmt: skip
        session.add(monitored)
        qa_form = models.QaForm(name="matrix", definition=parse_definition("# A\nB | 1"))
        spare = models.QaForm(name="spare", definition=parse_definition("# A\nB | 1"))
        session.add_all([qa_form, spare])
        session.flush()
        evaluation = evaluate(session, call, qa_form, ["yes"], "", sup)
        return {
            "root": root,
            "session_id": str(monitored.id),
            "agent_id": "1007",
            "self": None,  # the signed-in agent's own number (set per role)
            "action": "login",
            "call_uuid": "c1",
            "q1": "q1",
            "number": tickets["a"].number,
            "a": tickets["a"].number,
            "b": tickets["b"].number,
            **{key: tickets[key].number for key in ("open", "cs", "tech", "tech_a", "cs_b")},
            "tickets": {key: ticket.number for key, ticket in tickets.items()},
            "user_id": str(agents["1007"].user_id),
            "what": "comment",
            "customer_id": str(customer.id),
            "recording_id": str(recording.id),
            "callback": callback.id,
            "filename": "app.css",
            "agent_row": str(agents["1007"].id),
            "evaluation_id": str(evaluation.id),
            "form_id": str(qa_form.id),
            "spare_form": str(spare.id),
            "reason_row": str(session.scalar(select(models.NotReadyReason.id).limit(1))),
        }


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str, seeded: dict[str, Any]) -> Flask:
    settings = load_settings(
        database={"url": db_url},
        redis={"url": redis_url, "prefix": redis_prefix},
        recording={"path": str(seeded["root"])},
        metrics={"token": "matrix-metrics-token"},
        freeswitch={"directory": {"password": "matrix-directory-secret"}},
    )
    return create_app(settings, TESTING=True)


def clients(app: Flask) -> dict[str, tuple[FlaskClient, dict[str, str]]]:
    """A client per role with its CSRF header (the anonymous one has a token from /login)."""
    out = {role: signed_in_client(app, username, PASSWORD) for role, username in USERS.items()}
    anon = app.test_client()
    page = anon.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    out["anon"] = (anon, {"X-CSRFToken": token})
    return out


def fill(rule: str, seeded: dict[str, Any], values: dict[str, str], role: str) -> str:
    """The rule with every ``<converter:name>`` replaced by its seeded value."""
    own = {"agent": "1007", "other": "1008"}.get(role, "1007")

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        key = values.get(name, name)
        if key == "self":
            return own
        return str(seeded.get(key, key))

    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", value, rule)


def body(data: dict[str, Any] | None, seeded: dict[str, Any]) -> dict[str, Any] | None:
    if data is None:
        return None
    return {k: seeded[v] if k in ("callback", "ticket") else v for k, v in data.items()}


def answer(
    client: FlaskClient, method: str, path: str, case: Case, csrf: dict[str, str], seeded: dict
) -> TestResponse:
    kwargs: dict[str, Any] = {"headers": csrf if method != "GET" else {}}
    if case.json is not None:
        kwargs["json"] = body(case.json, seeded)
    if case.form is not None:
        kwargs["data"] = case.form
    return client.open(path, method=method, **kwargs)


def mismatch(response: TestResponse, expect: Expect, stream: bool) -> str | None:
    """Why ``response`` is not ``expect`` (None when it is); closes streams."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if stream:
        if status == 200:
            assert next(iter(response.response)).startswith(b"retry:")
        response.close()
        detail = ""
    else:
        detail = response.get_data()[:160].decode(errors="replace")
    if isinstance(expect, Redirect):
        if status == 302 and location.startswith(expect.to):
            return None
        return f"{status} {location!r} {detail!r}, expected a redirect to {expect.to}"
    if status == expect:
        return None
    return f"{status} {location!r} {detail!r}, expected {expect}"


def rules(app: Flask) -> set[tuple[str, str]]:
    return {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_is_in_the_table(app: Flask) -> None:
    routes = rules(app)
    assert routes - set(ROUTES) == set(), "routes without an entry in ROUTES"
    assert set(ROUTES) - routes == set(), "entries in ROUTES for routes that are gone"
    assert {(m, r) for m, r, _ in EXTRA} <= routes


def test_access_matrix(app: Flask, seeded: dict[str, Any]) -> None:
    by_role = clients(app)
    failures = []
    cases = [(m, r, c) for m, r, c in EXTRA] + [(m, r, c) for (m, r), c in ROUTES.items()]
    assert cases[-1][:2] == ("POST", "/logout")  # it signs the clients out: last
    for method, rule, case in cases:
        for role, expect in zip(ROLES, case.expect, strict=True):
            client, csrf = by_role[role]
            path = fill(rule, seeded, case.values, role) + case.query
            why = mismatch(answer(client, method, path, case, csrf, seeded), expect, case.stream)
            if why is not None:
                failures.append(f"{role:6} {method} {path}: {why}")
    assert not failures, "\n".join(failures)


def test_agents_list_their_department_assigned_and_unrouted_tickets(
    app: Flask, seeded: dict[str, Any]
) -> None:
    by_role = clients(app)
    everything = set(seeded["tickets"].values())
    wanted = {
        "agent": {seeded[k] for k in ("a", "open", "cs", "tech_a", "cs_b")},
        "other": {seeded[k] for k in ("b", "open", "tech", "tech_a", "cs_b")},
        "sup": everything,
        "admin": everything,
    }
    for role, numbers in wanted.items():
        client, _ = by_role[role]
        listed = {t["number"] for t in client.get("/api/tickets").get_json()["tickets"]}
        assert listed == numbers, role
        page = client.get("/tickets/").get_data(as_text=True)
        assert {n for n in everything if n in page} == numbers, role


def test_an_agents_list_is_not_cut_short_by_tickets_they_may_not_see(
    app: Flask, seeded: dict[str, Any], db_url: str
) -> None:
    """More newer tickets of another department than the search limit (100): agent 1007
    still gets every ticket they may see (the rule is applied in SQL, before the limit)."""
    settings = load_settings()
    with session_scope(db_url) as session:
        for n in range(110):
            svc.create_ticket(
                session, settings.tickets, subject=f"Tech {n}", department="technical"
            )
    client, _ = clients(app)["agent"]
    listed = [t["number"] for t in client.get("/api/tickets").get_json()["tickets"]]
    assert sorted(listed) == sorted(seeded[k] for k in ("a", "open", "cs", "tech_a", "cs_b"))
    supervisor, _ = clients(app)["sup"]
    assert len(supervisor.get("/api/tickets").get_json()["tickets"]) == 100  # the limit
