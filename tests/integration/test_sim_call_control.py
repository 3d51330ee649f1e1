"""uuid_hold (MOH to the partner), uuid_transfer, eavesdrop and the conference app."""

from __future__ import annotations

import json

import pytest

from callcenter.sim import Switch
from tests.support.sim_client import PARK, authed, bridged_call, originate


@pytest.fixture
def fs():
    with Switch(time_scale=0.05, dialplan={"6000": PARK}) as sw:
        yield sw


def test_hold_broadcasts_moh_to_the_partner(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    assert c.command(f"api uuid_hold {agent}").text == "+OK Success\n"
    held = c.event("CHANNEL_HOLD", Unique_ID=agent)
    assert held.get("Channel-Call-State") == "HELD"
    moh = c.event("CHANNEL_EXECUTE", Unique_ID=caller, Application="playback")
    assert moh.get("Application-Data") == "local_stream://moh"
    c.event("PLAYBACK_START", Unique_ID=caller)
    assert c.command(f"api uuid_hold off {agent}").text == "+OK Success\n"
    stop = c.event("PLAYBACK_STOP", Unique_ID=caller)
    assert stop.get("Playback-Status") == "break"
    unheld = c.event("CHANNEL_UNHOLD", Unique_ID=agent)
    assert unheld.get("Channel-Call-State") == "ACTIVE"
    assert int(unheld.get("Caller-Channel-Hold-Accum") or 0) > 0
    states = [e.get("Channel-Call-State") for e in c.events()
              if e.name == "CHANNEL_CALLSTATE" and e.uuid == agent]  # fmt: skip
    assert states[-3:] == ["HELD", "UNHELD", "ACTIVE"]
    # the bridge is untouched
    assert not [e for e in c.events() if e.name == "CHANNEL_UNBRIDGE"]


def test_transfer_hangs_up_the_bridged_partner(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    assert c.command(f"api uuid_transfer {caller} 9197 XML public").text == "+OK\n"
    gone = c.event("CHANNEL_HANGUP", Unique_ID=agent)
    assert gone.get("Hangup-Cause") == "NORMAL_CLEARING"
    c.event("CHANNEL_UNBRIDGE", Unique_ID=caller)
    tone = c.event("CHANNEL_EXECUTE", Unique_ID=caller, Application="playback")
    assert tone.get("Application-Data") == "tone_stream://%(1000,1000,440);loops=-1"
    assert tone.get("Caller-Destination-Number") == "9197"
    assert fs.channel(caller) is not None
    assert c.command(f"api uuid_kill {caller}").text == "+OK\n"
    done = c.event("CHANNEL_EXECUTE_COMPLETE", Unique_ID=caller, Application="playback")
    assert done.get("Application-Response") == "PLAYBACK ERROR"


def test_eavesdrop_puts_a_media_bug_on_the_target(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    sup = fs.add_softphone("1002", answer_after=0.5)
    leg, job = originate(c, "1002", app=f"&eavesdrop({caller})")
    assert c.event("BACKGROUND_JOB", timeout=10, Job_UUID=job).body == f"+OK {leg}\n"
    assert c.event("CHANNEL_EXECUTE", Unique_ID=leg).get("Application") == "eavesdrop"
    bug = c.event("MEDIA_BUG_START", Unique_ID=caller)
    assert bug.get("Media-Bug-Function") == "eavesdrop"
    from callcenter.sim import session

    session.hangup(sup.calls[-1], "NORMAL_CLEARING", remote=True)
    c.event("MEDIA_BUG_STOP", Unique_ID=caller)
    done = c.event("CHANNEL_EXECUTE_COMPLETE", Unique_ID=leg)
    assert done.get("Application") == "eavesdrop"
    assert done.get("Hangup-Cause") == "NORMAL_CLEARING"  # no crash: a normal hangup
    assert fs.channel(caller) is not None and fs.channel(agent) is not None
    assert not [e for e in c.events() if e.name == "CHANNEL_UNBRIDGE"]


def test_eavesdrop_reads_recv_dtmf_and_keeps_the_whisper_mode(fs):
    """S11: uuid_send_dtmf goes to the phone (no event); uuid_recv_dtmf is read by eavesdrop
    (DTMF, source APP). The mode is simulator state only: no event marks it."""
    c = authed(fs, events=True)
    caller, _agent = bridged_call(fs, c)
    fs.add_softphone("1002", answer_after=0.5)
    whisper = ",eavesdrop_enable_dtmf=true,eavesdrop_whisper_aleg=false,eavesdrop_whisper_bleg=true"
    leg, job = originate(c, "1002", extra=whisper, app=f"&eavesdrop({caller})")
    assert c.event("BACKGROUND_JOB", timeout=10, Job_UUID=job).body == f"+OK {leg}\n"
    c.event("MEDIA_BUG_START", Unique_ID=caller)
    mode = fs.channel(leg).media["eavesdrop"]
    assert (mode["mux_read"], mode["mux_write"]) == (False, True)
    assert c.command(f"api uuid_send_dtmf {leg} 3").text == f"+OK {leg} sent DTMF 3.\n"
    assert c.command(f"api uuid_recv_dtmf {leg} 3").text == f"+OK {leg} received DTMF 3.\n"
    dtmf = c.event("DTMF", Unique_ID=leg)
    assert (dtmf.get("DTMF-Digit"), dtmf.get("DTMF-Source")) == ("3", "APP")
    assert dtmf.get("DTMF-Duration") == "2000"
    assert (mode["mux_read"], mode["mux_write"]) == (True, True)
    assert c.command(f"api uuid_recv_dtmf {leg} 0").text == f"+OK {leg} received DTMF 0.\n"
    c.event("DTMF", Unique_ID=leg, DTMF_Digit="0")
    assert (mode["mux_read"], mode["mux_write"]) == (False, False)
    assert not [e for e in c.events() if e.name == "DTMF"]  # uuid_send_dtmf fired none
    assert c.command("api uuid_recv_dtmf nope 1").text == "-ERR Cannot locate session!\n"


def test_three_way_conference_lists_three_members(fs):
    c = authed(fs, events=True)
    caller, agent = bridged_call(fs, c)
    consult, job = originate(c, "1001")
    fs.add_softphone("1001", answer_after=0.5)
    c.event("BACKGROUND_JOB", timeout=10, Job_UUID=job)
    room = "conference:3way-test@default inline"
    assert c.command(f"api uuid_transfer {caller} -both {room}").text == "+OK\n"
    assert c.command(f"api uuid_transfer {consult} {room}").text == "+OK\n"
    for leg in (caller, agent, consult):
        ex = c.event("CHANNEL_EXECUTE", Unique_ID=leg, Application="conference")
        assert ex.get("Application-Data") == "3way-test@default"
        assert ex.get("Application-UUID")
    c.event("CUSTOM", Action="add-member", Conference_Size="3")
    lines = c.command("api conference 3way-test list").text.splitlines()
    assert len(lines) == 3
    assert {ln.split(";")[2] for ln in lines} == {caller, agent, consult}
    assert all(ln.endswith(";0;0;100") and "hear|speak" in ln for ln in lines)
    data = json.loads(c.command("api conference 3way-test json_list").text)
    assert data[0]["member_count"] == 3
    assert {m["uuid"] for m in data[0]["members"]} == {caller, agent, consult}
    assert all(m["flags"]["can_hear"] for m in data[0]["members"])
    assert not [e for e in c.events() if e.name == "CHANNEL_HANGUP"]
    for leg in (consult, agent, caller):
        c.command(f"api uuid_kill {leg}")
    c.event("CUSTOM", Action="conference-destroy")
    actions = [e.get("Action") for e in c.events() if e.subclass == "conference::maintenance"]
    # (the third add-member and the destroy were taken by c.event above)
    assert actions.count("add-member") == 2 and actions.count("del-member") == 3
    assert actions[0] == "conference-create"
    assert c.command("api conference 3way-test list").text.startswith("-ERR")
