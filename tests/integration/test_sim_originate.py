"""originate to user/ and sofia/ legs, uuid_kill while ringing, uuid_bridge, the bridge app."""

from __future__ import annotations

import wave

import pytest

from callcenter.sim import Switch
from tests.support.sim_client import PARK, authed, originate


@pytest.fixture
def fs():
    with Switch(time_scale=0.05, dialplan={"6000": PARK}) as sw:
        yield sw


@pytest.mark.parametrize(
    ("mode", "cause", "disposition"),
    [
        ("busy", "USER_BUSY", "recv_refuse"),
        ("decline", "CALL_REJECTED", "recv_refuse"),
        ("noanswer", "NO_ANSWER", "send_cancel"),
    ],
)
def test_agent_failures(fs, mode, cause, disposition):
    fs.add_softphone("1001", mode=mode, answer_after=1.0)
    c = authed(fs, events=True)
    leg, job = originate(c, "1001")
    assert c.event("BACKGROUND_JOB", timeout=10, Job_UUID=job).body == f"-ERR {cause}\n"
    done = c.event("CHANNEL_HANGUP_COMPLETE", timeout=5, Unique_ID=leg)
    assert done.get("Hangup-Cause") == cause
    assert done.get("variable_sip_hangup_disposition") == disposition
    assert not [e for e in c.events() if e.name == "CHANNEL_ANSWER"]


def test_not_registered_and_unknown_user_create_no_channel(fs):
    c = authed(fs, events=True)
    assert c.command("api originate user/1019@127.0.0.1 &park()").text == (
        "-ERR USER_NOT_REGISTERED\n"
    )
    _, job = originate(c, "1099")
    assert c.event("BACKGROUND_JOB", Job_UUID=job).body == "-ERR SUBSCRIBER_ABSENT\n"
    assert not [e for e in c.events() if e.name == "CHANNEL_CREATE"]


def test_uuid_kill_while_ringing_cancels(fs):
    fs.add_softphone("1004", mode="noanswer")
    c = authed(fs, events=True)
    leg, job = originate(c, "1004", ",call_timeout=15")
    c.event("CHANNEL_PROGRESS", Unique_ID=leg)
    assert c.command(f"api uuid_kill {leg} ORIGINATOR_CANCEL").text == "+OK\n"
    assert c.event("BACKGROUND_JOB", Job_UUID=job).body == "-ERR ORIGINATOR_CANCEL\n"
    done = c.event("CHANNEL_HANGUP_COMPLETE", Unique_ID=leg)
    assert done.get("variable_sip_hangup_disposition") == "send_cancel"


def test_answer_park_then_uuid_bridge_and_record(fs, tmp_path):
    phone = fs.add_softphone("1004", answer_after=1.0, hangup_after=None)
    c = authed(fs, events=True)
    call = fs.place_call("13800138000", "6000")
    assert call.answered.wait(5)
    leg, job = originate(c, "1004")
    ok = c.event("BACKGROUND_JOB", Job_UUID=job)
    assert ok.body == f"+OK {leg}\n"
    c.event("CHANNEL_PARK", Unique_ID=leg)
    answer = [e for e in c.events() if e.name == "CALL_UPDATE" and e.uuid == leg][0]
    assert answer.get("variable_effective_caller_id_number") == "1004"
    path = str(tmp_path / "rec.wav")
    assert c.command(f"api uuid_record {call.uuid} start {path}").text == "+OK Success\n"
    assert c.command(f"api uuid_bridge {call.uuid} {leg}").text == f"+OK {leg}\n"
    bridge = c.event("CHANNEL_BRIDGE", Unique_ID=call.uuid)
    assert bridge.get("Bridge-B-Unique-ID") == leg
    assert phone.calls and phone.calls[-1].uuid == leg
    # the agent hangs up: the uuid_bridge'd caller is hung up too
    from callcenter.sim import session

    session.hangup(phone.calls[-1], "NORMAL_CLEARING", remote=True)
    c.event("CHANNEL_UNBRIDGE", Unique_ID=call.uuid)
    done = c.event("CHANNEL_HANGUP_COMPLETE", Unique_ID=call.uuid)
    assert done.get("variable_sip_hangup_disposition") == "send_bye"
    with wave.open(path) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 8000


def test_concurrent_originates_to_several_agents(fs):
    phones = [
        fs.add_softphone(str(u), answer_after=0.5, hangup_after=1.0) for u in range(1000, 1005)
    ]
    c = authed(fs, events=True)
    jobs = [originate(c, p.user) for p in phones]
    bodies = {c.event("BACKGROUND_JOB", timeout=10, Job_UUID=j).body for _, j in jobs}
    assert bodies == {f"+OK {leg}\n" for leg, _ in jobs}
    assert fs.wait_idle(10)


def test_bridge_app_to_customer_endpoint(fs):
    fs.add_softphone("1000", answer_after=0.5)
    fs.add_softphone("13900139000", answer_after=0.5, hangup_after=1.0, port=5090,
                     rtp_port=6200, register=False)  # fmt: skip
    c = authed(fs, events=True)
    reply = c.command(
        "bgapi originate {origination_caller_id_number=4000}user/1000@127.0.0.1 "
        "&bridge(sofia/internal/13900139000@127.0.0.1:5090)"
    )
    job = c.event("BACKGROUND_JOB", timeout=10, Job_UUID=reply.headers["Job-UUID"])
    agent = job.body.split()[1]
    bridge = c.event("CHANNEL_BRIDGE", Unique_ID=agent)
    b_leg = bridge.get("Bridge-B-Unique-ID")
    out = [e for e in c.events() if e.name == "CHANNEL_OUTGOING" and e.uuid == b_leg][0]
    assert out.get("Caller-Caller-ID-Number") == "1000"  # the directory's effective caller id
    assert out.get("Caller-Caller-ID-Name") == "Extension 1000"
    c.event("CHANNEL_UNBRIDGE", Unique_ID=agent)
    assert c.event("CHANNEL_HANGUP", Unique_ID=agent).get("Hangup-Cause") == "NORMAL_CLEARING"
