"""Customers: search, create, edit (several numbers, tags, VIP, notes), full call and ticket
history. Pages under /customers, the same as JSON under /api/customers."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from callcenter.store.customers import Customer
from callcenter.store.repositories import audit
from callcenter.tickets.customers import (
    CUSTOMER_SORTS,
    create_customer,
    customer_calls,
    customer_tickets,
    find_by_phone,
    search_customers,
    update_customer,
)
from callcenter.tickets.workflow import TicketError
from console.api import problem
from console.auth import db_session, role_required
from console.i18n import translate
from console.listing import listing
from console.request_input import json_body

bp = Blueprint("customers", __name__)


def customer_json(customer: Customer) -> dict[str, Any]:
    """A customer as the API and the screen-pop show it."""
    return {
        "id": customer.id,
        "name": customer.name,
        "vip": customer.vip,
        "region": customer.region or "",
        "tags": list(customer.tags or []),
        "notes": customer.notes or "",
        "phones": [p.number for p in customer.phones],
    }


def _fields(data: Any) -> dict[str, Any]:
    """Customer fields from a JSON body or a form (phones: list or one per line)."""
    out: dict[str, Any] = {}
    getter = data.get
    for name in ("name", "region", "tags", "notes"):
        if name in data:
            out[name] = getter(name)
    if "vip" in data:
        value = getter("vip")
        out["vip"] = value is True or str(value).lower() in ("1", "true", "on", "yes")
    elif hasattr(data, "getlist") and "name" in data:
        out["vip"] = False  # an unchecked checkbox is absent from the form
    if "phones" in data:
        phones = getter("phones")
        out["phones"] = phones.replace(",", "\n").split() if isinstance(phones, str) else phones
    return out


@bp.get("/api/customers")
@role_required("agent", "supervisor")
def api_search() -> Response:
    """Customers matching ?q= (name, number, region, tags); ?phone= looks up one caller."""
    with db_session() as session:
        if request.args.get("phone"):
            found = find_by_phone(session, request.args["phone"])
            return jsonify(customers=[customer_json(found)] if found else [])
        return jsonify(
            customers=[
                customer_json(c) for c in search_customers(session, request.args.get("q", ""))
            ]
        )


@bp.post("/api/customers")
@role_required("agent", "supervisor")
def api_create() -> tuple[Response, int]:
    """Create a customer from JSON {name, phones[], vip, region, tags, notes}."""
    body = json_body()
    with db_session() as session:
        try:
            fields = _fields(body)
            customer = create_customer(
                session, fields.pop("name", ""), fields.pop("phones", []), **fields
            )
        except TicketError as exc:
            return problem(400, str(exc))
        audit(
            session,
            "customer.create",
            actor=_actor(),
            object_type="customer",
            object_id=customer.id,
        )
        session.commit()
        return jsonify(customer_json(customer)), 201


@bp.get("/api/customers/<int:customer_id>")
@role_required("agent", "supervisor")
def api_get(customer_id: int) -> Response | tuple[Response, int]:
    """A customer with their calls and tickets."""
    with db_session() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return problem(404, f"no customer {customer_id}")
        return jsonify(_with_history(session, customer))


@bp.patch("/api/customers/<int:customer_id>")
@role_required("agent", "supervisor")
def api_update(customer_id: int) -> Response | tuple[Response, int]:
    """Change some fields of a customer (phones: the full new list)."""
    body = json_body()
    with db_session() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            return problem(404, f"no customer {customer_id}")
        try:
            update_customer(session, customer, **_fields(body))
        except TicketError as exc:
            return problem(400, str(exc))
        audit(
            session,
            "customer.update",
            actor=_actor(),
            object_type="customer",
            object_id=customer.id,
        )
        session.commit()
        return jsonify(customer_json(customer))


def _actor() -> str:
    from flask_login import current_user

    return current_user.username


def _with_history(session: Any, customer: Customer) -> dict[str, Any]:
    from flask import current_app

    from console.screen_pop import visible_call_ids
    from console.tickets import ticket_json

    settings = current_app.extensions["callcenter.settings"].tickets
    calls = customer_calls(session, customer, limit=100)
    visible = visible_call_ids(session, [c.id for c in calls])  # agents: only calls they took
    return {
        **customer_json(customer),
        "calls": [
            {
                "call_uuid": c.uuid if c.id in visible else None,
                "caller_number": c.caller_number,
                "dialled_number": c.dialled_number,
                "direction": str(c.direction),
                "started_at": c.started_at.isoformat(),
                "disposition": str(c.disposition) if c.disposition else None,
                "talk_seconds": c.talk_seconds,
            }
            for c in calls
        ],
        "tickets": [
            ticket_json(t, settings) for t in customer_tickets(session, customer, limit=200)
        ],
    }


# -- pages --------------------------------------------------------------------------------


@bp.get("/customers/")
@role_required("agent", "supervisor")
def list_page() -> str:
    """Search customers."""
    query = request.args.get("q", "")
    page = listing(request.args, list(CUSTOMER_SORTS), "name")
    sort = ("-" if page.descending else "") + page.sort
    with db_session() as session:
        found = search_customers(session, query, sort=sort, offset=page.offset, limit=page.fetch)
        customers = [customer_json(c) for c in page.take(found)]
    return render_template("customers.html", customers=customers, q=query, listing=page)


@bp.route("/customers/new", methods=["GET", "POST"])
@role_required("agent", "supervisor")
def new_page() -> str | BaseResponse | tuple[str, int]:
    """Create a customer (a form; the desktop's quick-create uses the JSON API)."""
    if request.method == "POST":
        with db_session() as session:
            try:
                fields = _fields(request.form)
                customer = create_customer(
                    session, fields.pop("name", ""), fields.pop("phones", []), **fields
                )
            except TicketError as exc:
                return render_template(
                    "customer_form.html", customer=request.form, error=str(exc)
                ), 400
            audit(
                session,
                "customer.create",
                actor=_actor(),
                object_type="customer",
                object_id=customer.id,
            )
            session.commit()
            flash(translate("Customer created"), "success")
            return redirect(url_for("customers.detail_page", customer_id=customer.id))
    return render_template(
        "customer_form.html", customer={"phones": [request.args.get("phone", "")]}, error=None
    )


@bp.route("/customers/<int:customer_id>", methods=["GET", "POST"])
@role_required("agent", "supervisor")
def detail_page(customer_id: int) -> str | BaseResponse | tuple[str, int]:
    """A customer: edit form, calls and tickets."""
    with db_session() as session:
        customer = session.get(Customer, customer_id)
        if customer is None:
            abort(404)
        error = None
        if request.method == "POST":
            try:
                update_customer(session, customer, **_fields(request.form))
                audit(
                    session,
                    "customer.update",
                    actor=_actor(),
                    object_type="customer",
                    object_id=customer.id,
                )
                session.commit()
                flash(translate("Saved"), "success")
                return redirect(url_for("customers.detail_page", customer_id=customer.id))
            except TicketError as exc:
                session.rollback()
                error = str(exc)
        data = _with_history(session, customer)
    return render_template("customer.html", customer=data, error=error), (400 if error else 200)
