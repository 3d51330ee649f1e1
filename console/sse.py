"""Server-sent events from a Redis subscription: keepalives, reconnect hint, clean close."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

from flask import Response, stream_with_context

from callcenter.live.errors import LiveError
from callcenter.live.messages import Message, Subscription

KEEPALIVE_SECONDS = 15.0
RETRY_MS = 2000


def event_stream(subscription: Subscription, render: Callable[[Message], Any | None]) -> Response:
    """Stream each message ``render`` turns into JSON data (None: skip it) as an SSE response.

    The browser's EventSource reconnects by itself after ``RETRY_MS``; pages resync from a
    snapshot when it does. The subscription is closed when the client goes away.
    """

    def events() -> Iterator[str]:
        try:
            yield f"retry: {RETRY_MS}\n\n"
            while True:
                message = subscription.get(timeout=KEEPALIVE_SECONDS)
                if message is None:
                    yield ": keepalive\n\n"
                    continue
                data = render(message)
                if data is not None:
                    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
                    yield f"data: {text}\n\n"
        except LiveError:
            return
        finally:
            subscription.close()

    response = Response(stream_with_context(events()), mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"
    return response
