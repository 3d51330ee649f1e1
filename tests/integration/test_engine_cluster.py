"""Two engines sharing one Redis, one database and one agent: never offered twice.

Both engine processes connect to the same simulated switch; hotline 5000 reaches engine
``node1``, 5001 reaches ``node2`` (as two FreeSWITCH nodes would each hand calls to their own
engine). One agent serves both: the atomic Redis reservation decides who rings it, and each
engine follows the agent states the other writes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from callcenter.live.names import AGENT_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.sim.session import hangup
from callcenter.store import models
from tests.support.calls import call_rows, eventually
from tests.support.center import PASSWORD, SCALE, seed_agents
from tests.support.engine_process import EngineProcess, start_engine
from tests.support.flows import QUEUES, plain_queue_flow

# Each test starts two or three engine processes: on a loaded runner that alone takes minutes
# (engine_process.STARTUP_SECONDS), more than the suite's default time limit per test.
pytestmark = pytest.mark.timeout(600)


@dataclass
class Cluster:
    """Two engine processes (node1 on 5000, node2 on 5001) on one simulator, Redis and SQL."""

    switch: Switch
    engines: list[EngineProcess]
    live: LiveStore
    db_url: str
    redis_url: str
    redis_prefix: str


@pytest.fixture
def cluster(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Cluster]:
    seed_agents(db_url, ["1000"], QUEUES)
    flows = plain_queue_flow(tmp_path / "flows")
    switch = Switch(password=PASSWORD, time_scale=SCALE).start()
    engines = []
    try:
        for number, node in (("5000", "node1"), ("5001", "node2")):
            home = tmp_path / node
            home.mkdir()
            engine = start_engine(
                home, esl_port=switch.port, esl_password=PASSWORD, db_url=db_url,
                redis_url=redis_url, redis_prefix=redis_prefix, NODE_ID=node,
                IVR__FLOWS=str(flows), IVR__DEFAULT_FLOW="plain",
                IVR__NUMBERS=json.dumps({"5000": "plain", "5001": "plain"}),
            )  # fmt: skip
            engines.append(engine)
            switch.dialplan[number] = f"127.0.0.1:{engine.outbound_port} async full"
        live = LiveStore(redis_url, redis_prefix)
        yield Cluster(switch, engines, live, db_url, redis_url, redis_prefix)
        live.close()
    finally:
        for engine in engines:
            engine.stop()
        switch.stop()


def sign_in(cluster: Cluster, agent_id: str) -> None:
    """Log in, then ready - as a person clicks (either engine may take either command)."""
    live: LiveStore = cluster.live
    live.send_command(AGENT_COMMANDS, {"agent_id": agent_id, "action": "login"})
    eventually(lambda: live.get_agent(agent_id).get("state") == "not_ready", what="signed in")
    live.send_command(AGENT_COMMANDS, {"agent_id": agent_id, "action": "ready"})
    eventually(lambda: live.get_agent(agent_id).get("state") == "available", what="ready")


def test_two_engines_never_offer_one_agent_twice(cluster: Cluster) -> None:
    switch: Switch = cluster.switch
    phone = switch.add_softphone("1000", answer_after=1.0)
    sign_in(cluster, "1000")
    callers = [
        switch.place_call("13800000101", "5000", [], hangup_after=120.0),
        switch.place_call("13800000102", "5001", [], hangup_after=120.0),
    ]
    for _ in callers:  # the agent hangs up once talking (not at a set time: a loaded machine
        # may bridge later than that, and a leg gone before its bridge is rung again)
        talk = eventually(
            lambda: next((c for c in phone.calls if c.up and c.partner is not None), None),
            timeout=60,
            what="the agent talking",
        )
        hangup(talk, "NORMAL_CLEARING", remote=True)  # the agent's BYE
    records = eventually(
        lambda: len(call_rows(cluster.db_url)) == 2 and call_rows(cluster.db_url),
        timeout=60,
        what="both calls answered by the one agent and ended",
    )
    assert all(caller.ended.is_set() for caller in callers)
    assert sorted(r.node for r in records) == ["node1", "node2"]  # each engine had a caller
    assert [r.disposition for r in records] == ["answered", "answered"]
    first, second = sorted(records, key=lambda r: r.answered_at)
    # One agent, one call at a time: the second engine offered only after the first call.
    assert second.answered_at >= first.ended_at
    assert len(phone.calls) == 2  # rung exactly twice: no offer was made twice
    taken = [
        r
        for e in cluster.engines
        for r in e.records("agent taken by another engine", agent_id="1000")
    ]
    assert taken or second.offered_at >= first.ended_at


def test_commands_reach_the_engine_that_holds_the_agents_call(cluster: Cluster) -> None:
    switch: Switch = cluster.switch
    live: LiveStore = cluster.live
    switch.add_softphone("1000", answer_after=0.5)
    sign_in(cluster, "1000")
    for number, node in (("5001", "node2"), ("5000", "node1")):
        caller = switch.place_call("13800000103", number, [], hangup_after=120.0)
        eventually(lambda: live.get_agent("1000").get("state") == "on_call", what="talking")
        assert live.get_agent("1000").get("node") == node
        # Whichever engine takes the command from the shared stream, the one holding the
        # call carries it out (the other passes it on).
        for action, state in (("hold", "on_hold"), ("unhold", "on_call")):
            live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": action})
            eventually(lambda s=state: live.get_agent("1000").get("state") == s, what=action)
        live.send_command(AGENT_COMMANDS, {"agent_id": "1000", "action": "hangup"})
        eventually(lambda c=caller: c.ended.is_set(), what="hung up by the agent")
        eventually(lambda: live.get_agent("1000").get("state") == "available", what="free")
    records = call_rows(cluster.db_url)
    assert sorted(r.node for r in records) == ["node1", "node2"]
    assert all(r.hangup_by == "agent" and r.hold_seconds for r in records)
    assert isinstance(records[0], models.Call)


def test_a_restarted_engine_keeps_its_agents_signed_in(cluster: Cluster, tmp_path: Path) -> None:
    switch: Switch = cluster.switch
    live: LiveStore = cluster.live
    switch.add_softphone("1000", answer_after=0.5, hangup_after=1.0)
    sign_in(cluster, "1000")
    for engine in cluster.engines:
        engine.stop()
    home = tmp_path / "restarted"
    home.mkdir()
    engine = start_engine(
        home, esl_port=switch.port, esl_password=PASSWORD, db_url=cluster.db_url,
        redis_url=cluster.redis_url, redis_prefix=cluster.redis_prefix, NODE_ID="node1",
        IVR__FLOWS=str(tmp_path / "flows"), IVR__DEFAULT_FLOW="plain",
    )  # fmt: skip
    cluster.engines.append(engine)
    switch.dialplan["5000"] = f"127.0.0.1:{engine.outbound_port} async full"
    assert live.get_agent("1000").get("state") == "available"  # not logged out by the start
    caller = switch.place_call("13800000104", "5000", [], hangup_after=60.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="answered without signing in")
    (record,) = eventually(lambda: call_rows(cluster.db_url), what="call record")
    assert record.disposition == "answered" and record.node == "node1"
