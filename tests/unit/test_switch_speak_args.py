"""speak_args: what FreeSWITCH's speak app says for our argument, through a port of its
variable expansion and mod_dptools' speak_function (tests/support/freeswitch_parsers.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callcenter.switch import commands as c
from tests.support.freeswitch_parsers import fs_expand, fs_speak


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
