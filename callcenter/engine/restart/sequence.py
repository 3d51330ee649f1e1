"""The steps an engine process runs once after it starts, to carry on where the last one left.

In this order (each step needs the one before): wait for FreeSWITCH (without it, the agents
this node held are released: nobody can take their calls over), take back the callers left
in the IVR or in line (:class:`~callcenter.engine.restart.readopt.TakeBack`), put pending
queued callbacks back in line, take over the calls still talking
(:class:`~callcenter.engine.restart.takeover.Takeover`), write the records of calls that
ended while no engine ran, report the counts (:class:`EngineStatus`), then keep sweeping for
callers that fall back later and for calls no engine saw
(:class:`~callcenter.engine.restart.unseen_calls.UnseenCalls`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import gevent

from callcenter.acd.agents import Agent
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.records.recorder import CallRecorder
from callcenter.engine.restart.readopt import RedisSnapshots, TakeBack
from callcenter.engine.restart.status import EngineStatus
from callcenter.engine.restart.takeover import Takeover
from callcenter.engine.restart.unseen_calls import UnseenCalls
from callcenter.engine.routing.queued_callbacks import Callbacks
from callcenter.logs import get_logger

log = get_logger(__name__)

CONNECT_WAIT = 60.0  # seconds to wait for FreeSWITCH before the held agents are released


@dataclass
class RestartSequence:
    """Runs the after-restart steps once (:meth:`run`); keeps the sweeps it starts."""

    switch: Any  # ReconnectingInbound: wait_connected()
    agents: AgentBook
    take_back: TakeBack
    callbacks: Callbacks
    recorder: CallRecorder
    takeover: Takeover
    snapshots: RedisSnapshots
    unseen: UnseenCalls
    status: EngineStatus
    node: str
    sweeps: list[gevent.Greenlet] = field(default_factory=list)

    def run(self, held: list[Agent]) -> None:
        """After a restart: callers this node left waiting come back into line, its calls in
        progress go on under their records, its agents' calls are taken over."""
        if not self.switch.wait_connected(CONNECT_WAIT):
            for agent in held:
                self.agents.release(agent.agent_id)
            return
        adopted = self.take_back.once()
        restored = self.callbacks.restore(self.recorder.adopt)
        self.takeover.run(held)
        orphans = self.takeover.close_orphans(self.snapshots, self.node)
        counts = {
            "callers": adopted, "callbacks": restored,
            "talking": len(self.takeover.calls), "ended_meanwhile": orphans,
        }  # fmt: skip
        self.status.taken_over(**counts)
        log.info("previous process taken over", **counts)
        self.sweeps.append(gevent.spawn(self.take_back.sweep))
        self.sweeps.append(gevent.spawn(self.unseen.run, self.take_back.interval))
