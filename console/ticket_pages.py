"""The ticket pages under /tickets: list, new (prefilled from a call), detail, form posts."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from callcenter.store.enums import TicketPriority, TicketStatus
from callcenter.store.users import User
from callcenter.tickets import service as svc
from callcenter.tickets.search import SORTABLE, search_tickets
from callcenter.tickets.workflow import TicketError
from console.auth import db_session, role_required
from console.i18n import translate
from console.i18n_errors import localized
from console.listing import listing
from console.ticket_changes import change, create, filters
from console.tickets import bp, may_open, ticket_detail, ticket_json, ticket_settings


@bp.get("/tickets/")
@role_required("agent", "supervisor")
def list_page() -> str | tuple[str, int]:
    """Ticket list with filters and search."""
    page = listing(request.args, list(SORTABLE), "-created")
    with db_session() as session:
        try:
            found = search_tickets(
                session,
                **filters(request.args),
                sort=("-" if page.descending else "") + page.sort,
                offset=page.offset,
                limit=page.fetch,
            )
            tickets = [ticket_json(t, ticket_settings()) for t in page.take(found)]
            error = None
        except TicketError as exc:
            tickets, error = [], localized(str(exc))
    return render_template(
        "tickets.html",
        tickets=tickets,
        args=request.args,
        listing=page,
        filtered=any(
            request.args.get(k) for k in ("q", "status", "category", "priority", "mine", "overdue")
        ),
        error=error,
        statuses=[s.value for s in TicketStatus],
        categories=ticket_settings().categories,
        priorities=[p.value for p in TicketPriority],
    )


@bp.route("/tickets/new", methods=["GET", "POST"])
@role_required("agent", "supervisor")
def new_page() -> str | BaseResponse | tuple[str, int]:
    """Create a ticket; ?call_uuid=&customer_id= prefill it from a call."""
    data = request.form if request.method == "POST" else request.args
    if request.method == "POST":
        with db_session() as session:
            try:
                ticket = create(session, data)
                session.commit()
                flash(translate("Ticket created"), "success")
                return redirect(url_for("tickets.detail_page", number=ticket.number))
            except TicketError as exc:
                error = str(exc)
    else:
        error = None
    return render_template(
        "ticket_form.html",
        data=data,
        error=error,
        categories=ticket_settings().categories,
        priorities=[p.value for p in TicketPriority],
        departments=ticket_settings().departments,
    ), (400 if error else 200)


@bp.get("/tickets/<number>")
@role_required("agent", "supervisor")
def detail_page(number: str) -> str:
    """A ticket."""
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            abort(404)
        if not may_open(ticket):
            abort(403)
        data = ticket_detail(session, ticket)
        users = [
            (u.id, u.username) for u in session.scalars(select(User).where(User.active.is_(True)))
        ]
        from callcenter.store import models

        own = session.scalar(select(models.Agent).where(models.Agent.user_id == current_user.id))
    return render_template(
        "ticket.html",
        t=data,
        users=users,
        error=localized(request.args.get("error") or "") or None,  # a refusal, translated
        departments=ticket_settings().departments,
        categories=ticket_settings().categories,
        priorities=[p.value for p in TicketPriority],
        agent=own,
    )


@bp.post("/tickets/<number>/<what>")
@role_required("agent", "supervisor")
def change_page(number: str, what: str) -> BaseResponse:
    """Form posts from the ticket page; a refusal comes back as an error on the page."""
    with db_session() as session:
        ticket = svc.get_ticket(session, number)
        if ticket is None:
            abort(404)
        if not may_open(ticket):
            abort(403)
        try:
            change(session, ticket, what, request.form)
            session.commit()
            flash(translate("Saved"), "success")
        except TicketError as exc:
            session.rollback()
            return redirect(url_for("tickets.detail_page", number=number, error=str(exc)))
    return redirect(url_for("tickets.detail_page", number=number))
