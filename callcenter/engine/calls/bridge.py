"""The agent answered: connect the customer's leg to the agent's - one sequence for every call.

Queue calls (:mod:`~callcenter.engine.calls.handler`), click-to-call
(:mod:`~callcenter.engine.cti.click_to_call`) and queued callbacks
(:mod:`~callcenter.engine.routing.queued_callbacks`) all connect here: stop what the customer
hears (``uuid_break all``: the queue music, queued prompts), set the channel variables the talk
needs (restart marks off, park after the bridge for the post-call survey), start the stereo
recording on the call's first answer (customer left, agent right; it then runs through
transfers), ``uuid_bridge`` the two legs (S03), note the agent on the call and publish
``CallAnswered``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from callcenter.engine.bus import Bus, CallAnswered
from callcenter.engine.media.recording_start import start_stereo_recording
from callcenter.switch import commands


class SwitchApi(Protocol):
    """The api calls a bridge needs (the inbound connection provides ``api``)."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


class ConnectedCall(Protocol):
    """A call that an agent is connected to: its customer leg and, once bridged, the agent."""

    call_uuid: str
    agent_id: str
    agent_leg: str


def bridge_to_agent(
    switch: SwitchApi,
    bus: Bus,
    call: ConnectedCall,
    agent_id: str,
    agent_leg: str,
    *,
    record_to: Path | None,
    variables: Mapping[str, str] | None = None,
    break_media: bool = True,
) -> str:
    """Bridge ``call``'s customer leg to ``agent_leg`` (see the module docstring); the
    recording's path if it started now (``record_to``), else "". Raises ``SwitchError``."""
    uuid = call.call_uuid
    if break_media:
        switch.api(commands.uuid_break(uuid, all_queued=True))
    if variables:
        switch.api(commands.uuid_setvar_multi(uuid, variables))
    path = start_stereo_recording(switch, uuid, record_to) if record_to is not None else ""
    switch.api(commands.uuid_bridge(uuid, agent_leg))
    call.agent_id, call.agent_leg = agent_id, agent_leg
    bus.publish(CallAnswered(call_uuid=uuid, agent_id=agent_id, agent_leg_uuid=agent_leg,
                             recording_path=path))  # fmt: skip
    return path
