"""park_after_bridge in the simulator: a leg whose bridge partner hangs up is parked."""

from __future__ import annotations

import pytest

from callcenter.sim import Switch
from tests.support.sim_client import PARK, authed, bridged_call


@pytest.fixture
def fs():
    with Switch(time_scale=0.05, dialplan={"6000": PARK}) as sw:
        yield sw


def test_caller_is_parked_when_the_agent_hangs_up(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    assert c.command(f"api uuid_setvar {caller} park_after_bridge true").text == "+OK\n"
    assert c.command(f"api uuid_kill {agent}").text == "+OK\n"
    c.event("CHANNEL_HANGUP", Unique_ID=agent)
    c.event("CHANNEL_UNBRIDGE", Unique_ID=caller)
    parked = c.event("CHANNEL_PARK", Unique_ID=caller, Channel_State="CS_PARK")
    assert parked.get("Channel-Call-State") == "ACTIVE"
    assert c.command(f"api uuid_exists {caller}").text == "true"
    hangups = [e for e in c.events() if e.name == "CHANNEL_HANGUP" and e.uuid == caller]
    assert hangups == []
    # the parked caller still takes commands: a transfer moves it on
    assert c.command(f"api uuid_transfer {caller} 9197 XML public").text == "+OK\n"
    c.event("CHANNEL_UNPARK", Unique_ID=caller)
    tone = c.event("CHANNEL_EXECUTE", Unique_ID=caller, Application="playback")
    assert tone.get("Caller-Destination-Number") == "9197"
    assert c.command(f"api uuid_kill {caller}").text == "+OK\n"


def test_agent_leg_is_parked_when_the_caller_hangs_up(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    assert c.command(f"api uuid_setvar {agent} park_after_bridge true").text == "+OK\n"
    assert c.command(f"api uuid_kill {caller}").text == "+OK\n"
    c.event("CHANNEL_HANGUP", Unique_ID=caller)
    c.event("CHANNEL_PARK", Unique_ID=agent, Channel_State="CS_PARK")
    assert c.command(f"api uuid_exists {agent}").text == "true"
    assert c.command(f"api uuid_kill {agent}").text == "+OK\n"
    c.event("CHANNEL_HANGUP_COMPLETE", Unique_ID=agent)


def test_without_the_variable_the_caller_follows_the_agent(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    assert c.command(f"api uuid_kill {agent}").text == "+OK\n"
    c.event("CHANNEL_UNBRIDGE", Unique_ID=caller)
    gone = c.event("CHANNEL_HANGUP", Unique_ID=caller)
    assert gone.get("Hangup-Cause") == "NORMAL_CLEARING"
    parks = [
        e
        for e in c.events()
        if e.name == "CHANNEL_PARK" and e.uuid == caller and e.get("Channel-State") == "CS_PARK"
    ]
    assert parks == []
