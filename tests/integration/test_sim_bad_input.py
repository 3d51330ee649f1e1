"""Bad input gets the replies real FreeSWITCH gives (S01), never a silent success."""

from __future__ import annotations

import gevent
import pytest

from callcenter.sim import Switch
from tests.support.sim_client import Client, authed


@pytest.fixture
def fs():
    with Switch(time_scale=0.05, dialplan={"6000": [("answer", ""), ("park", "")]}) as sw:
        yield sw


def test_wrong_password_gets_err_invalid_and_goodbye(fs):
    c = Client.connect(fs.port)
    c.reply()
    assert c.command("auth nope").reply_text == "-ERR invalid"
    notice = c.reply()
    assert notice.content_type == "text/disconnect-notice"
    assert notice.text.startswith("Disconnected, goodbye.")
    with pytest.raises(TimeoutError):
        c.next(timeout=0.5)


def test_garbage_and_unknown_commands(fs):
    c = authed(fs)
    assert c.command("this is not ESL").reply_text == "-ERR command not found"
    assert c.command("no_such_esl_command").reply_text == "-ERR command not found"
    assert c.command("api no_such_command arg1").text == "-ERR no_such_command Command not found!\n"
    assert c.command("api uuid_bridge").text == "-USAGE: <uuid> <other_uuid>\n"
    # the connection still works
    assert c.command("api show channels as json").text == '{"row_count": 0}\n'


def test_unknown_uuid(fs):
    c = authed(fs)
    zero = "00000000-0000-0000-0000-000000000000"
    assert c.command(f"api uuid_kill {zero}").text == "-ERR No such channel!\n"
    assert c.command(f"api uuid_getvar {zero} uuid").text == "-ERR No such channel!\n"
    reply = c.command(f"sendmsg {zero}\ncall-command: execute\nexecute-app-name: answer")
    assert reply.reply_text == f"-ERR invalid session id [{zero}]"


def test_unimplemented_application_runs_nothing(fs):
    c = authed(fs)
    c.command("event plain ALL")
    call = fs.place_call("13800138000", "6000")
    c.event("CHANNEL_PARK", timeout=5)
    reply = c.command(
        f"sendmsg {call.uuid}\ncall-command: execute\nexecute-app-name: no_such_app\n"
        "execute-app-arg: x\nEvent-UUID: 11111111-2222-3333-4444-555555555555"
    )
    assert reply.reply_text == "+OK"  # async sendmsg is accepted ...
    c.event("PRIVATE_COMMAND", timeout=5)  # ... parsed ...
    gevent.sleep(0.1)
    executes = [e for e in c.events() if e.name.startswith("CHANNEL_EXECUTE")]
    assert not any(e.get("Application") == "no_such_app" for e in executes)  # ... nothing ran
    call.hangup()
    c.event("CHANNEL_HANGUP_COMPLETE", timeout=5)


def test_bgapi_job_uuid_and_background_job(fs):
    c = authed(fs)
    c.command("event plain BACKGROUND_JOB")
    reply = c.command("bgapi no_such_command\nJob-UUID: 6c80fd33-1625-419e-b0ed-764bd8478e21")
    assert reply.headers["Job-UUID"] == "6c80fd33-1625-419e-b0ed-764bd8478e21"
    ev = c.event("BACKGROUND_JOB")
    assert ev.body == "-ERR no_such_command Command not found!\n"
