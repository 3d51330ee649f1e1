"""ReconnectingInbound's api connections against the simulator: a slow ``api`` (an
``api originate`` holds its socket until the phone answers, S04 b) no longer holds up the
engine's other commands, and the pool follows the switch's restarts."""

from __future__ import annotations

import time
from collections.abc import Iterator

import gevent
import pytest

from callcenter.sim import Switch
from callcenter.switch.errors import NotConnected
from callcenter.switch.supervisor import ReconnectingInbound
from tests.support.sim_client import PARK

ANSWER_AFTER = 2.0  # seconds the agent's phone rings before it answers


@pytest.fixture
def fs() -> Iterator[Switch]:
    with Switch(time_scale=1.0, dialplan={"6000": PARK}) as sw:
        sw.add_softphone("1004", answer_after=ANSWER_AFTER, hangup_after=None)
        yield sw


def supervised(fs: Switch, api_connections: int) -> ReconnectingInbound:
    sup = ReconnectingInbound(
        "127.0.0.1", fs.port, fs.password, events=("CHANNEL_HANGUP_COMPLETE",),
        reconnect_min=0.05, reconnect_max=0.2, jitter=0, api_connections=api_connections,
    )  # fmt: skip
    sup.start()
    assert sup.wait_connected(5)
    deadline = time.monotonic() + 5
    while any(m.live_connection is None for m in sup.api_pool.members):
        assert time.monotonic() < deadline, "api connections did not come up"
        gevent.sleep(0.01)
    return sup


def status_while_originating(sup: ReconnectingInbound) -> tuple[float, str]:
    """Seconds an ``api status`` took while an ``api originate`` rang the phone; its leg."""
    ringing = gevent.spawn(sup.api, "originate user/1004 &park()", timeout=10)
    gevent.sleep(0.2)  # the originate is on its socket, the phone rings
    started = time.monotonic()
    assert "UP" in sup.api("status")
    took = time.monotonic() - started
    leg = ringing.get(timeout=10)
    return took, leg


@pytest.mark.parametrize("api_connections", [0, 2])
def test_a_slow_api_holds_up_others_only_without_api_connections(
    fs: Switch, api_connections: int
) -> None:
    sup = supervised(fs, api_connections)
    try:
        took, leg = status_while_originating(sup)
        assert leg.startswith("+OK ")  # the agent answered: the originate itself worked
        if api_connections:
            assert took < ANSWER_AFTER / 2, took  # answered beside the ringing originate
        else:
            assert took > ANSWER_AFTER / 2, took  # FreeSWITCH's order: after the originate
    finally:
        sup.stop()


def test_api_connections_are_event_less_and_follow_a_switch_restart(fs: Switch) -> None:
    sup = supervised(fs, 2)
    try:
        main = sup.connection
        members = [m.live_connection for m in sup.api_pool.members]
        assert sup.api_pool.pick() in members
        assert [m.events for m in sup.api_pool.members] == [(), ()]
        fs.place_call("13800138000", "6000")  # a call: its events flow on the main connection
        deadline = time.monotonic() + 5
        while not fs.channels:
            assert time.monotonic() < deadline
            gevent.sleep(0.01)
        assert "1 total" in sup.api("show channels")
        for member in sup.api_pool.members:
            member.live_connection.close("test: the api connection dropped")
        assert sup.api_pool.pick() is None
        assert "UP" in sup.api("status")  # the main connection carries it meanwhile
        main.close("test: the main connection dropped")
        with pytest.raises(NotConnected):
            sup.api("status")  # never on an api connection while the events are gone
        deadline = time.monotonic() + 5
        while not (sup.connected and all(m.live_connection for m in sup.api_pool.members)):
            assert time.monotonic() < deadline, "did not reconnect"
            gevent.sleep(0.02)
        assert "UP" in sup.api("status")
        assert sup.api_pool.pick() in [m.live_connection for m in sup.api_pool.members]
    finally:
        sup.stop()
    assert all(m.live_connection is None for m in sup.api_pool.members)
