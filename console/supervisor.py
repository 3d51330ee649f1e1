"""Supervisor pages: the live wallboard (snapshot + server-sent events from Redis)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, jsonify, render_template, stream_with_context

from callcenter.live.names import WALLBOARD
from callcenter.live.store import LiveStore
from console.auth import role_required

bp = Blueprint("supervisor", __name__, url_prefix="/supervisor")

KEEPALIVE_SECONDS = 15.0


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
    subscription = live_store().subscribe(WALLBOARD)

    def events() -> Iterator[str]:
        try:
            yield "retry: 2000\n\n"
            while True:
                message = subscription.get(timeout=KEEPALIVE_SECONDS)
                if message is None:
                    yield ": keepalive\n\n"
                    continue
                yield f"data: {json.dumps(message.data, separators=(',', ':'))}\n\n"
        finally:
            subscription.close()

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
