"""Recordings: stream one (HTTP Range) to those allowed, the supervisor's list, CSV/JSON export.

Recordings are addressed by index id only; the stored path is resolved inside the recording
store and never taken from the request. Every listen, download, refusal and export is an
audit entry (who, what, when).
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, request, send_file
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import Session

from callcenter.config import Settings
from callcenter.recording.files import RecordingFileError, resolve_path
from callcenter.recording.query import (
    EXPORT_FIELDS,
    CallFilters,
    FilterError,
    agents_by_call,
    call_row,
    current_recording,
    find_calls,
    transcripts_by_recording,
)
from callcenter.reports.csv_cells import safe_row
from callcenter.store.calls import Recording
from callcenter.store.corrections import effective_values
from callcenter.store.enums import Disposition
from callcenter.store.repositories import audit
from callcenter.store.routing import Agent, Queue
from callcenter.store.users import User
from console.auth import db_session, role_required
from console.listing import Listing
from console.request_input import query_int

bp = Blueprint("recordings", __name__, url_prefix="/recordings")

MIMETYPES = {"wav": "audio/wav", "ogg": "audio/ogg", "mp3": "audio/mpeg"}
PAGE_SIZE = 100
EXPORT_LIMIT = 100_000
MAX_PAGE = 1_000_000  # pages of PAGE_SIZE calls: far beyond any call table


def _settings() -> Settings:
    return current_app.extensions["callcenter.settings"]


def _audit(session: Session, action: str, object_id: int | str, **detail: Any) -> None:
    user = session.get(User, current_user.id)
    audit(
        session,
        action,
        user=user,
        actor=current_user.username,
        object_type="recording" if action.startswith("recording.") else "calls",
        object_id=object_id,
        detail={"ip": request.remote_addr, **detail},
    )
    session.commit()


def _may_listen(session: Session, recording: Recording) -> bool:
    """Supervisors and admins, and the agents who took the call (each agent of a
    transferred call hears the recording of the call they talked on)."""
    if current_user.role in ("supervisor", "admin"):
        return True
    if current_user.role != "agent" or recording.call is None:
        return False
    mine = session.scalar(select(Agent.number).where(Agent.user_id == current_user.id))
    if mine is None:
        return False
    call = recording.call
    last = session.get(Agent, call.agent_id) if call.agent_id is not None else None
    return (last is not None and last.number == mine) or mine in call.answered_agents()


@bp.get("/<int:recording_id>/audio")
@login_required
def audio(recording_id: int) -> Response:
    """The recording's file, with Range support; ``?download=1`` sends it as an attachment."""
    download = request.args.get("download") == "1"
    action = "recording.download" if download else "recording.listen"
    with db_session() as session:
        recording = session.get(Recording, recording_id)
        if recording is None:
            abort(404)
        if not _may_listen(session, recording):
            _audit(session, action + "_denied", recording_id)
            abort(403)
        if recording.deleted_at is not None:
            _audit(session, action + "_gone", recording_id)
            abort(410, "the file was deleted by the retention policy")
        try:
            path = resolve_path(_settings().recording.path, recording.path)
        except RecordingFileError as exc:
            current_app.logger.warning("recording %s not served: %s", recording_id, exc)
            _audit(session, action + "_missing", recording_id)
            abort(404)
        call_uuid = recording.call.uuid if recording.call is not None else str(recording.id)
        fmt = recording.format
        sha = recording.sha256
        _audit(session, action, recording_id, range=request.headers.get("Range"))
    response = send_file(
        path,
        mimetype=MIMETYPES.get(fmt, "application/octet-stream"),
        as_attachment=download,
        download_name=f"{call_uuid}.{fmt}",
        conditional=True,
        etag=sha or True,
        max_age=0,
    )
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["Accept-Ranges"] = "bytes"
    return response


def _filters() -> CallFilters:
    try:
        return CallFilters.from_args(request.args)
    except FilterError as exc:
        abort(400, str(exc))


@bp.get("/")
@role_required("supervisor")
def index() -> str:
    """Calls with filters; each recorded one plays in the page."""
    filters = _filters()
    page = query_int("page", 1, 1, MAX_PAGE)
    with db_session() as session:
        calls = find_calls(
            session,
            filters,
            zone=_settings().timezone,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
        more = len(calls) > PAGE_SIZE
        calls = calls[:PAGE_SIZE]
        rows = [(call, current_recording(call)) for call in calls]
        transcripts = transcripts_by_recording(session, [r.id for _, r in rows if r is not None])
        agents = [a.number for a in session.query(Agent).order_by(Agent.number)]
        queues = [q.name for q in session.query(Queue).order_by(Queue.name)]
        return render_template(
            "recordings.html",
            rows=rows,
            effective={call.id: effective_values(call) for call in calls},  # after corrections
            transcripts=transcripts,
            filters=filters,
            args=filters.as_args(),
            agents=agents,
            queues=queues,
            dispositions=[d.value for d in Disposition],
            page=page,
            more=more,
            listing=Listing(
                sort="", descending=False, page=page, more=more, args=filters.as_args()
            ),
        )


def _export_rows() -> tuple[CallFilters, list[dict[str, Any]]]:
    filters = _filters()
    with db_session() as session:
        calls = find_calls(session, filters, zone=_settings().timezone, limit=EXPORT_LIMIT)
        agents = agents_by_call(session, [call.id for call in calls])
        rows = [call_row(call, agents.get(call.id)) for call in calls]
        fmt = request.path.rsplit(".", 1)[-1]
        _audit(session, "calls.export", fmt, filters=filters.as_args(), rows=len(rows))
    return filters, rows


@bp.get("/export.csv")
@role_required("supervisor")
def export_csv() -> Response:
    """Call records matching the filters as CSV (UTF-8 with BOM, so Excel reads Chinese).

    Corrected fields show their effective value; ``corrected`` lists them.
    """
    _, rows = _export_rows()
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in rows:
        writer.writerow(
            safe_row(
                {
                    **row,
                    "ivr_path": json.dumps(row["ivr_path"], ensure_ascii=False),
                    "agents": " ".join(row["agents"]),  # in order: "1000 1001" after a transfer
                    "corrected": " ".join(row["corrected"]),
                }
            )
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": "attachment; filename=call-records.csv"},
    )


@bp.get("/export.json")
@role_required("supervisor")
def export_json() -> Response:
    """Call records matching the filters as a JSON array."""
    filters, rows = _export_rows()
    body = json.dumps({"filters": filters.as_args(), "calls": rows}, ensure_ascii=False)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": "attachment; filename=call-records.json"},
    )
