"""Hostile bytes on the simulator's ESL port never kill a connection or the switch (#14)."""

from __future__ import annotations

import logging

import gevent
import pytest
from gevent import socket
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callcenter.sim import Switch
from callcenter.sim.commands import COMMANDS
from callcenter.sim.esl import MAX_COMMAND
from tests.support.sim_client import Client, authed


@pytest.fixture(scope="module")
def fs():
    with Switch(time_scale=0.05, dialplan={"6000": [("answer", ""), ("park", "")]}) as sw:
        yield sw


def still_answers(c: Client) -> None:
    """The connection is alive: ``api status`` gets its api/response."""
    reply = c.command("api status")
    assert reply.content_type == "api/response"
    assert reply.text.startswith("UP ")


def closed_by_switch(c: Client, timeout: float = 5.0) -> bool:
    """The switch closed the socket (EOF) within ``timeout`` seconds."""
    c.sock.settimeout(timeout)
    try:
        while c.sock.recv(65536):
            pass
    except (TimeoutError, socket.timeout):
        return False
    except OSError:
        return True
    return True


@pytest.mark.parametrize("length", ["\u00b2", "\u0665", "1_0", "+5", "-3", "0x10", " "])
def test_content_length_that_is_not_ascii_digits_means_no_body(fs, length):
    c = authed(fs)
    c.sock.sendall(f"api status\nContent-Length: {length}\n\n".encode())
    assert c.reply().text.startswith("UP ")
    still_answers(c)
    c.close()


@pytest.mark.parametrize("arg", ["\u00b2", "-\u00b2", "99999999999999999999999", "\u0665"])
def test_linger_with_a_number_that_is_not_ascii_keeps_the_connection(fs, arg):
    c = authed(fs)
    assert c.command(f"linger {arg}").reply_text == "+OK will linger"
    still_answers(c)
    c.close()


def test_linger_with_ascii_seconds_still_works(fs):
    c = authed(fs)
    assert c.command("linger 7").reply_text == "+OK will linger 7 seconds"
    c.close()


def test_content_length_over_the_cap_closes_the_connection_with_a_log_line(fs, caplog):
    caplog.set_level(logging.WARNING, logger="callcenter.sim")
    c = authed(fs)
    c.sock.sendall(f"api status\nContent-Length: {MAX_COMMAND + 1}\n\n".encode() + b"x" * 100)
    assert closed_by_switch(c)
    assert any("oversized command" in r.getMessage() for r in caplog.records)
    still_answers(authed(fs))  # the switch itself goes on


def test_header_block_over_the_cap_closes_the_connection_with_a_log_line(fs, caplog):
    caplog.set_level(logging.WARNING, logger="callcenter.sim")
    c = authed(fs)
    chunk = b"x" * 65536
    try:
        for _ in range(MAX_COMMAND // len(chunk) + 2):
            c.sock.sendall(chunk)
    except OSError:
        pass  # the switch may close while we are still sending
    assert closed_by_switch(c)
    assert any("oversized command" in r.getMessage() for r in caplog.records)
    still_answers(authed(fs))


@pytest.mark.parametrize(
    "raw",
    [
        b"api st\xffatus\n\n",
        b"\xff\xfe\xfd\n\n",
        b"\x00\n\n",
        b"api status\x00\n\n",
        b"api strftime %Y\x00%m\n\n",
        b"event plain \x00ALL\xc3\n\n",
        b"sendmsg \x00\ncall-command: execute\n\n",
        b"filter \xff \x00\n\n",
        b"api status\nContent-Length: 3\n\n\x00\xff\xfe",
    ],
)
def test_nul_and_non_utf8_bytes_get_an_answer_and_keep_the_connection(fs, raw):
    c = authed(fs)
    c.sock.sendall(raw)
    reply = c.reply()
    assert reply.content_type in ("api/response", "command/reply")
    still_answers(c)
    c.close()


def test_strftime_format_ends_at_a_nul_as_in_c(fs):
    c = authed(fs)
    assert c.command("api strftime abc\x00%Y").text == "abc"
    c.close()


def test_a_command_that_fails_answers_err_and_keeps_the_connection(fs, monkeypatch, caplog):
    def broken(*_: object) -> None:
        raise RuntimeError("a bug in one command")

    monkeypatch.setitem(COMMANDS, "broken", broken)  # fault injection: a simulator bug
    c = authed(fs)
    assert c.command("broken now").reply_text == "-ERR command not found"
    assert any("esl command failed" in r.getMessage() for r in caplog.records)
    still_answers(c)
    c.close()


_WORDS = ["api", "bgapi", "event", "linger", "filter", "sendmsg", "myevents", "log", "getvar"]
_NASTY = [
    "\u00b2", "\u0665", "\x00", "\ufffd", "-1", "9" * 30, "${x}", "{a=b}", "%", ":", ": ",
    "Content-Length: \u00b2", "Content-Length: -1", "status", "strftime", "plain",
    "json", "ALL", "delete", "00000000-0000-0000-0000-000000000000", "\r", "\t",
]  # fmt: skip


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    word=st.sampled_from(_WORDS),
    parts=st.lists(st.sampled_from(_NASTY) | st.text(max_size=8), max_size=5),
    header_lines=st.lists(st.sampled_from(_NASTY) | st.text(max_size=12), max_size=3),
)
def test_fuzzed_commands_never_end_the_connection(fs, word, parts, header_lines):
    c = authed(fs)
    try:
        head = "\n".join([" ".join([word, *parts]), *header_lines]).strip("\n")
        while "\n\n" in head:  # one command, not several
            head = head.replace("\n\n", "\n")
        c.sock.sendall(head.encode() + b"\n\n")
        c.reply()
        still_answers(c)
    finally:
        c.close()


@pytest.mark.parametrize(
    ("app", "arg"), [("sleep", "\u00b2"), ("playback", "silence_stream://\u00b2")]
)
def test_app_argument_with_superscript_digits_does_not_crash_the_call(fs, app, arg):
    c = authed(fs)
    c.command("event plain ALL")
    call = fs.place_call("13800138000", "6000")
    c.event("CHANNEL_PARK", timeout=5)
    reply = c.command(
        f"sendmsg {call.uuid}\ncall-command: execute\nexecute-app-name: {app}\n"
        f"execute-app-arg: {arg}"
    )
    assert reply.reply_text == "+OK"
    c.event("CHANNEL_EXECUTE", timeout=5, Application=app)
    gevent.sleep(0.3)
    assert fs.channel(call.uuid) is not None  # the call is still up
    assert not any(e.name == "CHANNEL_HANGUP" for e in c.events())
    call.hangup()
    c.event("CHANNEL_HANGUP_COMPLETE", timeout=5)
    c.close()
