"""Several engines sharing one Redis (one engine per FreeSWITCH node): agents are shared.

* **Commands** go to the shared consumer group ``engines`` of the ``agent-commands`` stream,
  so exactly one engine takes each; it first takes the agent's state from Redis (another
  engine may have changed it a moment ago). Two commands for one agent sent within a few
  milliseconds may be taken by two engines at once; a person's clicks are further apart.
  An agent held by another engine (ringing, on a call, in wrap-up: its live hash names the
  ``node``) is that engine's business: the command is passed on to that engine's own stream
  ``agent-commands:<node>``.
* **Agent states** each engine writes are followed by the others from the wallboard channel
  (:meth:`~callcenter.engine.agents.book.AgentBook.sync`), so an agent freed on one node is offered
  callers waiting on every node. The channel keeps nothing for a listener not yet (or no longer)
  subscribed, so each (re)subscription is followed by reading every agent's state from Redis:
  a change made while an engine starts or while Redis was away is not lost. The offer itself is
  an atomic Redis reservation
  (:meth:`~callcenter.engine.agents.book.AgentBook.claim`), so two engines never ring one agent.
* **Reservations of a dead engine** expire: every engine sweeps them now and then and tells
  the others (the agent is available again).

A single engine works the same way (it is a cluster of one).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent

from callcenter.engine.agents.book import HELD, AgentBook
from callcenter.live.errors import LiveError
from callcenter.live.messages import Subscription, encode
from callcenter.live.names import AGENT_COMMANDS, WALLBOARD, node_commands
from callcenter.live.reservation import Reservations
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger

log = get_logger(__name__)

GROUP = "engines"
HELD_STATES = frozenset(str(state) for state in HELD)
SWEEP_SECONDS = 5.0


class Cluster:
    """This engine's part in a group of engines sharing agents through Redis."""

    def __init__(
        self,
        live: LiveStore,
        node: str,
        agents: AgentBook,
        reservations: Reservations,
        run_command: Callable[[dict], None],
    ) -> None:
        self.live = live
        self.node = node
        self.agents = agents
        self.reservations = reservations
        self.run_command = run_command
        self._own_origin = encode({"origin": node})[1:-1]  # as this engine's messages carry it
        self._subscription: Subscription | None = None

    def prepare(self) -> None:
        """Create the command streams' consumer group and follow the other engines' agents
        now, before anyone is told the engine runs: a group made later (at ``$``) would drop
        the commands sent in between, a later subscription the agent states written meanwhile."""
        for stream in (AGENT_COMMANDS, node_commands(self.node)):
            try:
                self.live.ensure_group(stream, GROUP)
            except LiveError as exc:  # the consumer retries until Redis is back
                log.warning("command stream not ready", stream=stream, error=str(exc))
        try:
            self._subscription = self._follow()
        except LiveError as exc:  # the follower retries until Redis is back
            log.warning("cannot follow other engines' agents yet", error=str(exc))

    def start(self) -> list[gevent.Greenlet]:
        """The greenlets: shared and own command streams, agent following, sweeping."""
        return [
            gevent.spawn(self._consume, AGENT_COMMANDS, self._take),
            gevent.spawn(self._consume, node_commands(self.node), self.run_command),
            gevent.spawn(self._follow_agents),
            gevent.spawn(self._sweep_forever),
        ]

    # -- commands -----------------------------------------------------------------------------

    def _consume(self, stream: str, handle: Callable[[dict], None]) -> None:
        ready = False
        while True:
            try:
                if not ready:
                    self.live.ensure_group(stream, GROUP)
                    ready = True
                for command in self.live.read_commands(stream, GROUP, self.node, block=1.0):
                    try:
                        handle(command.data)
                    except Exception:
                        log.exception("agent command failed", command=command.data)
                    self.live.ack(stream, GROUP, command.id)
            except LiveError as exc:
                ready = False
                log.warning("agent command stream unavailable", stream=stream, error=str(exc))
                gevent.sleep(1.0)

    def _take(self, data: dict) -> None:
        """Carry a command out here, or pass it to the engine holding the agent."""
        agent_id = str(data.get("agent_id", ""))
        fields = self.live.get_agent(agent_id) if agent_id else {}
        owner = fields.get("node", "") if fields.get("state") in HELD_STATES else ""
        if owner and owner != self.node:
            log.info("agent command passed on", agent_id=agent_id, node=owner)
            self.live.send_command(node_commands(owner), data)
            return
        if fields:  # Redis has the newest state (another engine may have just written it)
            self.agents.sync(agent_id, fields)
        self.run_command(data)

    # -- other engines' agents ----------------------------------------------------------------

    def _follow(self) -> Subscription:
        """Subscribe to the agents' changes, then take every agent's state another engine
        wrote before (what changed before the subscription is never published again)."""
        subscription = self.live.subscribe(WALLBOARD, wanted=self._wanted)
        try:
            known = {agent.agent_id: agent for agent in self.agents.all()}
            for agent_id, fields in self.live.all("agent").items():
                agent, owner = known.get(agent_id), fields.get("node", "")
                if agent is None or owner == self.node:  # its own agents this engine knows best
                    continue
                if agent.state in HELD and not owner:  # held here, not mirrored (Redis was away)
                    continue
                self.agents.sync(agent_id, fields)
        except BaseException:
            subscription.close()
            raise
        return subscription

    def _follow_agents(self) -> None:
        subscription, self._subscription = self._subscription, None
        while True:
            try:
                with subscription or self._follow() as followed:
                    for message in followed:
                        self._on_message(message.data)
            except LiveError as exc:
                log.warning("cannot follow other engines' agents", error=str(exc))
                gevent.sleep(1.0)
            subscription = None

    def _wanted(self, text: str) -> bool:
        """Agent messages of other engines (the wallboard carries every call's changes too,
        and this engine's own agents: not decoded)."""
        return '"agent"' in text and self._own_origin not in text

    def _on_message(self, data: Any) -> None:
        if not isinstance(data, dict) or data.get("origin") == self.node:
            return
        agent = data.get("agent")
        if isinstance(agent, dict) and agent.get("agent_id"):
            agent_id = str(agent["agent_id"])
            fields = {k: str(v) for k, v in agent.items() if v is not None}
            if self.agents.is_older(agent_id, fields):
                # e.g. another engine's "login" delivered after this engine's own "ready":
                # Redis holds the newest state (every engine writes there first)
                fields = self.live.get_agent(agent_id)
            self.agents.sync(agent_id, fields)

    def _sweep_forever(self) -> None:
        while True:
            gevent.sleep(SWEEP_SECONDS)
            try:
                for expired in self.reservations.sweep():
                    log.warning("reservation of a silent engine expired", agent_id=expired.agent_id,
                                node=expired.node)  # fmt: skip
                    fields = self.live.get_agent(expired.agent_id)
                    self.live.publish(
                        WALLBOARD,
                        {"agent": {"agent_id": expired.agent_id, **fields}, "origin": "sweep"},
                    )
            except LiveError as exc:
                log.warning("reservation sweep failed", error=str(exc))
