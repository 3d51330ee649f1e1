"""The engine's monitoring listener: ``/metrics`` (Prometheus) and ``/healthz`` over gevent's WSGI
server. No sign-in: it listens on ``metrics.host`` (loopback by default) for the scraper."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from gevent.pywsgi import WSGIServer
from prometheus_client import CollectorRegistry, make_wsgi_app

from callcenter.http_log import AccessLogHandler
from callcenter.logs import get_logger

log = get_logger(__name__)

StartResponse = Callable[..., Any]


class MetricsServer:
    """Serves ``registry`` at /metrics and ``health()`` at /healthz (200 all up, else 503)."""

    def __init__(
        self,
        host: str,
        port: int,
        registry: CollectorRegistry,
        health: Callable[[], dict[str, bool]],
    ) -> None:
        self.host, self.port = host, port
        self._metrics = make_wsgi_app(registry)
        self._health = health
        self._server: WSGIServer | None = None

    def start(self) -> bool:
        """Listen (in the background); False, logged, when the address is taken."""
        server = WSGIServer(
            (self.host, self.port),
            self.app,
            log=None,  # requests: AccessLogHandler's records
            error_log=logging.getLogger("callcenter.engine.metrics"),
            handler_class=AccessLogHandler,
        )
        try:
            server.start()
        except OSError as exc:  # metrics are not worth refusing calls over
            log.warning(
                "metrics listener not started", host=self.host, port=self.port, error=str(exc)
            )
            return False
        self._server = server
        log.info("metrics listening", address=f"{self.host}:{server.server_port}")
        return True

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.stop(timeout=1.0)
            self._server = None

    def app(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        """The WSGI application: /metrics, /healthz, else 404."""
        path = environ.get("PATH_INFO", "")
        if path == "/metrics":
            return self._metrics(environ, start_response)
        if path == "/healthz":
            checks = self._health()
            status = "200 OK" if all(checks.values()) else "503 Service Unavailable"
            body = json.dumps(checks).encode()
            start_response(
                status,
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics or /healthz\n"]
