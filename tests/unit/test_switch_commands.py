"""Command builders: exact text against the recorded commands, and escaping checked by a
Python port of FreeSWITCH's own argument parsers (tests/support/freeswitch_parsers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.switch import commands as c
from callcenter.switch.escaping import braces_balanced
from tests.support.freeswitch_parsers import fs_originate, fs_split_blank
from tests.support.trace_replay import load_trace

# -- exact text of the recorded commands ------------------------------------------------------


def recorded(name: str) -> list[str]:
    return [r.raw.split("\n")[0] for r in load_trace(name) if r.dir == "send"]


def test_originate_matches_the_recorded_commands() -> None:
    s03 = recorded("S03-inbound")
    built = c.originate(
        c.user_endpoint("1000", "127.0.0.1"),
        variables={
            "origination_uuid": "fd669dca-feb0-4148-ab4c-89685485a4ad",
            "origination_caller_id_number": "13800138000",
            "ignore_early_media": True,
            "call_timeout": 15,
        },
    )
    assert "bgapi " + built in s03
    s05b = recorded("S05b-inbound")
    consult = c.originate(
        "user/1001@127.0.0.1",
        variables={
            "origination_uuid": "e150512f-cdd6-45ab-bf4e-bf1230dddb99",
            "origination_caller_id_number": "1000",
            "ignore_early_media": "true",
            "call_timeout": "15",
            "origination_caller_id_name": "Agent 1000",
        },
    )
    assert "bgapi " + consult in s05b  # the quoted form that worked on real FreeSWITCH
    spy = c.originate(
        "user/1002@127.0.0.1",
        variables={
            "origination_uuid": "331e8974-962e-4bd0-9b8a-f080241cdb61",
            "origination_caller_id_number": "1002",
            "ignore_early_media": "true",
            "call_timeout": "15",
        },
        app="eavesdrop",
        app_arg=c.eavesdrop_arg("d5519555-8d86-489a-a543-acb07fefb343"),
    )
    assert "bgapi " + spy in s05b
    click = c.originate(
        "user/1000@127.0.0.1",
        variables={"origination_caller_id_number": "4000"},
        app="bridge",
        app_arg="sofia/internal/13900139000@127.0.0.1:5090",
    )
    assert "bgapi " + click in recorded("S07-inbound")


def test_channel_commands_match_the_recorded_commands() -> None:
    caller, agent = "6504b07d-32dd-4917-ba5f-85a06a5464db", "fd669dca-feb0-4148-ab4c-89685485a4ad"
    s03 = recorded("S03-inbound")
    for built in (
        c.uuid_break(caller),
        c.uuid_setvar(caller, "RECORD_STEREO", True),
        c.uuid_record(caller, "start", "/tmp/trace-rec.wav"),
        c.uuid_record(caller, "stop", "/tmp/trace-rec.wav"),
        c.uuid_bridge(caller, agent),
        c.show_channels(),
        c.show_calls(),
    ):
        assert "api " + built in s03, built
    s05a = recorded("S05a-inbound")
    caller5a, agent5a = s05a[4].split()[2:4]
    assert "api " + c.uuid_hold(agent5a) in s05a
    assert "api " + c.uuid_hold(agent5a, "off") in s05a
    assert "api " + c.uuid_transfer(caller5a, "9197", "XML", "public") in s05a
    s05c = recorded("S05c-inbound")
    caller5c = "75c8cd3a-9ca3-4aa5-8e60-ffb754c57206"
    consult5c = "d470edf3-b946-4fc1-869c-e957c5b47687"
    dest = "conference:3way-test@default"
    assert "api " + c.uuid_transfer(caller5c, dest, "inline", leg="-both") in s05c
    assert "api " + c.uuid_transfer(consult5c, dest, "inline") in s05c
    assert "api " + c.conference("3way-test", "list") in s05c
    assert "api " + c.conference("3way-test", "json_list") in s05c
    assert "api " + c.sofia_contact("1000", "127.0.0.1") in recorded("S00-inbound")
    s02 = recorded("S06-outbound")
    assert "api " + c.uuid_getvar("1b0a6a63-2ef6-4e4c-a6cb-f47b561e570f", "uuid") in s02


def test_play_and_get_digits_arg_matches_s02() -> None:
    arg = c.play_and_get_digits_arg(
        "tone_stream://%(1000,0,350,440)",
        var_name="ivr_choice",
        tries=3,
        timeout_ms=5000,
        regexp=r"\d",
        digit_timeout_ms=2000,
    )
    sent = [r.raw for r in load_trace("S02-outbound") if "play_and_get_digits" in r.raw][0]
    assert f"execute-app-arg: {arg}\n" in sent


def test_small_builders() -> None:
    u = "0f0e0d0c-0000-4000-8000-000000000001"
    assert c.uuid_break(u, all_queued=True) == f"uuid_break {u} all"
    assert c.uuid_kill(u) == f"uuid_kill {u}"
    assert c.uuid_kill(u, "USER_BUSY") == f"uuid_kill {u} USER_BUSY"
    assert c.uuid_hold(u, "toggle") == f"uuid_hold toggle {u}"
    assert c.uuid_record(u, "mask", "/r/a.wav") == f"uuid_record {u} mask /r/a.wav"
    assert c.uuid_record(u, "unmask", "/r/a.wav") == f"uuid_record {u} unmask /r/a.wav"
    assert c.uuid_record(u, "start", "/r/my call.wav", 3600) == (
        f"uuid_record {u} start /r/my\\scall.wav 3600"
    )
    assert c.uuid_transfer(u, "1001", leg="-bleg") == f"uuid_transfer {u} -bleg 1001"
    assert c.uuid_setvar(u, "x") == f"uuid_setvar {u} x"
    assert c.uuid_setvar_multi(u, {"a": "1", "b": "x;y"}) == f"uuid_setvar_multi {u} a=1;b=x\\;y"
    assert c.uuid_send_dtmf(u, "12#", 200) == f"uuid_send_dtmf {u} 12#@200"
    assert c.conference("room", "kick", 7) == "conference room kick 7"
    assert c.originate("user/1000@d", exten="9196", dialplan="XML", context="public") == (
        "originate user/1000@d 9196 XML public"
    )
    assert (
        c.originate("user/1000@d", cid_num="4000")
        == "originate user/1000@d &park() undef undef undef 4000"
    )
    assert c.parse_show_json('{"row_count": 0}\n') == []
    assert c.eavesdrop_variables(whisper_bleg=True)["eavesdrop_whisper_bleg"] == "true"


@pytest.mark.parametrize(
    "build",
    [
        lambda: c.originate("user/1000@d", variables={"x": "a\nb"}),
        lambda: c.originate("user/1000@d", app="playback", app_arg="x\r\nevent plain ALL"),
        lambda: c.uuid_setvar("u", "v", "1\n\nexit"),
        lambda: c.uuid_record("u", "start", "/tmp/x\n.wav"),
        lambda: c.uuid_transfer("u", "1000\nexit"),
        lambda: c.uuid_kill("u\n", "x"),
        lambda: c.uuid_setvar_multi("u", {"a": "\n"}),
        lambda: c.conference("room", "say", "hi\nthere"),
        lambda: c.uuid_bridge("a b", "c"),
        lambda: c.sofia_contact("1000\n", "d"),
        lambda: c.esl_arg("x\ny"),
    ],
)
def test_newlines_and_split_words_are_refused(build) -> None:
    with pytest.raises(ValueError):
        build()


def test_unrepresentable_values_are_refused() -> None:
    with pytest.raises(ValueError, match="unbalanced brace"):
        c.originate("user/1000@d", variables={"x": "a}b"})
    with pytest.raises(ValueError):
        c.originate("user/1000@d", variables={"bad name": "1"})
    with pytest.raises(ValueError):
        c.originate("user/1000@d", app="playback", app_arg="tone_stream://%(1,0,440)")
    with pytest.raises(ValueError):
        c.uuid_send_dtmf("u", "12x")


# -- escaping, through the ported parser ------------------------------------------------------

NASTY = [
    "Agent 1000",
    "a,b",
    "Smith, John",
    "O'Brien",
    "it's Bob's",
    'say "hi"',
    " lead",
    "trail ",
    "  both  ",
    "back\\slash",
    "ends with \\",
    "\\n is not a newline",
    "{balanced}",
    "a=b=c",
    "^^:x",
    "100%",
    "tab\there",
    "\\'",
    "",
    "'",
    "a, 'b', c",
]


@pytest.mark.parametrize("value", NASTY)
def test_originate_variables_survive_freeswitch_parsing(value: str) -> None:
    variables = {"v1": value, "origination_caller_id_name": value, "plain": "x"}
    command = c.originate("user/1000@127.0.0.1", variables=variables)
    parsed = fs_originate(command)
    assert parsed["dial"] == "user/1000@127.0.0.1"
    assert parsed["target"] == "&park()"
    assert parsed["variables"] == variables


@pytest.mark.parametrize("value", [v for v in NASTY if v])
def test_plain_arguments_survive_the_space_split(value: str) -> None:
    text = f"uuid_record u start {c.esl_arg(value)} 10"
    assert fs_split_blank(text.partition(" ")[2]) == ["u", "start", value, "10"]


_text = st.text(alphabet=st.sampled_from(list("ab ,'\"\\=;{}^%ns\t")), max_size=12).filter(
    lambda v: braces_balanced(v)
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.dictionaries(st.sampled_from(["a", "b_1", "x.y", "k-2"]), _text, max_size=4))
def test_any_variables_survive_freeswitch_parsing(variables: dict[str, str]) -> None:
    command = c.originate("user/1000@d", variables=variables, app="bridge", app_arg="a b")
    parsed = fs_originate(command)
    assert parsed["variables"] == variables
    assert parsed["target"] == "&bridge(a b)"


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,'\"\\;=ns")), min_size=1, max_size=12))
def test_any_argument_survives_the_space_split(value: str) -> None:
    assert fs_split_blank(f"x {c.esl_arg(value)} y") == ["x", value, "y"]


def test_the_port_reads_the_recorded_originates_like_freeswitch_did() -> None:
    (command,) = [line for line in recorded("S05b-inbound") if "Agent" in line]
    parsed = fs_originate(command.removeprefix("bgapi "))
    assert parsed["variables"]["origination_caller_id_name"] == "Agent 1000"  # per the SIP From
    assert parsed["dial"] == "user/1001@127.0.0.1" and parsed["target"] == "&park()"


def test_user_endpoint_with_and_without_domain() -> None:
    from callcenter.switch.commands import user_endpoint

    assert user_endpoint("1000", "127.0.0.1") == "user/1000@127.0.0.1"
    assert user_endpoint("1000") == "user/1000"
    with pytest.raises(ValueError):
        user_endpoint("10 00")
