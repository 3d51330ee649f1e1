"""Finding admin objects by the name people use for them (name, number or code)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.admin.errors import NotFound
from callcenter.admin.service import Service


def by_label(session: Session, service: Service, label: str) -> Any | None:
    """The object whose label field (e.g. a queue's name) is ``label``, or None."""
    column = getattr(service.model, service.label_field)
    return session.scalar(select(service.model).where(column == label))


def by_id_or_label(session: Session, service: Service, wanted: str) -> Any:
    """The object with id ``#N``/``N`` or, failing that, with that label; NotFound otherwise."""
    found = by_label(session, service, wanted)
    if found is None and wanted.removeprefix("#").isdigit():
        found = session.get(service.model, int(wanted.removeprefix("#")))
    if found is None:
        raise NotFound(
            f"no {service.object_type} {wanted!r} (give its {service.label_field} or id)"
        )
    return found


def everything(session: Session, service: Service) -> list[Any]:
    """Every object of the service (active or not), by label."""
    column = getattr(service.model, service.label_field)
    return list(session.scalars(select(service.model).order_by(column, service.model.id)))
