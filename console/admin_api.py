"""Admin JSON API of the center's set-up (queues, agents, skills, reasons, blacklist,
calendars): GET list / one, POST create, PUT change, DELETE deactivate; 400 with the reason
and the field."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify
from sqlalchemy.exc import IntegrityError

from callcenter.admin import SERVICES
from callcenter.admin.errors import Invalid, NotFound
from callcenter.store.base import StoreError
from console.admin_setup import KINDS, actor, context
from console.api import problem
from console.auth import db_session, role_required
from console.request_input import InputError, json_body, query_int

bp = Blueprint("admin_api", __name__, url_prefix="/api/admin")
MAX_LIMIT = 500


def _refused(exc: StoreError) -> tuple[Response, int]:
    body: dict[str, Any] = {"error": True, "reason": str(exc)}
    if isinstance(exc, Invalid):
        body["field"] = exc.field
    return jsonify(body), 404 if isinstance(exc, NotFound) else 400


@bp.get(f"/<{KINDS}:kind>")
@role_required("admin")
def list_all(kind: str) -> tuple[Response, int]:
    """Objects of the kind (``?offset=&limit=``, sorted by their list's default)."""
    service = SERVICES[kind]
    try:
        offset = query_int("offset", 0, 0, 1_000_000)
        limit = query_int("limit", 100, 1, MAX_LIMIT)
    except InputError as exc:
        return problem(400, str(exc))
    with db_session() as session:
        rows = service.rows(session, service.default_sort, False, offset, limit)
    return jsonify(items=rows), 200


@bp.get(f"/<{KINDS}:kind>/<int:obj_id>")
@role_required("admin")
def one(kind: str, obj_id: int) -> tuple[Response, int]:
    """One object's values."""
    with db_session() as session:
        try:
            return jsonify(SERVICES[kind].read(session, obj_id)), 200
        except NotFound as exc:
            return _refused(exc)


@bp.post(f"/<{KINDS}:kind>")
@role_required("admin")
def create(kind: str) -> tuple[Response, int]:
    """Create from a JSON object of the form's fields; 201 with the stored values."""
    service = SERVICES[kind]
    data = {**json_body(), **context(kind)}
    with db_session() as session:
        try:
            obj_id = service.create(session, data, actor(session))
            session.commit()
        except (StoreError, IntegrityError) as exc:
            session.rollback()
            return _refused(exc if isinstance(exc, StoreError) else StoreError("already exists"))
        return jsonify(service.read(session, obj_id)), 201


@bp.put(f"/<{KINDS}:kind>/<int:obj_id>")
@role_required("admin")
def change(kind: str, obj_id: int) -> tuple[Response, int]:
    """Change the fields given (the others keep their values); 200 with the stored values."""
    service = SERVICES[kind]
    data = {**json_body(), **context(kind)}
    with db_session() as session:
        try:
            service.update(session, obj_id, data, actor(session))
            session.commit()
        except (StoreError, IntegrityError) as exc:
            session.rollback()
            return _refused(exc if isinstance(exc, StoreError) else StoreError("already exists"))
        return jsonify(service.read(session, obj_id)), 200


@bp.delete(f"/<{KINDS}:kind>/<int:obj_id>")
@role_required("admin")
def deactivate(kind: str, obj_id: int) -> tuple[Response, int]:
    """Deactivate (the row is kept; a blacklist entry expires now); 200 with the values."""
    service = SERVICES[kind]
    with db_session() as session:
        try:
            service.deactivate(session, obj_id, actor(session))
            session.commit()
        except StoreError as exc:
            session.rollback()
            return _refused(exc)
        return jsonify(service.read(session, obj_id)), 200
