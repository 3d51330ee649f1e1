"""Supervisor pages: the live wallboard (snapshot + server-sent events from Redis)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template

from callcenter.live.names import WALLBOARD
from callcenter.live.store import LiveStore
from console.auth import role_required
from console.sse import event_stream

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")


def live_store() -> LiveStore:
    """The app's Redis live store (one per app)."""
    store = current_app.extensions.get("callcenter.live")
    if store is None:
        store = LiveStore.from_settings(current_app.extensions["callcenter.settings"])
        current_app.extensions["callcenter.live"] = store
    return store


@bp.get("/")
@role_required("supervisor")
def wallboard() -> str:
    """Agents and calls, live."""
    return render_template("wallboard.html")


@bp.get("/snapshot")
@role_required("supervisor")
def snapshot() -> Response:
    """Current agents and calls as JSON (the page loads it, and again after a reconnect)."""
    store = live_store()
    agents = [{"agent_id": agent_id, **fields} for agent_id, fields in store.all("agent").items()]
    calls = [{"call_uuid": uuid, **fields} for uuid, fields in store.all("call").items()]
    return jsonify(agents=agents, calls=calls)


@bp.get("/stream")
@role_required("supervisor")
def stream() -> Response:
    """Server-sent events: every agent/call change the engines publish."""
    return event_stream(live_store().subscribe(WALLBOARD), lambda message: message.data)
