"""One call record: its page and JSON for supervisors, and admin corrections (as new rows).

A call is addressed by its uuid. The record shows the effective value of every corrected field
next to what the engine recorded and the history of corrections (who, when, why). An admin's
correction never changes the call row and nothing here deletes anything: 400 with a
``reason`` for a bad correction, 403 for anybody but an admin, 404 for an unknown call.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from callcenter.recording.query import call_row, current_recording
from callcenter.store.calls import Call
from callcenter.store.corrections import (
    CORRECTABLE,
    CorrectionError,
    correct_call,
    correction_dict,
)
from callcenter.store.enums import Disposition
from callcenter.store.monitoring import sessions_of_call
from callcenter.store.users import User
from console.auth import db_session, role_required
from console.monitor_api import session_document
from console.request_input import json_body
from console.supervisor import live_store

bp = Blueprint("calls", __name__)


def _problem(status: int, reason: str) -> tuple[Response, int]:
    return jsonify(error=True, reason=reason), status


def _load(session: Session, call_uuid: str) -> Call | None:
    return session.scalar(
        select(Call)
        .where(Call.uuid == call_uuid)
        .options(
            selectinload(Call.events),
            selectinload(Call.corrections),
            selectinload(Call.recordings),
            selectinload(Call.agent),
            selectinload(Call.queue),
        )
    )


def call_document(call: Call) -> dict[str, Any]:
    """The call as JSON: effective values, the engine's originals, corrections, timeline."""
    corrections = [correction_dict(c) for c in sorted(call.corrections, key=lambda c: c.id)]
    original = {
        "disposition": str(call.disposition) if call.disposition else None,
        "survey_score": call.survey_score,
        "hangup_by": call.hangup_by,
        "caller_name": call.caller_name,
        "note": None,
    }
    recording = current_recording(call)
    return {
        "call": call_row(call, call.answered_agents()),
        "original": {f: original[f] for f in dict.fromkeys(c["field"] for c in corrections)},
        "corrections": corrections,
        "transfers": call.transfers(),
        "events": [
            {"type": e.type, "at": e.ts.isoformat() if e.ts else None, "data": e.data}
            for e in call.events
        ],
        "recording": None
        if recording is None
        else {
            "id": recording.id,
            "format": recording.format,
            "duration_seconds": recording.duration_seconds,
            "paused": recording.paused,
            "flagged": recording.flagged,
        },
    }


def _add_correction(session: Session, call: Call, body: dict[str, Any]) -> dict[str, Any]:
    user = session.get(User, current_user.id)
    if user is None:  # signed in, but the row is gone
        abort(403)
    correction = correct_call(
        session, call, body.get("field"), body.get("value"), body.get("reason"), user
    )
    session.commit()
    return correction_dict(correction)


@bp.get("/api/calls/<call_uuid>")
@role_required("supervisor")
def call_json(call_uuid: str) -> Response | tuple[Response, int]:
    """The call record as JSON (supervisors and admins)."""
    with db_session() as session:
        call = _load(session, call_uuid)
        if call is None:
            return _problem(404, f"no call {call_uuid!r}")
        return jsonify(call_document(call) | {"monitoring": _monitoring(call)})


@bp.post("/api/calls/<call_uuid>/corrections")
@role_required("admin")
def add_correction(call_uuid: str) -> tuple[Response, int]:
    """Correct one field: ``{"field", "value", "reason"}`` -> 201 with the correction."""
    body = json_body()
    with db_session() as session:
        call = _load(session, call_uuid)
        if call is None:
            return _problem(404, f"no call {call_uuid!r}")
        try:
            correction = _add_correction(session, call, body)
        except CorrectionError as exc:
            return _problem(400, str(exc))
        return jsonify(correction=correction, call=call_document(call)), 201


def _monitoring(call: Call) -> list[dict[str, Any]]:
    """Who monitored the call (listened, whispered, barged), when, in which modes."""
    session = object_session(call)
    if session is None:
        return []
    return [session_document(row) for row in sessions_of_call(session, call.uuid)]


def _page(call: Call, error: str = "", form: dict[str, str] | None = None) -> str:
    return render_template(
        "call.html",
        call=call,
        doc=call_document(call),
        monitoring=_monitoring(call),
        fields=list(CORRECTABLE),
        dispositions=[d.value for d in Disposition],
        error=error,
        form=form or {},
    )


@bp.get("/calls/<call_uuid>")
@role_required("supervisor")
def call_page(call_uuid: str) -> str:
    """The call record page: values, agents, transfers, timeline, corrections; for a call
    still going on (no record yet), its live state with the listen / whisper / barge buttons."""
    with db_session() as session:
        call = _load(session, call_uuid)
        if call is not None:
            return _page(call)
    live = live_store().get_call(call_uuid)
    if not live or live.get("state") == "ended":
        abort(404)
    since = _since(live.get("since", ""))
    return render_template("call_live.html", call_uuid=call_uuid, call=live, since=since)


def _since(value: str) -> datetime | None:
    """The live hash's ``since`` (ISO time) as an aware time, None when absent or odd."""
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        return None
    return since if since.tzinfo else since.replace(tzinfo=UTC)


@bp.post("/calls/<call_uuid>/corrections")
@role_required("admin")
def correct_from_page(call_uuid: str) -> Response | tuple[str, int]:
    """The page's correction form (admins): back to the page, or the page with the error."""
    form = {name: request.form.get(name, "") for name in ("field", "value", "reason")}
    with db_session() as session:
        call = _load(session, call_uuid)
        if call is None:
            abort(404)
        try:
            _add_correction(session, call, form)
        except CorrectionError as exc:
            return _page(call, str(exc), form), 400
    return redirect(url_for("calls.call_page", call_uuid=call_uuid))
