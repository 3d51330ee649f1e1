"""Not-ready reason codes agents pick on the desktop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.admin.service import Field, Service
from callcenter.store.setup import NotReadyReason


class ReasonService(Service):
    """The reasons the desktop offers (active ones, by position)."""

    kind = "reasons"
    title = "Not-ready reasons"
    object_type = "reason"
    model = NotReadyReason
    columns = (("code", "Code"), ("label", "Label"), ("position", "Position"), ("active", "Active"))
    sorts = {"position": "position", "code": "code"}
    default_sort = "position"
    label_field = "code"

    def fields(self, session: Session) -> list[Field]:
        """Code, label, position."""
        return [
            Field("code", "Code", hint="logged with the agent's state, e.g. lunch"),
            Field("label", "Label", hint="shown on the desktop; empty: the code"),
            Field("position", "Position", "number"),
            Field("active", "Active", "check"),
        ]

    def values(self, obj: NotReadyReason) -> dict[str, Any]:
        """The reason as plain values."""
        return {"code": obj.code, "label": obj.label or "", "position": obj.position or 0,
                "active": obj.active is not False}  # fmt: skip

    def apply(self, session: Session, obj: NotReadyReason, data: dict[str, Any]) -> None:
        """Check and set code, label and position."""
        code = f.ident(data, "code")
        clash = select(NotReadyReason.id).where(
            NotReadyReason.code == code, NotReadyReason.id != obj.id
        )
        if session.scalar(clash):
            raise Invalid("code", f"reason code {code!r} exists already")
        obj.code = code
        obj.label = f.text(data, "label", 128) or None
        obj.position = f.integer(data, "position", 0, 999, 0)
        obj.active = f.flag(data, "active", True)


def active_reasons(session: Session) -> list[dict[str, str]]:
    """The desktop's not-ready reasons: code and label, by position."""
    stmt = (
        select(NotReadyReason)
        .where(NotReadyReason.active)
        .order_by(NotReadyReason.position, NotReadyReason.code)
    )
    return [{"code": r.code, "label": r.label or ""} for r in session.scalars(stmt)]


REASONS = ReasonService()
