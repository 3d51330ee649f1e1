"""Rings agents' softphones through the inbound ESL connection (bgapi originate, S03/S04)."""

from __future__ import annotations

from typing import Protocol

from callcenter.acd.agents import Agent
from callcenter.engine.routing.dispatcher import OfferTarget
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandFailed, SwitchError
from callcenter.switch.inbound import BackgroundJob

log = get_logger(__name__)

# How long after call_timeout we still wait for FreeSWITCH's BACKGROUND_JOB.
JOB_GRACE_SECONDS = 10.0


class InboundApi(Protocol):
    """What the dialer needs from the inbound connection."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command."""

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> BackgroundJob:
        """Run a command in the background."""


class EslAgentDialer:
    """Originates the agent leg to ``&park()``; the caller is bridged to it on answer."""

    def __init__(self, inbound: InboundApi, domain: str) -> None:
        self.inbound = inbound
        self.domain = domain

    def ring(self, agent: Agent, call: OfferTarget, leg_uuid: str, timeout: float) -> str:
        """Ring and wait: ``'+OK'`` on answer, else the cause (NO_ANSWER, USER_BUSY, ...)."""
        command = commands.originate(
            commands.user_endpoint(agent.extension, self.domain),
            variables={
                "origination_uuid": leg_uuid,
                "origination_caller_id_number": call.caller_number,
                "ignore_early_media": "true",
                "call_timeout": str(int(timeout)),
                "callcenter_call_uuid": call.call_uuid,
                "callcenter_agent_id": agent.agent_id,
            },
        )
        try:
            self.inbound.bgapi(command).get(timeout=timeout + JOB_GRACE_SECONDS)
        except CommandFailed as exc:
            return _cause(exc.reply)
        except SwitchError as exc:
            log.warning(
                "agent leg originate failed",
                agent_id=agent.agent_id,
                call_uuid=call.call_uuid,
                error=str(exc),
            )
            self.cancel(leg_uuid)
            return "SWITCH_ERROR"
        return "+OK"

    def cancel(self, leg_uuid: str) -> None:
        """Hang up the agent leg now (caller left while it rang)."""
        try:
            self.inbound.api(commands.uuid_kill(leg_uuid, "ORIGINATOR_CANCEL"), check=False)
        except SwitchError as exc:
            log.warning("could not cancel agent leg", leg_uuid=leg_uuid, error=str(exc))


def _cause(reply: str) -> str:
    """``-ERR NO_ANSWER\\n`` -> ``NO_ANSWER``."""
    text = reply.strip()
    return text[5:].strip() if text.startswith("-ERR ") else text or "UNKNOWN"
