"""Run the engine and/or the console in this (gevent) process until interrupted."""

from __future__ import annotations

import signal

import gevent
from gevent.event import Event
from gevent.pywsgi import WSGIServer

from callcenter.config import Settings
from callcenter.logs import get_logger

log = get_logger(__name__)


def start_console(settings: Settings) -> WSGIServer:
    """Serve the Flask console on settings.console.host:port (returns once listening)."""
    from console import create_app

    app = create_app(settings)
    server = WSGIServer((settings.console.host, settings.console.port), app, log=None)
    server.start()
    log.info("console listening", url=f"http://{settings.console.host}:{server.server_port}/")
    return server


def wait_for_signal() -> None:
    """Block the main greenlet until SIGINT or SIGTERM."""
    stop = Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        gevent.signal_handler(signum, stop.set)
    stop.wait()
