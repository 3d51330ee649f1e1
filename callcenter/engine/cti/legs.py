"""What the CTI modules share: the switch and call protocols, and originating a leg to
``&park()`` (an agent's phone, a consulted number, a customer)."""

from __future__ import annotations

from typing import Protocol

from callcenter.acd.agents import Agent
from callcenter.config import RoutingSettings
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandFailed, SwitchError
from callcenter.switch.inbound import BackgroundJob

log = get_logger(__name__)

JOB_GRACE_SECONDS = 10.0


class Switch(Protocol):
    """The inbound ESL connection (api, bgapi, event handlers)."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str: ...

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> BackgroundJob: ...


class CtiCall(Protocol):
    """A live call an agent talks on (the inbound CallHandler or an outbound call)."""

    call_uuid: str
    caller_number: str
    agent_id: str
    agent_leg: str

    def is_gone(self) -> bool: ...

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool: ...


def dial_string(routing: RoutingSettings, number: str) -> str:
    """The FreeSWITCH dial string of a number (the configured template)."""
    return routing.outbound_dial_string.format(number=number)


def originate_leg(
    switch: Switch, dial: str, leg_uuid: str, variables: dict[str, str], timeout: float
) -> str:
    """Originate ``dial`` to ``&park()`` and wait: ``'+OK'`` on answer, else the cause."""
    command = commands.originate(
        dial,
        variables={
            "origination_uuid": leg_uuid,
            "ignore_early_media": "true",
            "call_timeout": str(int(timeout)),
            **variables,
        },
    )
    try:
        switch.bgapi(command).get(timeout=timeout + JOB_GRACE_SECONDS)
    except CommandFailed as exc:
        text = exc.reply.strip()
        return text[5:].strip() if text.startswith("-ERR ") else text or "UNKNOWN"
    except SwitchError as exc:
        log.warning("originate failed", leg_uuid=leg_uuid, error=str(exc))
        switch.api(commands.uuid_kill(leg_uuid, "ORIGINATOR_CANCEL"), check=False)
        return "SWITCH_ERROR"
    return "+OK"


def dial_customer(
    switch: Switch,
    routing: RoutingSettings,
    number: str,
    call_uuid: str,
    agent: Agent,
    direction: str,
) -> str:
    """Originate the customer leg of an agent's outbound call or callback (the configured
    dial string and caller id) under the call's uuid; ``'+OK'`` when answered."""
    return originate_leg(
        switch,
        dial_string(routing, number),
        call_uuid,
        {
            "origination_caller_id_number": routing.outbound_caller_id or agent.extension,
            "callcenter_call_uuid": call_uuid,
            "callcenter_agent_id": agent.agent_id,
            "callcenter_direction": direction,
        },
        routing.outbound_timeout,
    )  # fmt: skip
