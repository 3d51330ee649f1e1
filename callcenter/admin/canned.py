"""Canned answers and call scripts per queue: admin-edited, shown on the agent desktop."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin import fields as f
from callcenter.admin.errors import Invalid
from callcenter.admin.service import Field, Service
from callcenter.store.canned import CANNED_KINDS, CannedAnswer
from callcenter.store.routing import Queue

TEXT_LIMIT = 4000


class CannedService(Service):
    """A queue's canned answers (常用语) and call script, by position."""

    kind = "canned"
    title = "Canned answers"
    object_type = "canned_answer"
    model = CannedAnswer
    columns = (("title", "Title"), ("queue", "Queue"), ("kind", "Kind"),
               ("position", "Position"), ("active", "Active"))  # fmt: skip
    sorts = {"position": "position", "title": "title", "queue": "queue_id"}
    default_sort = "position"
    defaults = {"kind": "answer", "position": 0}
    label_field = "title"

    def fields(self, session: Session) -> list[Field]:
        """Queue (an existing one), kind, title, text, position."""
        queues = tuple(session.scalars(select(Queue.name).order_by(Queue.name)))
        return [
            Field("queue", "Queue", "select", queues),
            Field("kind", "Kind", "select", CANNED_KINDS,
                  hint="answer: copied into a note; script: the agent's guide"),
            Field("title", "Title"),
            Field("text", "Text", "lines"),
            Field("position", "Position", "number"),
            Field("active", "Active", "check"),
        ]  # fmt: skip

    def values(self, obj: CannedAnswer) -> dict[str, Any]:
        """The answer as plain values."""
        return {"queue": obj.queue.name if obj.queue else "", "kind": obj.kind,
                "title": obj.title, "text": obj.text, "position": obj.position or 0,
                "active": obj.active is not False}  # fmt: skip

    def apply(self, session: Session, obj: CannedAnswer, data: dict[str, Any]) -> None:
        """Check and set queue, kind, title, text and position."""
        name = f.text(data, "queue", 64, required=True)
        queue = session.scalar(select(Queue).where(Queue.name == name))
        if queue is None:
            raise Invalid("queue", f"no queue named {name!r}")
        obj.queue = queue
        obj.kind = f.choice(data, "kind", CANNED_KINDS, "answer")
        obj.title = f.text(data, "title", 128, required=True)
        obj.text = f.text(data, "text", TEXT_LIMIT, required=True)
        obj.position = f.integer(data, "position", 0, 999, 0)
        obj.active = f.flag(data, "active", True)


def queue_canned(session: Session, queue: str) -> dict[str, list[dict[str, str]]]:
    """The active scripts and answers of the queue named ``queue``, by position."""
    stmt = (
        select(CannedAnswer)
        .join(Queue, CannedAnswer.queue_id == Queue.id)
        .where(Queue.name == queue, CannedAnswer.active)
        .order_by(CannedAnswer.position, CannedAnswer.id)
    )
    found: dict[str, list[dict[str, str]]] = {"script": [], "answers": []}
    for row in session.scalars(stmt):
        found["script" if row.kind == "script" else "answers"].append(
            {"title": row.title, "text": row.text}
        )
    return found


CANNED = CannedService()
