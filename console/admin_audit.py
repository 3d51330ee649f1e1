"""The audit log page: who changed what and when (before -> after), filtered and paged."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request

from callcenter.admin.audit import AuditFilter, object_types, search
from console.auth import db_session, role_required
from console.listing import listing

bp = Blueprint("audit", __name__, url_prefix="/admin")


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.get("/audit")
@role_required()
def audit_page() -> tuple[str, int]:
    """Audit rows newest first; filter by user, object type, object id, day range."""
    args = request.args
    wanted = AuditFilter(
        actor=(args.get("user") or "").strip()[:64],
        object_type=(args.get("object") or "").strip()[:32],
        object_id=(args.get("object_id") or "").strip()[:64],
        day_from=_day(args.get("from", "")),
        day_to=_day(args.get("to", "")),
    )
    bad_day = any(args.get(k) and _day(args.get(k, "")) is None for k in ("from", "to"))
    page = listing(args, ["ts"], "-ts")
    with db_session() as session:
        rows = page.take(search(session, wanted, page.offset, page.fetch))
        types = object_types(session)
    return render_template(
        "admin/audit.html", rows=rows, listing=page, wanted=wanted, types=types,
        bad_day=bad_day,
    ), (400 if bad_day else 200)  # fmt: skip
