"""Customer directory: look up callers by phone, create/edit profiles, search, history."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, selectinload

from callcenter.store.calls import Call
from callcenter.store.customers import Customer, CustomerPhone
from callcenter.store.enums import CallDirection
from callcenter.store.tickets import Ticket
from callcenter.tickets.limits import FIELD_LIMITS, check_items, check_text
from callcenter.tickets.workflow import OPEN_STATUSES, TicketError

__all__ = [
    "create_customer",
    "customer_calls",
    "customer_tickets",
    "find_by_phone",
    "normalise_number",
    "parse_tags",
    "search_customers",
    "update_customer",
]

_NUMBER = re.compile(r"^\+?[0-9]{2,32}$")


def normalise_number(number: str) -> str:
    """``number`` without spaces, dashes, dots and brackets; raises TicketError if not a number."""
    if not isinstance(number, str) or len(number) > FIELD_LIMITS["phone"]:
        raise TicketError(f"phone number {str(number)[:40]!r} is not valid: use digits")
    cleaned = re.sub(r"[\s\-().]", "", number)
    if not _NUMBER.match(cleaned):
        raise TicketError(
            f"phone number {number!r} is not valid: use digits, optionally a leading +"
        )
    return cleaned


def _variants(number: str) -> list[str]:
    # The same subscriber as the switch may present it: +8613..., 8613..., 13..., 013...
    out = [number]
    bare = number.lstrip("+")
    for prefix in ("86", "0"):
        if bare.startswith(prefix) and len(bare) - len(prefix) >= 5:
            out.append(bare[len(prefix) :])
    out += [bare, "+" + bare]
    return list(dict.fromkeys(out))


def _presented_as(number: str) -> list[str]:
    # every form the switch may present one of the customer's stored numbers in
    out = _variants(number)
    for bare in list(out):
        if not bare.startswith(("+", "0", "86")):
            out += ["0" + bare, "86" + bare, "+86" + bare]
    return list(dict.fromkeys(out))


def find_by_phone(session: Session, number: str) -> Customer | None:
    """The customer one of whose numbers is ``number`` (tolerating +86 / 0 prefixes), or None."""
    try:
        cleaned = normalise_number(number)
    except TicketError:
        return None
    return session.scalar(
        select(Customer)
        .join(CustomerPhone)
        .where(CustomerPhone.number.in_(_variants(cleaned)))
        .options(selectinload(Customer.phones))
        .limit(1)
    )


def parse_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags from a comma-separated string or a list: trimmed, unique, in order."""
    items = check_items(value or [], "tags", "tag")
    return list(dict.fromkeys(tag for tag in items if tag))


def _set_phones(session: Session, customer: Customer, numbers: Iterable[str]) -> None:
    numbers = check_items(numbers, "phones", "phone")
    wanted = list(dict.fromkeys(normalise_number(n) for n in numbers if n))
    for number in wanted:
        owner = session.scalar(select(CustomerPhone).where(CustomerPhone.number == number))
        if owner is not None and owner.customer_id != customer.id:
            raise TicketError(
                f"number {number} already belongs to customer #{owner.customer_id}; "
                "remove it there first"
            )
    keep = [p for p in customer.phones if p.number in wanted]
    have = {p.number for p in keep}
    customer.phones = keep + [CustomerPhone(number=n) for n in wanted if n not in have]


def create_customer(
    session: Session,
    name: str,
    phones: Iterable[str] = (),
    *,
    vip: bool = False,
    region: str | None = None,
    tags: str | Iterable[str] | None = None,
    notes: str | None = None,
) -> Customer:
    """Add a customer with its phone numbers; a number owned by another customer is refused."""
    name = check_text(name, "name")
    if not name:
        raise TicketError("a customer needs a name")
    customer = Customer(
        name=name,
        vip=bool(vip),
        region=check_text(region, "region") or None,
        tags=parse_tags(tags),
        notes=check_text(notes, "notes") or None,
        phones=[],
    )
    session.add(customer)
    session.flush()
    _set_phones(session, customer, phones)
    session.flush()
    return customer


def update_customer(session: Session, customer: Customer, **fields: Any) -> Customer:
    """Change name, vip, region, tags, notes and/or phones (the full list) of ``customer``."""
    if "name" in fields:
        name = check_text(fields["name"], "name")
        if not name:
            raise TicketError("a customer needs a name")
        customer.name = name
    if "vip" in fields:
        customer.vip = bool(fields["vip"])
    if "region" in fields:
        customer.region = check_text(fields["region"], "region") or None
    if "tags" in fields:
        customer.tags = parse_tags(fields["tags"])
    if "notes" in fields:
        customer.notes = check_text(fields["notes"], "notes") or None
    if "phones" in fields:
        _set_phones(session, customer, fields["phones"])
    session.flush()
    return customer


CUSTOMER_SORTS = {"name": Customer.name, "region": Customer.region, "created": Customer.id}
"""The columns a customer list may be sorted by (``sort``; a leading ``-`` for descending)."""


def search_customers(
    session: Session, query: str = "", *, limit: int = 50, offset: int = 0, sort: str = "name"
) -> list[Customer]:
    """Customers whose name, phone number, region or tags contain ``query`` (all if empty),
    ordered by ``sort`` (one of :data:`CUSTOMER_SORTS`), ``offset`` rows skipped."""
    column = CUSTOMER_SORTS.get(sort.lstrip("-"), Customer.name)
    order = (column.desc(), Customer.id.desc()) if sort.startswith("-") else (column, Customer.id)
    stmt = select(Customer).options(selectinload(Customer.phones)).order_by(*order)
    query = str(query or "").strip()[: FIELD_LIMITS["query"]]
    if query:
        like = f"%{query}%"
        phone_ids = select(CustomerPhone.customer_id).where(CustomerPhone.number.like(like))
        stmt = stmt.where(
            or_(
                Customer.name.ilike(like),
                Customer.region.ilike(like),
                Customer.id.in_(phone_ids),
                Customer.tags.cast(_text_type()).ilike(like),
            )
        )
    return list(session.scalars(stmt.offset(offset).limit(limit)))


def _text_type() -> Any:
    from sqlalchemy import Text

    return Text()


def customer_calls(session: Session, customer: Customer, *, limit: int = 20) -> list[Call]:
    """The customer's calls (from any of their numbers, or dialled to one), newest first."""
    numbers = [v for p in customer.phones for v in _presented_as(p.number)]
    if not numbers:
        return []
    dialled = and_(Call.direction == CallDirection.OUTBOUND, Call.dialled_number.in_(numbers))
    stmt = (
        select(Call)
        .where(or_(Call.caller_number.in_(numbers), dialled))
        .order_by(Call.started_at.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def customer_tickets(
    session: Session, customer: Customer, *, open_only: bool = False, limit: int = 50
) -> list[Ticket]:
    """The customer's tickets, newest first (only unresolved ones with ``open_only``)."""
    stmt = select(Ticket).where(Ticket.customer_id == customer.id)
    if open_only:
        stmt = stmt.where(Ticket.status.in_(list(OPEN_STATUSES)))
    return list(session.scalars(stmt.order_by(Ticket.created_at.desc()).limit(limit)))
