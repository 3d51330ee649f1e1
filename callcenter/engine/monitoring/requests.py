"""The console's monitoring requests on the ``monitor-commands`` stream, checked."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

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
