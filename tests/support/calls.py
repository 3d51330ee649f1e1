"""What engine tests wait for and look at: a condition coming true, call rows and their
events in SQL, agents signed in and in a state, the simulator's legs and bridges."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

import gevent
from sqlalchemy import select

from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.session import session_scope


class HasLive(Protocol):
    """A test's call center (``tests.support.center.Center``, a cluster): its LiveStore."""

    live: LiveStore


def eventually(check: Callable[[], object], timeout: float = 15.0, what: str = "") -> object:
    """Poll ``check`` (every 50 ms, cooperatively) until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or check}")
        gevent.sleep(0.05)


def call_rows(db_url: str) -> list[models.Call]:
    """Every call record, oldest first."""
    with session_scope(db_url) as session:
        return list(session.scalars(select(models.Call).order_by(models.Call.id)).all())


def event_rows(db_url: str, call_id: int) -> list[tuple[str, dict]]:
    """A call's timeline: (event type, data) in order."""
    with session_scope(db_url) as session:
        rows = session.scalars(
            select(models.CallEvent)
            .where(models.CallEvent.call_id == call_id)
            .order_by(models.CallEvent.ts, models.CallEvent.id)
        ).all()
        return [(row.type, dict(row.data or {})) for row in rows]


def command(center: HasLive, agent_id: str, action: str, **fields: str) -> None:
    """Send an agent action on the command stream, as the console does."""
    center.live.send_command(AGENT_COMMANDS, {"agent_id": agent_id, "action": action, **fields})


def state(center: HasLive, agent_id: str) -> str:
    """The agent's live state."""
    return center.live.get_agent(agent_id).get("state", "")


def wait_state(center: HasLive, agent_id: str, wanted: str, timeout: float = 15.0) -> None:
    """Wait until the agent is in ``wanted``."""
    eventually(
        lambda: state(center, agent_id) == wanted, timeout, what=f"agent {agent_id} {wanted}"
    )


def sign_in(center: HasLive, *extensions: str) -> None:
    """Log the agents in and make them ready; wait until each is available."""
    live = center.live
    for extension in extensions:
        live.send_command(AGENT_COMMANDS, {"agent_id": extension, "action": "login"})
        live.send_command(AGENT_COMMANDS, {"agent_id": extension, "action": "ready"})
    for extension in extensions:
        eventually(
            lambda e=extension: live.get_agent(e).get("state") == "available",
            what=f"agent {extension} available",
        )


def partner_of(switch: Switch, uuid: str) -> str:
    """The uuid of the leg bridged to ``uuid`` on the simulator ("" if none)."""
    channel = switch.channels.get(uuid)
    partner = channel.partner if channel is not None else None
    return partner.uuid if partner is not None else ""


def agent_leg(switch: Switch, extension: str) -> str:
    """The uuid of the live leg ringing/talking to ``extension``."""
    for channel in switch.channels.values():
        if channel.direction == "outbound" and f"/{extension}@" in (channel.name or ""):
            return channel.uuid
    return ""
