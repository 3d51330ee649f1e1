"""The engine's side of the agent command contract: one action -> handler table.

:class:`Cluster` hands each command read from the stream to :meth:`CommandRouter.run_message`,
which reads it back into an :class:`~callcenter.agent_actions.AgentCommand` (the console's
rules again) and calls the one handler :attr:`CommandRouter.table` has for its action. Every
action of :data:`~callcenter.agent_actions.ACTIONS` has exactly one handler here
(``tests/unit/test_engine_commands.py``). A refusal - a bad command, a state that does not
allow the action, a switch error - is told to the agent as ``{"error", "code", "params",
"action"}`` (callcenter/acd/refusals.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from callcenter.acd.agents import Agent, AgentStateError
from callcenter.acd.refusals import told
from callcenter.agent_actions import ActionError, AgentCommand
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.agents.call_control import CallControl
from callcenter.engine.agents.calls import AgentCalls
from callcenter.engine.cti.actions import Cti
from callcenter.engine.cti.click_to_call import OutboundCalls
from callcenter.engine.media.recording_control import RecordingControl
from callcenter.logs import get_logger
from callcenter.switch.errors import SwitchError

log = get_logger(__name__)

Handler = Callable[[Agent, AgentCommand], None]


class CommandRouter:
    """Carries out agent commands: one handler per action, chosen from :attr:`table`."""

    def __init__(
        self,
        *,
        agents: AgentBook,
        agent_calls: AgentCalls,
        recording: RecordingControl,
        outbound_calls: OutboundCalls,
        cti: Cti,
        call_control: CallControl,
        tell: Callable[[str, dict], None],
    ) -> None:
        self.agents = agents
        self.agent_calls = agent_calls
        self.recording = recording
        self.outbound_calls = outbound_calls
        self.cti = cti
        self.call_control = call_control
        self.tell = tell
        self.table: dict[str, Handler] = {
            "login": self._login,
            "logout": self._change_state,
            "ready": self._change_state,
            "not_ready": self._not_ready,
            "hangup": self._call_control,
            "hold": self._call_control,
            "unhold": self._call_control,
            "record_pause": self._record_pause,
            "record_resume": self._record_resume,
            "dial": self._dial,
            "transfer": self._cti,
            "consult": self._cti,
            "consult_complete": self._cti,
            "consult_cancel": self._cti,
            "conference": self._cti,
            "dtmf": self._cti,
            "extend_wrap_up": self._extend_wrap_up,
        }

    def run_message(self, message: Mapping[str, Any]) -> None:
        """Carry out one command as the stream carries it; a refusal is told to the agent."""
        agent_id = str(message.get("agent_id", ""))
        action = str(message.get("action", ""))
        try:
            self.run(AgentCommand.from_message(message))
        except (ActionError, AgentStateError) as exc:
            log.info("agent command refused", agent_id=agent_id, action=action, error=str(exc))
            self.tell(agent_id, exc.told(action))
        except SwitchError as exc:
            log.info("agent command failed", agent_id=agent_id, action=action, error=str(exc))
            self.tell(agent_id, told("switch_error", action, detail=exc))

    def run(self, command: AgentCommand) -> None:
        """Carry out a checked command; raises to refuse it."""
        agent = self.agents.get(command.agent_id)  # AgentStateError for an unknown agent
        self.table[command.action](agent, command)

    # -- the handlers ---------------------------------------------------------------------------

    def _login(self, agent: Agent, command: AgentCommand) -> None:
        agent.check(command.action)
        self.agents.apply(agent.agent_id, "login", agent.queues)

    def _change_state(self, agent: Agent, command: AgentCommand) -> None:
        agent.check(command.action)
        self.agents.apply(agent.agent_id, command.action)

    def _not_ready(self, agent: Agent, command: AgentCommand) -> None:
        agent.check(command.action)
        self.agents.apply(agent.agent_id, "not_ready", command.reason or "break")

    def _call_control(self, agent: Agent, command: AgentCommand) -> None:
        """On the agent's own leg in a consultation or a conference, else on the call's."""
        agent.check(command.action)
        if self.cti.in_cti_call(agent.agent_id):
            self.cti.run(agent, command)
        else:
            self.call_control.run(agent, command.action)

    def _record_pause(self, agent: Agent, command: AgentCommand) -> None:
        self.recording.pause(agent)  # checks the domain rule (on a call or on hold)

    def _record_resume(self, agent: Agent, command: AgentCommand) -> None:
        self.recording.resume(agent)

    def _dial(self, agent: Agent, command: AgentCommand) -> None:
        agent.check(command.action)
        self.outbound_calls.dial(agent.agent_id, command.number, command.ticket)

    def _cti(self, agent: Agent, command: AgentCommand) -> None:
        agent.check(command.action)
        self.cti.run(agent, command)

    def _extend_wrap_up(self, agent: Agent, command: AgentCommand) -> None:
        agent.check(command.action)
        self.agent_calls.extend_wrap_up(agent.agent_id, command.seconds)
