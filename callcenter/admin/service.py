"""The shape every admin object shares: list, read, create, update, deactivate - audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin.audit import record
from callcenter.admin.errors import NotFound
from callcenter.admin.notify import changed
from callcenter.store.users import User


@dataclass(frozen=True)
class Field:
    """One form field: name, label msgid, control (text, number, select, check, lines, date)."""

    name: str
    label: str
    control: str = "text"
    choices: tuple[str, ...] = ()
    hint: str | None = None


class Service:
    """CRUD of one model; subclasses give the model, fields, columns, values and apply."""

    kind: ClassVar[str]  # url name, e.g. "queues"
    title: ClassVar[str]  # msgid of the page title
    object_type: ClassVar[str]  # audit object type, e.g. "queue"
    model: ClassVar[Any]
    columns: ClassVar[tuple[tuple[str, str], ...]]  # (value name, label msgid) in the list
    sorts: ClassVar[dict[str, str]]  # sort name -> model attribute
    default_sort: ClassVar[str] = "name"
    defaults: ClassVar[dict[str, Any]] = {}  # a new object's form values
    label_field: ClassVar[str] = "name"

    def fields(self, session: Session) -> list[Field]:
        """The form's fields (choices may come from the database)."""
        raise NotImplementedError

    def values(self, obj: Any) -> dict[str, Any]:
        """The object as plain values (form text, JSON, audit before/after)."""
        raise NotImplementedError

    def apply(self, session: Session, obj: Any, data: dict[str, Any]) -> None:
        """Check ``data`` and set it on ``obj``; Invalid names the bad field."""
        raise NotImplementedError

    def rows(
        self, session: Session, sort: str, descending: bool, offset: int, limit: int
    ) -> list[dict[str, Any]]:
        """A page of objects as values, sorted in SQL."""
        column = getattr(self.model, self.sorts.get(sort, self.sorts[self.default_sort]))
        order = (column.desc(), self.model.id.desc()) if descending else (column, self.model.id)
        stmt = select(self.model).order_by(*order).offset(offset).limit(limit)
        return [{"id": o.id, **self.values(o)} for o in session.scalars(stmt)]

    def get(self, session: Session, obj_id: int) -> Any:
        """The object, or NotFound."""
        obj = session.get(self.model, obj_id)
        if obj is None:
            raise NotFound(f"no {self.object_type} with id {obj_id}")
        return obj

    def read(self, session: Session, obj_id: int) -> dict[str, Any]:
        """One object's values with its id."""
        return {"id": obj_id, **self.values(self.get(session, obj_id))}

    def create(self, session: Session, data: dict[str, Any], actor: User | None) -> int:
        """A new object from ``data`` (audited); its id."""
        obj = self.model()
        with session.no_autoflush:
            self.apply(session, obj, data)
        session.add(obj)
        session.flush()
        record(session, actor, f"{self.object_type}.create", self.object_type, obj.id, None,
               self.values(obj))  # fmt: skip
        changed(session, self.kind, obj.id)
        return int(obj.id)

    def update(
        self, session: Session, obj_id: int, data: dict[str, Any], actor: User | None
    ) -> None:
        """Change the object to ``data`` (audited before -> after)."""
        obj = self.get(session, obj_id)
        before = self.values(obj)
        with session.no_autoflush:
            self.apply(session, obj, {**before, **data})
        session.flush()
        session.expire(obj)
        after = self.values(obj)
        if after != before:
            record(session, actor, f"{self.object_type}.update", self.object_type, obj_id,
                   before, after)  # fmt: skip
            changed(session, self.kind, obj_id)

    def deactivate(self, session: Session, obj_id: int, actor: User | None) -> None:
        """Take the object out of use (kept for history; audited)."""
        obj = self.get(session, obj_id)
        before = self.values(obj)
        obj.active = False
        session.flush()
        record(session, actor, f"{self.object_type}.deactivate", self.object_type, obj_id,
               before, self.values(obj))  # fmt: skip
        changed(session, self.kind, obj_id)
