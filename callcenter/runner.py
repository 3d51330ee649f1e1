"""Run the engine and/or the console in this (gevent) process until interrupted."""

from __future__ import annotations

import signal
from typing import TYPE_CHECKING

import gevent
from gevent.event import Event
from gevent.pywsgi import WSGIServer

from callcenter.config import Settings
from callcenter.logs import get_logger

if TYPE_CHECKING:
    from flask import Flask

    from callcenter.tickets.scheduler import EscalationJob

log = get_logger(__name__)


class ConsoleServer(WSGIServer):
    """The console's WSGI server and the jobs that run beside it (SLA escalations)."""

    jobs: list[EscalationJob]

    def stop(self, timeout: float | None = None) -> None:
        """Stop the jobs, then the server."""
        for job in self.jobs:
            job.stop()
        super().stop(timeout)


def start_console(settings: Settings) -> ConsoleServer:
    """Serve the Flask console on settings.console.host:port (returns once listening), with
    the periodic SLA escalation job (every tickets.escalate_interval_seconds; 0: off)."""
    from console import create_app

    app = create_app(settings)
    from callcenter.http_log import ERROR_LOGGER, AccessLogHandler

    server = ConsoleServer(
        (settings.console.host, settings.console.port),
        app,
        log=None,  # requests: AccessLogHandler's records
        error_log=ERROR_LOGGER,
        handler_class=AccessLogHandler,
    )
    server.jobs = []
    server.start()
    log.info("console listening", url=f"http://{settings.console.host}:{server.server_port}/")
    interval = settings.tickets.escalate_interval_seconds
    if interval > 0:
        server.jobs.append(start_escalations(app, settings, interval))
    return server


def start_escalations(app: Flask, settings: Settings, interval: float) -> EscalationJob:
    """Run the SLA escalation job every ``interval`` s on the app's database and Redis."""
    from callcenter.live.store import LiveStore
    from callcenter.tickets.scheduler import EscalationJob

    live = LiveStore.from_settings(settings)
    job = EscalationJob(
        app.extensions["callcenter.sessions"], settings.tickets, live, interval=interval
    )
    log.info("ticket escalations scheduled", every_seconds=interval)
    return job.start()


def wait_for_signal(timeout: float | None = None) -> bool:
    """Block the main greenlet until SIGINT or SIGTERM (or ``timeout`` s); True if signalled."""
    stop = Event()
    handlers = [gevent.signal_handler(signum, stop.set) for signum in STOP_SIGNALS]
    try:
        return stop.wait(timeout)
    finally:
        for handler in handlers:
            handler.cancel()
        terminate_like_interrupt()


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def terminate_like_interrupt() -> None:
    """SIGTERM (a service manager, ``timeout``, ``kill``) stops this process as Ctrl-C does:
    KeyboardInterrupt in the main greenlet, so every ``finally`` cleans up."""
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    signal.signal(signal.SIGINT, signal.default_int_handler)
