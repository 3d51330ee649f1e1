"""The WSGI servers' requests and errors as log records: one ``http request`` record per request
when ``log.access`` is on, none when off, and a bad request line as a JSON error record."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

import gevent
import pytest
from gevent import socket
from gevent.pywsgi import WSGIServer

from callcenter.http_log import ERROR_LOGGER, AccessLogHandler
from callcenter.logs import configure_logging


def _app(environ: dict, start_response: Callable[..., object]) -> list[bytes]:
    status = "200 OK" if environ["PATH_INFO"] == "/healthz" else "404 Not Found"
    start_response(status, [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.fixture
def server() -> Iterator[WSGIServer]:
    served = WSGIServer(
        ("127.0.0.1", 0), _app, log=None, error_log=ERROR_LOGGER, handler_class=AccessLogHandler
    )
    served.start()
    yield served
    served.stop(timeout=1)
    logging.getLogger().handlers.clear()
    logging.captureWarnings(False)
    vars(gevent.get_hub()).pop("print_exception", None)


def _send(server: WSGIServer, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", server.server_port)) as conn:
        conn.sendall(raw)
        chunks = []
        while chunk := conn.recv(4096):
            chunks.append(chunk)
    return b"".join(chunks)


def _records(capsys: pytest.CaptureFixture) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def test_each_request_is_one_record_when_access_logging_is_on(
    server: WSGIServer, capsys: pytest.CaptureFixture
) -> None:
    configure_logging("info", "json", access=True)
    assert _send(server, b"GET /healthz?x=1 HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200")
    assert _send(server, b"GET /nowhere HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 404")
    requests = [r for r in _records(capsys) if r["event"] == "http request"]
    assert [(r["method"], r["path"], r["status"], r["level"]) for r in requests] == [
        ("GET", "/healthz", 200, "info"),
        ("GET", "/nowhere", 404, "info"),
    ]
    assert requests[0]["bytes"] > 2 and requests[0]["client"] == "127.0.0.1"
    assert requests[0]["logger"] == "callcenter.http.access"


def test_no_request_record_by_default(server: WSGIServer, capsys: pytest.CaptureFixture) -> None:
    configure_logging("info", "json")
    assert _send(server, b"GET /healthz HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 200")
    assert [r for r in _records(capsys) if r["event"] == "http request"] == []


def test_a_bad_request_line_is_an_error_record(
    server: WSGIServer, capsys: pytest.CaptureFixture
) -> None:
    configure_logging("info", "json")
    assert _send(server, b"NOT HTTP AT ALL\r\n\r\n").startswith(b"HTTP/1.1 400")
    [record] = _records(capsys)
    assert (record["logger"], record["level"]) == ("callcenter.http", "error")
    assert "Invalid" in record["event"]
