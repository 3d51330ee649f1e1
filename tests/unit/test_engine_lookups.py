"""Webhook lookups over real HTTP (a local server): JSON, 404, errors and timeouts."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from callcenter.engine.calls.screening import EngineLookups
from callcenter.ivr.callio import LookupFailed


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/slow"):
            time.sleep(1.0)
        status, body = {
            "/ok?n=138": (200, json.dumps({"data": {"tier": "gold"}})),
            "/missing": (404, "{}"),
            "/list": (200, "[1, 2]"),
            "/text": (200, "not json"),
        }.get(self.path, (500, "boom"))
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # the slow reply finds the client gone: expected


@pytest.fixture
def base_url() -> Iterator[str]:
    server = _Server(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_webhook_answers_json_404_and_failures(base_url: str) -> None:
    lookups = EngineLookups(store=None)  # type: ignore[arg-type]
    assert lookups.webhook(f"{base_url}/ok?n=138", 2.0) == {"data": {"tier": "gold"}}
    assert lookups.webhook(f"{base_url}/missing", 2.0) is None
    for path in ("/boom", "/list", "/text"):
        with pytest.raises(LookupFailed):
            lookups.webhook(base_url + path, 2.0)
    with pytest.raises(LookupFailed):
        lookups.webhook(f"{base_url}/slow", 0.2)
    with pytest.raises(LookupFailed):
        lookups.webhook("ftp://example.com/x", 1.0)
