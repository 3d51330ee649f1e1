"""Blocked callers: a number, or a prefix ending in ``*``, with reason and expiry."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.audit import record
from callcenter.admin.errors import Invalid
from callcenter.admin.service import Field, Service
from callcenter.store.base import utcnow
from callcenter.store.blacklist import BlacklistEntry
from callcenter.store.users import User

NUMBER = re.compile(r"^\+?[0-9]{2,31}\*?$")


class BlacklistService(Service):
    """Blacklist entries (deactivating one lets it expire now)."""

    kind = "blacklist"
    title = "Caller blacklist"
    object_type = "blacklist"
    model = BlacklistEntry
    columns = (("number", "Number or prefix"), ("reason", "Reason"), ("expires_at", "Expires"),
               ("active", "Active"))  # fmt: skip
    sorts = {"number": "number", "expires": "expires_at"}
    default_sort = "number"
    label_field = "number"

    def fields(self, session: Session) -> list[Field]:
        """Number or prefix, reason, expiry."""
        return [
            Field("number", "Number or prefix", hint="e.g. 13800138000, or 1380013* for a prefix"),
            Field("reason", "Reason"),
            Field("expires_at", "Expires", "date", hint="YYYY-MM-DD HH:MM (UTC); empty: never"),
        ]

    def values(self, obj: BlacklistEntry) -> dict[str, Any]:
        """The entry as plain values."""
        expires = obj.expires_at
        return {
            "number": obj.number,
            "reason": obj.reason or "",
            "expires_at": expires.strftime("%Y-%m-%d %H:%M") if expires else "",
            "active": expires is None or _aware(expires) > utcnow(),
        }

    def apply(self, session: Session, obj: BlacklistEntry, data: dict[str, Any]) -> None:
        """Check and set number, reason and expiry."""
        number = f.text(data, "number", 32, required=True)
        if not NUMBER.match(number):
            raise Invalid("number", "number must be 2 to 31 digits (+ first, * last for a prefix)")
        clash = select(BlacklistEntry.id).where(
            BlacklistEntry.number == number, BlacklistEntry.id != obj.id
        )
        if session.scalar(clash):
            raise Invalid("number", f"number {number} is on the blacklist already")
        obj.number = number
        obj.reason = f.text(data, "reason") or None
        obj.expires_at = f.moment(data, "expires_at")

    def deactivate(self, session: Session, obj_id: int, actor: User | None) -> None:
        """End the block now (audited)."""
        obj = self.get(session, obj_id)
        before = self.values(obj)
        obj.expires_at = utcnow()
        session.flush()
        record(
            session, actor, "blacklist.deactivate", "blacklist", obj_id, before, self.values(obj)
        )


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


BLACKLIST = BlacklistService()
