"""Ticket visibility: the Python rule and the SQL clause agree, and the search applies the
clause before its limit."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from callcenter.config import TicketSettings
from callcenter.store.repositories import create_user
from callcenter.tickets import service as svc
from callcenter.tickets.access import Viewer, can_open
from callcenter.tickets.search import search_tickets

SETTINGS = TicketSettings()


def test_python_rule_and_sql_clause_pick_the_same_tickets(db_session: Session) -> None:
    me = create_user(db_session, "me", "secret-1", "agent")
    other = create_user(db_session, "other", "secret-1", "agent")
    me.department, other.department = "technical", "billing"
    db_session.flush()
    # every combination of assignee, department and creator
    for n, (assignee, department, creator) in enumerate(
        itertools.product((None, me.id, other.id), (None, "technical", "billing"), (me.id, None))
    ):
        svc.create_ticket(
            db_session,
            SETTINGS,
            subject=f"t{n}",
            assignee_id=assignee,
            department=department,
            actor_id=creator,
        )
    everything = search_tickets(db_session)
    for viewer in (
        Viewer(me.id, "agent", "technical"),
        Viewer(me.id, "agent", None),
        Viewer(other.id, "agent", "billing"),
        Viewer(me.id, "supervisor", None),
    ):
        in_sql = {t.number for t in search_tickets(db_session, visible_to=viewer)}
        in_python = {t.number for t in everything if can_open(viewer, t)}
        assert in_sql == in_python, viewer
    mine = {t.subject for t in everything if can_open(Viewer(me.id, "agent", "technical"), t)}
    theirs = [t for t in everything if t.subject not in mine]
    # not theirs: another department's or another agent's outside it, created by somebody else
    assert theirs and all(
        t.created_by_id is None
        and t.assignee_id != me.id
        and t.department != "technical"
        and (t.assignee_id is not None or t.department is not None)
        for t in theirs
    )


def test_the_visibility_filter_comes_before_the_limit(db_session: Session) -> None:
    agent = create_user(db_session, "a1", "secret-1", "agent")
    agent.department = "billing"
    visible = [
        svc.create_ticket(db_session, SETTINGS, subject=f"ours {n}", department="billing")
        for n in range(3)
    ]
    for n in range(10):  # newer, another department's
        svc.create_ticket(db_session, SETTINGS, subject=f"theirs {n}", department="technical")
    viewer = Viewer(agent.id, "agent", "billing")
    found = search_tickets(db_session, visible_to=viewer, limit=5)
    assert [t.number for t in found] == [t.number for t in reversed(visible)]
    assert len(search_tickets(db_session, visible_to=viewer, limit=2)) == 2
