"""ESL command handling (auth, event, filter, api, bgapi, sendmsg, linger, exit ...)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import gevent

from callcenter.sim.channel import new_uuid
from callcenter.sim.esl import GOODBYE
from callcenter.sim.numbers import ascii_int
from callcenter.switch.encode import encode_frame

if TYPE_CHECKING:
    from callcenter.sim.esl import EslConnection

MAX_LINGER = 365 * 86400  # seconds; a longer linger time lingers forever


def handle(
    conn: EslConnection, cmd: str, headers: list[tuple[str, str]], body: str, raw: bytes
) -> None:
    """Execute one client command and write its reply."""
    word, _, rest = cmd.partition(" ")
    word = word.lower()
    rest = rest.strip()
    if not conn.authed:
        if word == "auth":
            if rest == conn.switch.password:
                conn.authed = True
                conn.reply("+OK accepted")
            else:
                conn.reply("-ERR invalid")
                conn.notice([], GOODBYE)
                conn.close()
            return
        conn.reply("-ERR invalid")
        conn.notice([], GOODBYE)
        conn.close()
        return
    func = COMMANDS.get(word)
    if func is None:
        conn.reply("-ERR command not found")
        return
    func(conn, rest, headers, body, raw)


def _event(conn: EslConnection, rest: str, *_: object) -> None:
    words = rest.split()
    fmt = "plain"
    if words and words[0].lower() in ("plain", "json", "xml"):
        fmt = words.pop(0).lower()
    conn.fmt = fmt
    custom = False
    for w in words:
        if w.upper() == "ALL":
            conn.all_events = True
        elif w.upper() == "CUSTOM":
            custom = True
            conn.names.add("CUSTOM")
        elif custom:
            conn.custom.add(w)
        else:
            conn.names.add(w.upper())
    conn.events_on = True
    conn.switch.hear(conn)
    conn.reply(f"+OK event listener enabled {fmt}")


def _noevents(conn: EslConnection, *_: object) -> None:
    conn.events_on = False
    conn.switch.hear(conn)
    conn.all_events = False
    conn.names.clear()
    conn.custom.clear()
    conn.queue.clear()
    conn.reply("+OK no longer listening for events")


def _nixevent(conn: EslConnection, rest: str, *_: object) -> None:
    for w in rest.split():
        if w.upper() == "ALL":
            conn.all_events = False
            conn.names.clear()
            conn.custom.clear()
        else:
            conn.names.discard(w.upper())
            conn.custom.discard(w)
    conn.reply("+OK events nixed")


def _filter(conn: EslConnection, rest: str, *_: object) -> None:
    words = rest.split(None, 2)
    if words and words[0].lower() == "delete":
        header = words[1] if len(words) > 1 else ""
        value = words[2] if len(words) > 2 else ""
        if header.lower() == "all" or not header:
            conn.filters.clear()
            conn.reply("+OK filter deleted. [all][]")
        else:
            conn.filters = [
                (h, v) for h, v in conn.filters if not (h == header and (not value or v == value))
            ]
            conn.reply(f"+OK filter deleted. [{header}][{value}]")
        return
    if len(words) < 2:
        conn.reply("-ERR invalid syntax")
        return
    header, value = words[0], rest.split(None, 1)[1]
    conn.filters.append((header, value))
    conn.reply(f"+OK filter added. [{header}]=[{value}]")


def _api(conn: EslConnection, rest: str, headers: list[tuple[str, str]], *_: object) -> None:
    sw = conn.switch
    name, _, arg = rest.partition(" ")
    conn.hold()
    try:
        out = sw.api.execute(name, arg.strip(), conn)
        conn.api_response(out)
    finally:
        conn.release_hold()


def _bgapi(conn: EslConnection, rest: str, headers: list[tuple[str, str]], *_: object) -> None:
    sw = conn.switch
    job = dict(headers).get("Job-UUID") or new_uuid()
    name, _, arg = rest.partition(" ")
    arg = arg.strip()
    conn.reply(f"+OK Job-UUID: {job}", [("Job-UUID", job)])

    def run() -> None:
        out = sw.api.execute(name, arg, None)
        pre = {"Job-UUID": job, "Job-Command": name, "Job-Command-Arg": arg or None}
        ev = sw.events.build("BACKGROUND_JOB", pre=pre, body=out)
        sw.dispatch(ev)

    gevent.spawn(run)


def _sendmsg(
    conn: EslConnection, rest: str, headers: list[tuple[str, str]], body: str, raw: bytes
) -> None:
    sw = conn.switch
    uuid = rest.split()[0] if rest else (conn.channel.uuid if conn.channel else "")
    ch = sw.channels.get(uuid)
    if ch is None:
        if conn.channel is not None and uuid == conn.channel.uuid:
            conn.reply("+OK")  # the session is gone (linger): accepted, nothing runs
            return
        conn.reply(f"-ERR invalid session id [{uuid}]")
        return
    conn.reply("+OK")
    if not ch.up:
        return
    text = raw.decode("utf-8", "replace") + "\n\n" + body
    msg = {k.lower(): v for k, v in headers}
    msg["_lead"] = [("Command", text), *headers]  # type: ignore[assignment]
    if body:
        msg["_body"] = body
    sw.deliver_message(ch, msg)


def _myevents(conn: EslConnection, rest: str, *_: object) -> None:
    words = rest.split()
    uuid = None
    fmt = "plain"
    for w in words:
        if w.lower() in ("plain", "json", "xml"):
            fmt = w.lower()
        else:
            uuid = w
    if uuid is None and conn.channel is not None:
        uuid = conn.channel.uuid
    if uuid is None:
        conn.reply("-ERR invalid syntax")
        return
    conn.switch.follow(conn, uuid)
    conn.myevents = uuid
    conn.fmt = fmt
    conn.all_events = True
    conn.events_on = True
    conn.switch.hear(conn)
    conn.reply("+OK Events Enabled")


def _linger(conn: EslConnection, rest: str, *_: object) -> None:
    seconds = ascii_int(rest, signed=True) or 0
    if 0 < seconds <= MAX_LINGER:
        conn.linger = seconds
        conn.reply(f"+OK will linger {conn.linger} seconds")
    else:
        conn.linger = -1
        conn.reply("+OK will linger")


def _nolinger(conn: EslConnection, *_: object) -> None:
    conn.linger = None
    conn.reply("+OK will not linger")


def _connect(conn: EslConnection, *_: object) -> None:
    ch = conn.channel
    if ch is None:
        conn.reply("-ERR command not found")
        return
    pairs = conn.switch.channel_data(ch)
    pairs += [
        ("Content-Type", "command/reply"),
        ("Reply-Text", "%2BOK%0A"),
        ("Socket-Mode", "async" if ch.ctx.get("_socket_async") else "static"),
        ("Control", "full" if ch.ctx.get("_socket_full") else "single-channel"),
    ]
    conn.send(encode_frame(pairs))
    conn.connected.set()
    sw = conn.switch  # the longest wait for the client's connect (a benchmark's figure)
    sw.connect_wait_max = max(sw.connect_wait_max, time.monotonic() - conn.opened)


def _getvar(conn: EslConnection, rest: str, *_: object) -> None:
    ch = conn.channel
    conn.reply((ch.vars.get(rest.strip(), "") if ch else "") or "")


def _exit(conn: EslConnection, *_: object) -> None:
    conn.goodbye()


def _resume(conn: EslConnection, *_: object) -> None:
    """LFLAG_RESUME: when the socket closes, the session goes on with its dialplan."""
    conn.resume = True
    conn.reply("+OK")


def _simple(text: str):  # noqa: ANN202 - tiny reply factory
    def reply(conn: EslConnection, *_: object) -> None:
        conn.reply(text)

    return reply


def _log(conn: EslConnection, rest: str, *_: object) -> None:
    level = rest.strip() or "debug"
    conn.reply(f"+OK log level {level} [7]")


COMMANDS = {
    "event": _event,
    "noevents": _noevents,
    "nixevent": _nixevent,
    "filter": _filter,
    "api": _api,
    "bgapi": _bgapi,
    "sendmsg": _sendmsg,
    "myevents": _myevents,
    "linger": _linger,
    "nolinger": _nolinger,
    "connect": _connect,
    "getvar": _getvar,
    "exit": _exit,
    "log": _log,
    "nolog": _simple("+OK no longer logging"),
    "divert_events": _simple("+OK events diverted"),
    "resume": _resume,
}
