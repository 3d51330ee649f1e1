"""The hotline numbers page: which IVR flow answers each number (over callcenter.flows.numbers)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from callcenter.flows.errors import FlowStoreError
from callcenter.flows.numbers import hotline_numbers, replace_numbers
from callcenter.flows.versions import list_flows
from console.admin_setup import actor
from console.auth import db_session, role_required
from console.i18n import translate

bp = Blueprint("numbers", __name__, url_prefix="/admin")


def parse_lines(text: str) -> list[dict[str, str]]:
    """``number flow [comment]`` lines as the numbers service's entries."""
    entries = []
    for line in text.splitlines():
        parts = line.split(None, 2)
        if parts:
            entries.append({"number": parts[0], "flow": parts[1] if len(parts) > 1 else "",
                            "comment": parts[2] if len(parts) > 2 else ""})  # fmt: skip
    return entries


def _page(session: Any, text: str | None, error: str | None, status: int) -> tuple[str, int]:
    rows = hotline_numbers(session)
    if text is None:
        text = "\n".join(f"{r['number']} {r['flow']} {r['comment']}".rstrip() for r in rows)
    flows = [f["name"] for f in list_flows(session)]
    return render_template(
        "admin/numbers.html", rows=rows, text=text, error=error, flows=flows
    ), status


@bp.route("/numbers", methods=["GET", "POST"])
@role_required()
def numbers_page() -> Response | tuple[str, int]:
    """Show and replace the hotline numbers (one ``number flow comment`` per line)."""
    with db_session() as session:
        if request.method == "GET":
            return _page(session, None, None, 200)
        text = request.form.get("numbers", "")
        try:
            replace_numbers(session, parse_lines(text), user=actor(session))
            session.commit()
        except FlowStoreError as exc:
            session.rollback()
            return _page(session, text, str(exc), 422)
    flash(translate("Saved"), "success")
    return redirect(url_for("numbers.numbers_page"))
