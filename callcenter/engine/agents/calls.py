"""Which agent talks on which call, and the end of an agent's part: wrap-up, then ready.

When the call ends (or the agent hangs up while the caller stays for the survey, or a CTI
action hands the call on) the agent goes to wrap-up for the queue's time - or straight back
to available without one - and a timer makes it ready again when the time is up; the agent
may finish wrap-up early or extend it. A not_ready / logout the agent asked for during the
call (``pending``) takes the place of "ready" at that point.
"""

from __future__ import annotations

from collections.abc import Callable

import gevent

from callcenter.engine.agents.book import AgentBook
from callcenter.engine.bus import Bus, BusEvent, CallAnswered, CallEnded, CallQueued, utcnow
from callcenter.engine.calls.post_call import AgentLeftCall
from callcenter.logs import get_logger

log = get_logger(__name__)


class AgentCalls:
    """Agents' calls by caller uuid, and their wrap-ups."""

    def __init__(
        self,
        bus: Bus,
        agents: AgentBook,
        wrap_up_seconds: Callable[[str], float],
        tell: Callable[[str, dict], None],
    ) -> None:
        self.agents = agents
        self.wrap_up_seconds = wrap_up_seconds  # by queue name
        self.tell = tell
        self.answered: dict[str, str] = {}  # call uuid -> agent id
        self.queues: dict[str, str] = {}  # call uuid -> queue
        bus.subscribe(CallQueued, self._queued)
        bus.subscribe(CallAnswered, self._answered)
        bus.subscribe(CallEnded, self._ended)
        bus.subscribe(AgentLeftCall, self._agent_left)

    def queue_of(self, call_uuid: str) -> str:
        """The queue the call came through ("" if none)."""
        return self.queues.get(call_uuid, "")

    def end(
        self, agent_id: str, call_uuid: str, wrap_up: bool = True, queue: str | None = None
    ) -> None:
        """The agent's part of the call is over (call ended, or handed on by a CTI action)."""
        if self.answered.get(call_uuid) == agent_id:  # handed on: a later offer is no answer
            del self.answered[call_uuid]
        agent = self.agents.get(agent_id)
        if agent.call_uuid != call_uuid or str(agent.state) not in ("on_call", "on_hold"):
            log.info("agent not on the call any more", agent_id=agent_id, call_uuid=call_uuid)
            return
        queue = self.queues.get(call_uuid, "") if queue is None else queue
        seconds = self.wrap_up_seconds(queue) if wrap_up else 0.0
        self.agents.apply(agent_id, "end_call", seconds > 0, seconds)
        if seconds > 0:
            gevent.spawn_later(seconds, self.finish_wrap_up, agent_id, call_uuid)

    def finish_wrap_up(self, agent_id: str, call_uuid: str) -> None:
        """Wrap-up time is up: ready again (or the pending state), unless the agent extended
        it (then wait more)."""
        agent = self.agents.get(agent_id)
        if str(agent.state) != "wrap_up" or agent.call_uuid != call_uuid:
            return  # finished by hand, logged out, ... : nothing to do
        until = agent.wrap_up_until
        left = (until - utcnow()).total_seconds() if until is not None else 0.0
        if left > 0:  # extended (or the timer fired a little early): re-arm for the rest
            gevent.spawn_later(left, self.finish_wrap_up, agent_id, call_uuid)
            return
        self.agents.apply(agent_id, "finish_wrap_up")

    def extend_wrap_up(self, agent_id: str, seconds: int) -> None:
        """More wrap-up time; the pending finish timer then waits for the new deadline."""
        agent = self.agents.apply(agent_id, "extend_wrap_up", seconds)
        until = agent.wrap_up_until.isoformat() if agent.wrap_up_until else ""
        self.tell(agent_id, {"done": "extend_wrap_up", "seconds": seconds, "wrap_up_until": until})

    def _queued(self, event: BusEvent) -> None:
        assert isinstance(event, CallQueued)
        self.queues[event.call_uuid] = event.queue

    def _answered(self, event: BusEvent) -> None:
        assert isinstance(event, CallAnswered)
        self.answered[event.call_uuid] = event.agent_id

    def _ended(self, event: BusEvent) -> None:
        assert isinstance(event, CallEnded)
        agent_id = self.answered.pop(event.call_uuid, "")
        queue = self.queues.pop(event.call_uuid, "")
        if agent_id:
            self._note_answer(agent_id, event.call_uuid)
            self.end(agent_id, event.call_uuid, queue=queue)

    def _agent_left(self, event: BusEvent) -> None:
        """The agent hung up while the caller stays (post-call survey): their part ends."""
        assert isinstance(event, AgentLeftCall)
        if self.answered.pop(event.call_uuid, ""):
            self._note_answer(event.agent_id, event.call_uuid)
            self.end(event.agent_id, event.call_uuid)

    def _note_answer(self, agent_id: str, call_uuid: str) -> None:
        # The bridge is done (CallAnswered came), but the call's greenlet reached the end of
        # the call before the greenlet that rang the agent ran again to note the answer
        # (engine/routing/dispatcher.py): noted here, or the agent stays on a gone call.
        agent = self.agents.get(agent_id)
        if agent.call_uuid == call_uuid and str(agent.state) in ("reserved", "ringing"):
            self.agents.apply(agent_id, "answer")
