"""Two FreeSWITCH nodes, one engine each, one Redis and one database serve one set of agents.

Each node is a simulator of its own with its own engine (``node1``, ``node2``); hotline 5000
on either node reaches that node's engine through the shipped hotline extension. The agents'
phones: behind Kamailio every node reaches every phone (docs/deploy.md), so each simulator
knows both agents' extensions. A phone talking on one node is not busy on the other simulator -
only the atomic Redis reservation keeps an agent from being offered twice, which is what
these tests check. One engine is killed (SIGKILL) mid-call: its node's callers wait with music
until it is back, the other node keeps serving, and every record is right.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from callcenter.live.names import AGENT_COMMANDS, MONITOR_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.sim.endpoints import Caller
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.calls import call_rows, eventually
from tests.support.center import Center, event_types
from tests.support.engine_process import free_port, wait_taken_over
from tests.support.flows import PLAIN_QUEUE_FLOW

AGENTS = ("1000", "1001")
SUPERVISOR = "1002"  # the supervisor's phone, reached from every node
WAIT = 60.0  # generous: two engines and two simulators share a small machine

# Each test starts two or three engine processes: on a loaded runner that alone takes minutes
# (engine_process.STARTUP_SECONDS), more than the suite's default time limit per test.
pytestmark = pytest.mark.timeout(600)


@dataclass
class TwoNodes:
    """The two nodes (a simulator and an engine each) on one Redis and one database."""

    node1: Center
    node2: Center

    @property
    def live(self) -> LiveStore:
        return self.node1.live

    @property
    def db_url(self) -> str:
        return self.node1.db_url


def _node(tmp: Path, name: str, agents: tuple[str, ...], db_url: str, redis: tuple) -> Center:
    tmp.mkdir()
    center = Center(
        tmp, db_url, *redis,
        agents=agents,  # the set of agents is seeded once, by the first node
        flows={"plain": PLAIN_QUEUE_FLOW}, numbers={"5000": "plain"}, default_flow="plain",
        env={"NODE_ID": name}, hotline="shipped",
        outbound_port=free_port(),  # this node's dialplan names its engine's address
    )  # fmt: skip
    for extension in AGENTS:  # every node reaches every phone (through Kamailio)
        center.switch.add_softphone(extension, answer_after=0.5)
    return center


@pytest.fixture
def nodes(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[TwoNodes]:
    redis = (redis_url, redis_prefix)
    with _node(tmp_path / "node1", "node1", AGENTS, db_url, redis) as node1:
        with _node(tmp_path / "node2", "node2", (), db_url, redis) as node2:
            yield TwoNodes(node1, node2)


def _sign_in(live: LiveStore, agent_id: str) -> None:
    """Log in, then ready - one after the other, as either engine may take either command."""
    for action, state in (("login", "not_ready"), ("ready", "available")):
        live.send_command(AGENT_COMMANDS, {"agent_id": agent_id, "action": action})
        eventually(lambda s=state: live.get_agent(agent_id).get("state") == s, WAIT, action)


def _talking(live: LiveStore, caller: Caller) -> str:
    """Wait until ``caller`` talks to an agent; return the agent's extension."""
    eventually(
        lambda: caller.uuid and live.get_call(caller.uuid).get("state") == "talking",
        WAIT,
        f"{caller.number} talking",
    )
    return eventually(
        lambda: next((a for a in AGENTS if live.get_agent(a).get("call_uuid") == caller.uuid), ""),
        WAIT,
        f"the agent of {caller.number}",
    )


def _phone_calls(nodes: TwoNodes) -> int:
    """Times any agent's phone rang, on both nodes."""
    return sum(
        len(node.switch.softphones[extension].calls)
        for node in (nodes.node1, nodes.node2)
        for extension in AGENTS
    )


def _agent_legs(db_url: str) -> list[models.CallAgentLeg]:
    """Every offer of an agent, as the records keep it (missed rings included)."""
    with session_scope(db_url) as session:
        return list(session.scalars(select(models.CallAgentLeg)).all())


def _assert_no_agent_offered_twice_at_once(legs: list[models.CallAgentLeg]) -> None:
    by_agent: dict[int | None, list[models.CallAgentLeg]] = {}
    for leg in legs:
        assert leg.offered_at is not None and leg.left_at is not None, leg.id
        by_agent.setdefault(leg.agent_id, []).append(leg)
    assert None not in by_agent
    for offers in by_agent.values():
        offers.sort(key=lambda leg: leg.offered_at)
        for earlier, later in zip(offers, offers[1:], strict=False):
            assert later.offered_at >= earlier.left_at, (earlier.id, later.id)


def test_both_nodes_serve_the_agents_and_one_engine_dies_without_a_lost_call(
    nodes: TwoNodes,
) -> None:
    live = nodes.live
    sw1: Switch = nodes.node1.switch
    sw2: Switch = nodes.node2.switch
    for agent in AGENTS:
        _sign_in(live, agent)
    # One caller on each node at once: both engines want an idle agent at the same moment.
    a = sw1.place_call("13800000401", "5000", [], hangup_after=None)
    b = sw2.place_call("13800000402", "5000", [], hangup_after=None)
    agent_a, agent_b = _talking(live, a), _talking(live, b)
    assert agent_a != agent_b  # two callers, two agents: nobody got one agent twice
    assert live.get_agent(agent_a).get("node") == "node1"
    assert live.get_agent(agent_b).get("node") == "node2"
    c = sw1.place_call("13800000403", "5000", [], hangup_after=None)  # no agent free: waits
    eventually(lambda: c.uuid and live.get_call(c.uuid).get("state") == "queued", WAIT, "queued")

    engine1 = nodes.node1.engine
    engine1.process.kill()  # SIGKILL: no goodbye, no cleanup
    engine1.process.wait(10)
    eventually(
        lambda: c.channel and c.channel.vars.get("current_application") == "playback",
        WAIT,
        "node1 keeps the waiting caller with music",
    )
    assert a.channel.up and a.channel.partner is not None  # the talk on node1 goes on

    # node2 keeps serving meanwhile: its agent finishes, wraps up and takes a new caller.
    b.hangup()
    eventually(lambda: live.get_agent(agent_b).get("state") == "available", WAIT, "b's agent")
    d = sw2.place_call("13800000404", "5000", [], hangup_after=None)
    assert _talking(live, d) == agent_b  # the other agent still talks on node1
    d.hangup()

    # node1's engine is back (same address): it takes over the talk and the waiting caller.
    wait_taken_over(live, nodes.node1.start_engine_in("restarted"), "node1")
    assert a.channel.up and a.channel.partner is not None
    a.hangup()
    _talking(live, c)
    c.hangup()

    callers = {"node1": [a, c], "node2": [b, d]}
    records = eventually(
        lambda: (
            len(rows := call_rows(nodes.db_url)) == 4 and all(r.ended_at for r in rows) and rows
        ),
        WAIT,
        "four call records",
    )
    assert not any(x.ended.is_set() and not x.answered.is_set() for x in (a, b, c, d))
    by_uuid = {r.uuid: r for r in records}
    assert {node: sorted(by_uuid[x.uuid].node for x in xs) for node, xs in callers.items()} == {
        "node1": ["node1", "node1"],
        "node2": ["node2", "node2"],
    }
    assert {r.disposition for r in records} == {"answered"}
    assert all(r.hangup_by == "caller" and r.talk_seconds for r in records)
    kinds_a = event_types(nodes.db_url, by_uuid[a.uuid].id)
    assert kinds_a[0] == "call_arrived" and kinds_a[-1] == "call_ended"  # one record, 2 processes
    kinds_c = event_types(nodes.db_url, by_uuid[c.uuid].id)
    assert kinds_c.index("call_queued") < kinds_c.index("call_readopted")
    assert kinds_c.index("call_readopted") < kinds_c.index("call_answered")
    legs = _agent_legs(nodes.db_url)
    assert sorted(leg.call_id for leg in legs if leg.outcome == "answered") == sorted(
        r.id for r in records
    )
    _assert_no_agent_offered_twice_at_once(legs)
    assert _phone_calls(nodes) == len(legs)  # each offer rang exactly one phone, once


def test_a_supervisor_request_reaches_the_engine_of_the_calls_node(nodes: TwoNodes) -> None:
    """Either engine may take a request from the shared stream; only node2's switch carries
    the call, so node1's engine passes it on and the supervisor's phone rings from node2."""
    live = nodes.live
    for node in (nodes.node1, nodes.node2):
        node.switch.add_softphone(SUPERVISOR, answer_after=0.2)
    _sign_in(live, "1000")
    caller = nodes.node2.switch.place_call("13800000405", "5000", [], hangup_after=None)
    _talking(live, caller)
    legs = [str(uuid.uuid4()) for _ in range(4)]  # four tries: each engine takes some
    for leg in legs:
        live.send_command(MONITOR_COMMANDS, {
            "action": "start", "leg_uuid": leg, "call_uuid": caller.uuid, "mode": "listen",
            "extension": SUPERVISOR, "username": "sup",
        })  # fmt: skip
    rung = nodes.node2.switch.softphones[SUPERVISOR].calls
    eventually(lambda: len(rung) == 4, WAIT, "the supervisor's phone rung for each request")
    assert sorted(call.uuid for call in rung) == sorted(legs)
    assert nodes.node1.switch.softphones[SUPERVISOR].calls == []
    for leg in legs:
        live.send_command(MONITOR_COMMANDS, {"action": "leave", "leg_uuid": leg,
                                             "call_uuid": caller.uuid})  # fmt: skip
    eventually(lambda: all(not call.up for call in rung), WAIT, "every supervisor's leg hung up")
    caller.hangup()
