"""Command builders: exact text against the recorded commands, and escaping checked by a
Python port of FreeSWITCH's own argument parsers (switch_utils.c / switch_event.c)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.switch import commands as c
from callcenter.switch.escaping import braces_balanced
from tests.support.trace_replay import load_trace

# -- a port of the FreeSWITCH parsers the api arguments go through -----------------------------

ESC = "\\"


def _unescape_char(ch: str) -> str:
    return {"n": "\n", "r": "\r", "t": "\t", "s": " "}.get(ch, ch)


def fs_cleanup(s: str, delim: str | None) -> str:
    """cleanup_separated_string()."""
    i = 0
    while i < len(s) and s[i] == " ":
        i += 1
    dest: list[str] = []
    end = None
    inside = False
    while i < len(s):
        ch = s[i]
        escaped = False
        if ch == ESC and i + 1 < len(s):
            e = s[i + 1]
            if e in "'\"" or (delim and e == delim) or e == ESC or _unescape_char(e) != e:
                i += 1
                dest.append(_unescape_char(e) if e not in "'\"\\" and e != delim else e)
                end = len(dest)
                escaped = True
        if not escaped:
            if ch == "'" and (inside or "'" in s[i + 1 :]):
                inside = not inside
                if inside:
                    end = len(dest)
            else:
                dest.append(ch)
                if ch != " " or inside:
                    end = len(dest)
        i += 1
    return "".join(dest[:end] if end is not None else dest)


def fs_split_blank(s: str, arraylen: int = 1024) -> list[str]:
    """separate_string_blank_delim(): split on unquoted, unescaped spaces."""
    starts: list[int] = []
    ends: dict[int, int] = {}
    i, inside, state = 0, False, "START"
    while i < len(s):
        if state == "START":
            starts.append(i)
            if len(starts) == arraylen:  # the last one takes the rest of the string
                break
            state = "SKIP_INITIAL"
        elif state == "SKIP_INITIAL":
            if s[i] == " ":
                i += 1
            else:
                state = "FIND"
        elif state == "FIND":
            if s[i] == ESC:
                assert i + 1 < len(s), "a trailing backslash makes FreeSWITCH read past the end"
                i += 1
            elif s[i] == "'":
                inside = not inside
            elif s[i] == " " and not inside:
                ends[len(starts) - 1] = i
                state = "SKIP_END"
            i += 1
        else:  # SKIP_END
            if s[i] == " ":
                i += 1
            else:
                state = "START"
    parts = [s[start : ends.get(k, len(s))] for k, start in enumerate(starts)]
    return [fs_cleanup(part, None) for part in parts]


def fs_split_char(s: str, delim: str, arraylen: int = 1024) -> list[str]:
    """switch_separate_string() with a character delimiter (``^^<c>`` switches it)."""
    if s.startswith("^^") and len(s) >= 4:
        delim, s = s[2], s[3:]
    starts: list[int] = []
    ends: dict[int, int] = {}
    i, inside, state = 0, False, "START"
    while i < len(s):
        if state == "START":
            starts.append(i)
            if len(starts) == arraylen:  # the last one takes the rest of the string
                break
            state = "FIND"
            continue
        ch = s[i]
        if ch == ESC:
            assert i + 1 < len(s), "a trailing backslash makes FreeSWITCH read past the end"
            i += 1
        elif ch == "'" and (inside or "'" in s[i + 1 :]):
            inside = not inside
        elif ch == delim and not inside:
            ends[len(starts) - 1] = i
            state = "START"
        i += 1
    parts = [s[start : ends.get(k, len(s))] for k, start in enumerate(starts)]
    return [fs_cleanup(part, delim) for part in parts]


def fs_find_end_paren(s: str, open_: str, close: str) -> int:
    depth = 0
    for i, ch in enumerate(s):
        if ch == open_:
            depth += 1
        elif ch == close:
            depth -= 1
            if depth == 0:
                return i
    raise AssertionError("no matching brace")


def fs_originate(command: str) -> dict[str, object]:
    """What mod_commands' originate and switch_ivr_originate make of our command."""
    name, _, rest = command.partition(" ")
    assert name == "originate"
    argv = fs_split_blank(rest, 10)
    dial = argv[0]
    variables: dict[str, str] = {}
    if dial.startswith("{"):
        end = fs_find_end_paren(dial, "{", "}")
        inner, dial = dial[1:end], dial[end + 1 :]
        for item in fs_split_char(inner, ","):
            pair = fs_split_char(item, "=", 2)
            if len(pair) == 2:
                variables[pair[0]] = pair[1]
    return {"dial": dial, "variables": variables, "target": argv[1], "rest": argv[2:]}


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


# -- speak: FreeSWITCH's app-argument expansion, then mod_dptools' speak_function -------------


def fs_has_escaped_data(s: str) -> bool:
    """switch_string_has_escaped_data()."""
    return any(ch == ESC and s[i + 1 : i + 2] in ("\\", "n", "s", "t", "'") for i, ch in
               enumerate(s))  # fmt: skip


def fs_var_check_const(s: str) -> bool:
    """switch_string_var_check_const(): '$', any backslashes, then '{'."""
    dollar = False
    for ch in s:
        if ch == "$":
            dollar = True
        elif dollar:
            if ch == "{":
                return True
            if ch != ESC:
                dollar = False
    return False


def fs_expand(s: str) -> str:
    """switch_channel_expand_variables_check() on an application argument, for text that must
    expand no variable (asserted): only its escape handling."""
    if not (fs_var_check_const(s) or fs_has_escaped_data(s)):
        return s
    out: list[str] = []
    p = 0
    while p < len(s):
        literal = False
        if s[p] == ESC:
            following = s[p + 1 : p + 2]
            if following == "$":
                literal = True
                p += 1
                if s[p + 1 : p + 2] == "$":
                    p += 1
            elif following == "'":
                p += 2  # both dropped
                continue
            elif following == ESC:
                out.append(ESC)
                p += 2
                continue
        if s[p] == "$" and not literal:
            nxt = s[p + 1 : p + 2]
            if nxt == "$":
                nxt = s[p + 2 : p + 3]
            assert nxt != "{", f"FreeSWITCH would expand a variable in {s!r}"
        out.append(s[p])
        p += 1
    return "".join(out)


def fs_speak(data: str) -> tuple[str, str, str]:
    """speak_function(): engine and voice from the '|' split (3 parts), the text unstripped
    from the original data where the third part starts (after its leading spaces)."""
    first = data.index("|")
    second = data.index("|", first + 1)
    engine, voice, _ = fs_split_char(data, "|", 3)
    start = second + 1
    while data[start : start + 1] == " ":
        start += 1
    return engine, voice, data[start:]


def spoken(arg: str) -> tuple[str, str, str]:
    """What FreeSWITCH's speak app says for an argument sent by sendmsg."""
    return fs_speak(fs_expand(arg))


def test_speak_args_format_and_plain_text_unchanged() -> None:
    assert c.speak_args("flite", "kal", "Welcome back, Ann Lee.") == (
        "flite|kal|Welcome back, Ann Lee."
    )
    assert c.speak_args("tts_commandline", "zh-CN.x", "  您好 | 欢迎  ") == (
        "tts_commandline|zh-CN.x|您好 | 欢迎"
    )
    assert c.speak_args("flite", "kal", "It costs $5, O'Brien") == (
        "flite|kal|It costs $5, O'Brien"
    )  # nothing FreeSWITCH would expand: sent as written
    arg = c.speak_args("flite", "kal", "C:\\new costs $5")  # '\\n' would be expanded
    assert arg == "flite|kal|C:\\\\new costs \\$5"
    assert spoken(arg) == ("flite", "kal", "C:\\new costs $5")


def test_speak_args_keep_variables_and_api_calls_from_being_expanded() -> None:
    arg = c.speak_args("flite", "kal", "Hello ${system(rm -rf /)} and ${caller_id_name}")
    assert arg == "flite|kal|Hello \\${system(rm -rf /)} and \\${caller_id_name}"
    assert spoken(arg) == ("flite", "kal", "Hello ${system(rm -rf /)} and ${caller_id_name}")


@pytest.mark.parametrize(
    "build",
    [
        lambda: c.speak_args("flite", "kal", ""),
        lambda: c.speak_args("flite", "kal", "   "),
        lambda: c.speak_args("flite", "kal", "two\nlines"),
        lambda: c.speak_args("fl|ite", "kal", "x"),
        lambda: c.speak_args("flite", "k al", "x"),
        lambda: c.speak_args("flite", "", "x"),
        lambda: c.speak_args("flite", "ka'l", "x"),
    ],
)
def test_speak_args_refuse_what_speak_cannot_carry(build) -> None:
    with pytest.raises(ValueError):
        build()


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.text(alphabet=st.sampled_from(list("a $${}\\'\"|nst%")), min_size=1, max_size=14))
def test_any_text_is_spoken_as_written(text: str) -> None:
    if not text.strip():
        return
    assert spoken(c.speak_args("flite", "slt", text)) == ("flite", "slt", text.strip())
