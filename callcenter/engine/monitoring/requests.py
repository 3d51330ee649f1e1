"""The console's monitoring requests on the ``monitor-commands`` stream, checked and routed.

Every engine reads the shared stream, but only the engine whose FreeSWITCH node carries the
call can eavesdrop on it: a request for a call held by another node (its agent's live hash
names the ``node`` while ringing, talking or wrapping up) is passed on to that engine's own
stream ``monitor-commands:<node>``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from callcenter.live.names import MONITOR_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.store.monitoring import MODES

ACTIONS = ("start", "mode", "leave")


class BadRequest(ValueError):
    """A monitoring request the engine cannot carry out as sent."""


@dataclass(frozen=True, slots=True)
class MonitorRequest:
    """start: ring ``extension`` to eavesdrop on ``call_uuid`` in ``mode`` on leg ``leg_uuid``;
    mode: switch the running leg to ``mode``; leave: hang the leg up."""

    action: str
    leg_uuid: str
    call_uuid: str
    mode: str = "listen"
    extension: str = ""
    username: str = ""
    caller_number: str = ""


def parse_request(data: Any) -> MonitorRequest:
    """The request in a stream entry (raises BadRequest)."""
    if not isinstance(data, dict):
        raise BadRequest("a monitoring request is a JSON object")
    values = {field.name: str(data.get(field.name) or "") for field in fields(MonitorRequest)}
    request = MonitorRequest(**values)
    if request.action not in ACTIONS:
        raise BadRequest(f"unknown monitoring action {request.action!r}")
    if not request.leg_uuid or not request.call_uuid:
        raise BadRequest("a monitoring request names the call and the supervisor's leg")
    if request.action != "leave" and request.mode not in MODES:
        raise BadRequest(f"unknown monitoring mode {request.mode!r}")
    if request.action == "start" and not request.extension:
        raise BadRequest("the supervisor has no extension to ring")
    return request


def node_stream(node: str) -> str:
    """The stream of the monitoring requests passed on to one engine."""
    return f"{MONITOR_COMMANDS}:{node}"


def owner_node(live: LiveStore, data: Any) -> str:
    """The node whose engine holds the request's call ('' if unknown: any engine may try)."""
    call_uuid = str(data.get("call_uuid") or "") if isinstance(data, dict) else ""
    if not call_uuid:
        return ""
    agent_id = live.get_call(call_uuid).get("agent_id", "")
    agent = live.get_agent(agent_id) if agent_id else {}
    return agent.get("node", "") if agent.get("call_uuid") == call_uuid else ""
