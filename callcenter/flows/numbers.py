"""Hotline numbers -> flow in the database (the setting ivr.numbers only seeds them)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from callcenter.flows.errors import FlowStoreError
from callcenter.flows.versions import FLOW_NAME
from callcenter.store.flows import HotlineNumber
from callcenter.store.repositories import audit
from callcenter.store.users import User

__all__ = ["hotline_numbers", "replace_numbers", "seed_numbers"]

NUMBER = re.compile(r"^[0-9*#+]{1,32}$")


def hotline_numbers(session: Session) -> list[dict[str, str]]:
    """Every hotline number with its flow and comment, by number."""
    rows = session.scalars(select(HotlineNumber).order_by(HotlineNumber.number))
    return [{"number": r.number, "flow": r.flow_name, "comment": r.comment} for r in rows]


def _checked(entries: list[Any]) -> list[HotlineNumber]:
    out: dict[str, HotlineNumber] = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise FlowStoreError(f"numbers[{i}]: expected an object with number, flow, comment")
        number, flow, comment = entry.get("number"), entry.get("flow"), entry.get("comment", "")
        if not isinstance(number, str) or not NUMBER.match(number):
            raise FlowStoreError(f"numbers[{i}].number: digits, *, # or + (32 at most)")
        if not isinstance(flow, str) or not FLOW_NAME.match(flow):
            raise FlowStoreError(f"numbers[{i}].flow: a flow name")
        if not isinstance(comment, str) or len(comment) > 200:
            raise FlowStoreError(f"numbers[{i}].comment: text of 200 characters at most")
        if number in out:
            raise FlowStoreError(f"numbers[{i}].number: {number} is listed twice")
        out[number] = HotlineNumber(number=number, flow_name=flow, comment=comment)
    return list(out.values())


def replace_numbers(
    session: Session, entries: list[Any], *, user: User | None = None, actor: str | None = None
) -> list[dict[str, str]]:
    """Replace every hotline number with ``entries`` (checked first; audited before -> after)."""
    rows = _checked(entries)
    before = hotline_numbers(session)
    session.execute(delete(HotlineNumber))
    session.add_all(rows)
    session.flush()
    after = hotline_numbers(session)
    detail = {"before": before, "after": after}
    audit(session, "hotline_numbers", user=user, actor=actor, object_type="hotline", detail=detail)
    return after


def seed_numbers(session: Session, numbers: Mapping[str, str]) -> bool:
    """Copy the setting ivr.numbers into the table if the table is empty; True if it did."""
    if session.scalar(select(HotlineNumber.number).limit(1)) is not None or not numbers:
        return False
    entries = [
        {"number": n, "flow": f, "comment": "from setting ivr.numbers"} for n, f in numbers.items()
    ]
    replace_numbers(session, entries, actor="system")
    return True
