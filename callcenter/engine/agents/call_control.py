"""Hang up, hold and unhold of an agent's current call, on the agent's leg (S05a)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from callcenter.acd.agents import Agent, AgentStateError
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.calls.live_calls import LiveCalls
from callcenter.switch import commands


class CallControl:
    """Carries out ``hangup`` / ``hold`` / ``unhold`` for an agent on a call this engine has."""

    def __init__(
        self,
        switch: Any,
        agents: AgentBook,
        live_calls: LiveCalls,
        tell: Callable[[str, dict], None],
    ) -> None:
        self.switch = switch
        self.agents = agents
        self.live_calls = live_calls
        self.tell = tell

    def run(self, agent: Agent, action: str) -> None:
        """Carry out ``action`` on the agent's leg; AgentStateError without a call here."""
        call = self.live_calls.get(agent.call_uuid)
        if call is None or not call.agent_leg:
            raise AgentStateError("no_call_here", agent=agent.agent_id)
        leg = call.agent_leg
        if action == "hangup":
            self.switch.api(commands.uuid_kill(leg, "NORMAL_CLEARING"))
        elif action == "hold":
            self.switch.api(commands.uuid_hold(leg, "on"))
            self.agents.apply(agent.agent_id, "hold")
        else:
            self.switch.api(commands.uuid_hold(leg, "off"))
            self.agents.apply(agent.agent_id, "unhold")
        self.tell(agent.agent_id, {"done": action, "call_uuid": call.call_uuid})
