"""The simulator under a client's commands that once froze or flooded it at scale."""

from __future__ import annotations

import pytest

from callcenter.sim import Switch
from callcenter.sim.endpoints import hangup, wait_for
from tests.support.sim_client import PARK, authed


@pytest.fixture
def fs():
    with Switch(time_scale=0.05, dialplan={"6000": PARK}) as sw:
        yield sw


def test_a_break_with_nothing_playing_leaves_the_parked_call_and_the_switch_working(fs):
    c = authed(fs, events=True)
    call = fs.place_call("13800138000", "6000")
    assert call.answered.wait(5)
    c.event("CHANNEL_PARK", Unique_ID=call.uuid)
    assert c.command(f"api uuid_break {call.uuid}").text == "+OK\n"
    # the parked session does not spin on the pending break: the switch still answers
    assert c.command("api uuid_exists " + call.uuid).text == "true"
    assert c.command(f"api uuid_kill {call.uuid}").text == "+OK\n"
    gone = c.event("CHANNEL_HANGUP", Unique_ID=call.uuid)
    assert gone.get("Hangup-Cause") == "NORMAL_CLEARING"


def test_a_caller_that_keeps_no_events_still_meets_its_wait_for_step(fs):
    c = authed(fs, events=True)
    script = [wait_for("CHANNEL_EXECUTE", within=5.0, Application="playback"), hangup()]
    call = fs.place_call("13800138000", "6000", script, keep_events=False)
    assert call.answered.wait(5)
    c.event("CHANNEL_PARK", Unique_ID=call.uuid)
    sent = c.command(
        f"sendmsg {call.uuid}\ncall-command: execute\nexecute-app-name: playback\n"
        "execute-app-arg: tone_stream://%(1000,0,440)"
    )
    assert sent.reply_text == "+OK"
    # the step saw the playback start: the caller went on to its BYE
    gone = c.event("CHANNEL_HANGUP", Unique_ID=call.uuid)
    assert gone.get("Hangup-Cause") == "NORMAL_CLEARING"
    assert call.ended.wait(5)
    assert call.events == []  # what the step read was let go
