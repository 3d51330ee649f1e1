"""Admin pages of the IVR flows kept in the database: the list and the editor (CodeMirror,
validation as you type, graph, versions, diff, publish, roll back). The pages are shells:
console/static/flow_editor.js does the work through the JSON API in console/flows_api.py."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select

from callcenter.flows.errors import FlowNotFound
from callcenter.flows.versions import find_flow
from callcenter.store.flows import FlowVersion, IvrFlow
from console.auth import db_session, role_required

bp = Blueprint("flow_editor", __name__, url_prefix="/admin/ivr")


def _rows(session: Any) -> list[dict[str, Any]]:
    newest = (
        select(FlowVersion.flow_id, func.max(FlowVersion.number).label("number"))
        .group_by(FlowVersion.flow_id)
        .subquery()
    )
    stmt = (
        select(IvrFlow, FlowVersion)
        .outerjoin(newest, newest.c.flow_id == IvrFlow.id)
        .outerjoin(
            FlowVersion,
            (FlowVersion.flow_id == IvrFlow.id) & (FlowVersion.number == newest.c.number),
        )
        .order_by(IvrFlow.name)
    )
    return [
        {
            "name": flow.name,
            "published": flow.published,
            "newest": last.number if last else None,
            "changed_at": last.created_at if last else None,
            "author": last.author if last else "",
            "valid": last.valid if last else None,
        }
        for flow, last in session.execute(stmt)
    ]


@bp.get("/")
@role_required()
def list_page() -> str:
    """Every flow: published version, last change (who, when) and whether it has problems."""
    with db_session() as session:
        return render_template("admin/flow_list.html", flows=_rows(session))


@bp.get("/new")
@role_required()
def new_page() -> str:
    """The editor for a flow that does not exist yet (it is made by its first save)."""
    return render_template("admin/flow_edit.html", flow=None)


@bp.get("/<flow>")
@role_required()
def edit_page(flow: str) -> str:
    """The editor of one flow: YAML, problems, graph, versions, diff, publish."""
    with db_session() as session:
        try:
            find_flow(session, flow)
        except FlowNotFound:
            abort(404)
    return render_template("admin/flow_edit.html", flow=flow)
