"""An engine joining a cluster knows the agent states the others wrote while it started.

The wallboard channel keeps nothing for a listener not subscribed yet: an agent another engine
signed in between this engine's start-up read of Redis and its subscription was never offered
this engine's callers (CI: a caller on node2 waited forever for an available agent).
"""

from __future__ import annotations

from callcenter.acd.agents import Agent, AgentState, Tier
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.agents.cluster import Cluster
from callcenter.engine.bus import Bus
from callcenter.live.reservation import Reservations
from callcenter.live.store import LiveStore


def _agent(agent_id: str) -> Agent:
    return Agent(agent_id, agent_id, queues=("support",), tiers=(Tier("support", 1, 1),))


def _book(live: LiveStore, node: str) -> AgentBook:
    book = AgentBook(Bus(), live, [_agent("1000"), _agent("1001")], node=node)
    book.restore()  # start-up: what Redis knows now
    return book


def test_an_agent_signed_in_elsewhere_while_the_engine_started_can_be_offered_its_callers(
    live: LiveStore,
) -> None:
    node2 = _book(live, "node2")  # node2's engine read Redis: everyone logged out
    node1 = _book(live, "node1")
    node1.apply("1000", "login", ("support",))  # node1 takes the agent's commands meanwhile
    node1.apply("1000", "ready")
    heard: list[Agent] = []
    node2.on_change(heard.append)  # node2's dispatcher

    cluster = Cluster(live, "node2", node2, Reservations(live, "node2"), lambda data: None)
    cluster.prepare()  # before node2 tells anyone it runs

    assert node2.get("1000").state == AgentState.AVAILABLE
    assert [agent.agent_id for agent in heard] == ["1000"]  # woken for its waiting callers
    assert node2.available_count() == 1
    assert node2.get("1001").state == AgentState.LOGGED_OUT


def test_another_engines_late_message_does_not_undo_this_engines_newer_change(
    live: LiveStore,
) -> None:
    """node1 signs the agent in (state message published), node2 takes the 'ready' right after
    and only then hears node1's older 'login' message: node2 keeps the agent available (CI: a
    caller on node2 waited a minute while its agent was free)."""
    node1, node2 = _book(live, "node1"), _book(live, "node2")
    cluster = Cluster(live, "node2", node2, Reservations(live, "node2"), lambda data: None)
    node1.apply("1001", "login", ("support",))
    late_login = {"agent": {"agent_id": "1001", **live.get_agent("1001")}, "origin": "node1"}
    node2.sync("1001", live.get_agent("1001"))  # node2 takes the next command: Redis first
    node2.apply("1001", "ready")
    assert live.get_agent("1001")["state"] == "available"

    cluster._on_message(late_login)  # the subscription delivers node1's message now

    assert node2.get("1001").state == AgentState.AVAILABLE
    assert node2.available_count() == 1
    # a message that is news (newer than what node2 knows) is still taken as it comes
    node1.sync("1001", live.get_agent("1001"))
    node1.apply("1001", "not_ready", "break")
    cluster._on_message(
        {"agent": {"agent_id": "1001", **live.get_agent("1001")}, "origin": "node1"}
    )
    assert node2.get("1001").state == AgentState.NOT_READY
