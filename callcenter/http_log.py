"""Access and error records of the gevent WSGI servers (console, engine metrics) as log events."""

from __future__ import annotations

import logging

from gevent.pywsgi import WSGIHandler

from callcenter.logs import ACCESS_LOGGER, get_logger

__all__ = ["ERROR_LOGGER", "AccessLogHandler"]

ERROR_LOGGER = logging.getLogger("callcenter.http")
"""Where the servers' own errors go (bad request lines, a failing application), as records."""

log = get_logger(ACCESS_LOGGER)


class AccessLogHandler(WSGIHandler):
    """gevent's request handler, with one ``http request`` record per request instead of a line
    of text (off unless ``log.access``: the access logger then drops info)."""

    def log_request(self) -> None:
        """Log the request just answered: method, path, status, size, duration, client."""
        if not log.isEnabledFor(logging.INFO):
            return
        method, path = (self.command or "-"), (self.path or "-")
        status = (self._orig_status or self.status or "000").split()[0]
        elapsed = self.time_finish - self.time_start if self.time_finish else None
        client = self.client_address
        log.info(
            "http request",
            method=method,
            path=path.split("?", 1)[0],
            status=int(status) if status.isdigit() else status,
            bytes=self.response_length or 0,
            duration_ms=round(elapsed * 1000, 3) if elapsed is not None else None,
            client=client[0] if isinstance(client, tuple) else client,
        )
