"""A Python port of FreeSWITCH's own parsers of api and app arguments, to check our escaping.

``fs_*`` follow switch_utils.c (``switch_separate_string``, ``cleanup_separated_string``),
switch_event.c (``switch_event_create_brackets``), mod_commands' originate, the channel's
variable expansion of application arguments and mod_dptools' ``speak_function``.
"""

from __future__ import annotations

__all__ = [
    "ESC",
    "fs_cleanup",
    "fs_expand",
    "fs_find_end_paren",
    "fs_originate",
    "fs_speak",
    "fs_split_blank",
    "fs_split_char",
]

# -- api arguments: the space split, the {...} block, name=value ------------------------------

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


# -- app arguments: the channel's variable expansion, then mod_dptools' speak_function -----


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
