"""The engine in the test's own process: ``Engine(settings, live).start()`` beside the simulator.

The pytest process is not monkey-patched (Playwright's sync API and the other tests need the
plain standard library), but the simulator already runs in the gevent hub of the test thread,
and the test's waits (``eventually``) yield to that hub. The engine joins the same hub. Its
only blocking I/O that is not gevent-native is Redis (redis-py on standard sockets: a
1 s ``XREADGROUP BLOCK``, pub/sub waits), so its LiveStore, and the test's, connect through
:class:`CooperativeConnection`, a redis-py connection on a gevent socket: a Redis wait lets the
simulator and every other greenlet run. SQLite stays blocking (short local writes).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import gevent.socket
import redis

from callcenter.config import Settings, load_settings
from callcenter.engine.service import Engine
from callcenter.live.store import LiveStore


class CooperativeConnection(redis.Connection):
    """A redis-py connection on a gevent socket, so waiting on Redis yields to the hub."""

    def _connect(self) -> gevent.socket.socket:
        sock = gevent.socket.create_connection(
            (self.host, self.port), timeout=self.socket_connect_timeout
        )
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(self.socket_timeout)
        return sock


def cooperative_live(url: str, prefix: str) -> LiveStore:
    """A LiveStore whose Redis round trips yield to the test thread's gevent hub."""
    return LiveStore(url, prefix, connection_class=CooperativeConnection)


def nested(flat: Mapping[str, str]) -> dict[str, Any]:
    """``{"ROUTING__RING_TIMEOUT": "4"}`` as ``{"routing": {"ring_timeout": "4"}}``; values
    that are JSON objects or lists are decoded, as the environment source does."""
    tree: dict[str, Any] = {}
    for name, value in flat.items():
        *parents, leaf = name.lower().split("__")
        branch = tree
        for part in parents:
            branch = branch.setdefault(part, {})
        branch[leaf] = json.loads(value) if value[:1] in "[{" else value
    return tree


class InProcessEngine:
    """A started :class:`Engine` of the test process and the port its outbound socket has."""

    def __init__(self, settings: Settings, live: LiveStore) -> None:
        self.settings = settings
        self.live = live
        self.engine = Engine(settings, live).start()
        self.outbound_port = int(self.engine.outbound.address[1])
        self.stopped = False

    def stop(self) -> None:
        """Stop the engine (as on SIGTERM) and close its Redis and SQL connections; a child
        process's would close when it exits."""
        if self.stopped:
            return
        self.stopped = True
        try:
            self.engine.stop()
        finally:
            self.live.close()
            self.engine.store.sessions.kw["bind"].dispose()


def start_in_process(
    home: Path,
    *,
    esl_port: int,
    esl_password: str,
    db_url: str,
    redis_url: str,
    redis_prefix: str,
    outbound_port: int | None = None,
    **settings: str,
) -> InProcessEngine:
    """Build the settings a child engine would get from its environment and start an Engine
    here; returns once it is connected to the simulator and listens (``start()`` returned)."""
    base = {
        "ESL__PORT": str(esl_port),
        "ESL__PASSWORD": esl_password,
        "OUTBOUND__PORT": str(outbound_port or 0),
        "DATABASE__URL": db_url,
        "REDIS__URL": redis_url,
        "REDIS__PREFIX": redis_prefix,
        "RECORDING__PATH": str(home / "recordings"),
        "IVR__PROMPTS": str(home / "prompts"),  # a child's working directory is ``home``
        "ROUTING__DOMAIN": "127.0.0.1",
    }
    built = load_settings(**nested(base | settings))
    return InProcessEngine(built, cooperative_live(redis_url, redis_prefix))
