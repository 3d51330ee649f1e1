"""The api commands (``api X`` / ``bgapi X``) with FreeSWITCH's replies and error strings."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from callcenter.sim.channel import Channel

if TYPE_CHECKING:
    from callcenter.sim.switch import Switch

NO_CHANNEL = "-ERR No such channel!\n"
VERSION = "FreeSWITCH Version 1.10.12-release~64bit (-release 64bit)"

ApiFunc = Callable[["Api", str, Any], str]
REGISTRY: dict[str, ApiFunc] = {}


def api(name: str) -> Callable[[ApiFunc], ApiFunc]:
    """Register an api command."""

    def deco(func: ApiFunc) -> ApiFunc:
        REGISTRY[name] = func
        return func

    return deco


class Api:
    """Dispatches api commands; every call fires the API event after it ran."""

    def __init__(self, switch: Switch) -> None:
        self.switch = switch

    def execute(self, name: str, arg: str, conn: Any) -> str:
        """Run one api command and return its output (the api/response body)."""
        func = REGISTRY.get(name)
        if func is None:
            out = f"-ERR {name} Command not found!\n"
        else:
            try:
                out = func(self, arg, conn)
            except (NotImplementedError, ImportError):  # loud, never a silent success
                self.switch.log.error("api %s: not simulated yet", name)
                out = f"-ERR {name} is not simulated yet\n"
        self.switch.fire_api_event(name, arg)
        return out

    def channel(self, uuid: str) -> Channel | None:
        """A live channel (switch_core_session_locate)."""
        return self.switch.channel(uuid)

    def uptime(self) -> tuple[str, int]:
        """The ``UP ...`` text of status/HEARTBEAT and the uptime in ms."""
        up = max(time.time() - self.switch.started_at, 0)
        ms = int(up * 1000)
        us = int(up * 1_000_000) % 1000
        d, rem = divmod(int(up), 86400)
        y, d = divmod(d, 365)
        h, rem = divmod(rem, 3600)
        m, s = divmod(rem, 60)
        text = (
            f"{y} years, {d} days, {h} hours, {m} minutes, {s} seconds, "
            f"{ms % 1000} milliseconds, {us} microseconds"
        )
        return text, ms

    def heartbeat_headers(self) -> dict[str, str | None]:
        """The HEARTBEAT event's own headers."""
        text, ms = self.uptime()
        count = len(self.switch.channels)
        return {
            "Event-Info": "System Ready",
            "Up-Time": text,
            "FreeSWITCH-Version": "1.10.12-release~64bit",
            "Uptime-msec": str(ms),
            "Session-Count": str(count),
            "Max-Sessions": "1000",
            "Session-Per-Sec": "30",
            "Session-Per-Sec-Last": "0",
            "Session-Per-Sec-Max": "2",
            "Session-Per-Sec-FiveMin": "0",
            "Session-Since-Startup": str(self.switch.sessions_since_start),
            "Session-Peak-Max": str(count),
            "Session-Peak-FiveMin": str(count),
            "Idle-CPU": "98.000000",
        }


@api("status")
def _status(a: Api, arg: str, conn: Any) -> str:
    text, _ = a.uptime()
    sw = a.switch
    count = len(sw.channels)
    return (
        f"UP {text}\n"
        "FreeSWITCH (Version 1.10.12-release  64bit) is ready\n"
        f"{sw.sessions_since_start} session(s) since startup\n"
        f"{count} session(s) - peak {count}, last 5min {count} \n"
        "0 session(s) per Sec out of max 30, peak 2, last 5min 0 \n"
        "1000 session(s) max\n"
        "min idle cpu 0.00/98.00\n"
        "Current Stack Size/Max 240K/8192K\n"
    )


@api("version")
def _version(a: Api, arg: str, conn: Any) -> str:
    return VERSION + "\n"


@api("strftime")
def _strftime(a: Api, arg: str, conn: Any) -> str:
    fmt = arg.partition("\x00")[0] or "%Y-%m-%d %T"  # a C string ends at its first NUL
    return time.strftime(fmt.replace("%T", "%H:%M:%S"), time.gmtime(a.switch.clock.now()))


@api("show")
def _show(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.coredb import show

    return show(a.switch, arg)


@api("uuid_kill")
def _uuid_kill(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.session import hangup

    words = arg.split()
    if not words:
        return "-USAGE: <uuid> [cause]\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    hangup(ch, words[1] if len(words) > 1 else "NORMAL_CLEARING")
    return "+OK\n"


@api("uuid_exists")
def _uuid_exists(a: Api, arg: str, conn: Any) -> str:
    return "true" if a.channel(arg.strip()) else "false"


@api("uuid_getvar")
def _uuid_getvar(a: Api, arg: str, conn: Any) -> str:
    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> <var>\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    value = ch.vars.get(words[1])
    return "_undef_" if value is None else value


@api("uuid_setvar")
def _uuid_setvar(a: Api, arg: str, conn: Any) -> str:
    words = arg.split(None, 2)
    if len(words) < 2:
        return "-USAGE: <uuid> <var> [value]\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    ch.set_var(words[1], words[2] if len(words) > 2 else None)
    return "+OK\n"


@api("uuid_setvar_multi")
def _uuid_setvar_multi(a: Api, arg: str, conn: Any) -> str:
    """``<uuid> <var>=<value>;<var>=<value>...`` (mod_commands; a ``\\;`` stays in a value)."""
    words = arg.split(None, 1)
    if len(words) < 2:
        return "-USAGE: <uuid> <var>=<value>;<var>=<value>...\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    for item in re.split(r"(?<!\\);", words[1]):
        name, _sep, value = item.partition("=")
        if name:  # no value (or none after '='): unset, as switch_channel_set_variable does
            ch.set_var(name, value.replace("\\;", ";") or None)
    return "+OK\n"


@api("uuid_break")
def _uuid_break(a: Api, arg: str, conn: Any) -> str:
    words = arg.split()
    if not words:
        return "-USAGE: <uuid> [all]\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    if len(words) > 1 and words[1] == "all":
        ch.inbox.clear()  # switch_core_session_flush_private_events: queued apps go too
    ch.break_flag = True
    ch.poke()
    return "+OK\n"


@api("uuid_bridge")
def _uuid_bridge(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.bridge import uuid_bridge

    words = arg.split()
    if len(words) != 2:
        return "-USAGE: <uuid> <other_uuid>\n"
    a_leg, b_leg = a.channel(words[0]), a.channel(words[1])
    if a_leg is None or b_leg is None:
        return f"-ERR Invalid uuid {words[0] if a_leg is None else words[1]}\n"
    uuid_bridge(a_leg, b_leg)
    return f"+OK {b_leg.uuid}\n"


@api("uuid_record")
def _uuid_record(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.media import record_mask, record_start, record_stop

    words = arg.split()
    if len(words) < 3:
        return "-USAGE: <uuid> [start|stop|mask|unmask] <path> [<limit>] [<recording_vars>]\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    if words[1] == "start":
        record_start(ch, words[2])
        return "+OK Success\n"
    if words[1] == "stop":
        return "+OK Success\n" if record_stop(ch, words[2]) else "-ERR Cannot Stop Recording\n"
    if words[1] in ("mask", "unmask"):
        # Not in the captures: reply strings as mod_commands writes them.
        if record_mask(ch, words[2], words[1] == "mask"):
            return "+OK Success\n"
        return f"-ERR Cannot {words[1].capitalize()} Recording\n"
    return "-ERR Unsupported action\n"


@api("uuid_hold")
def _uuid_hold(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.hold import hold

    words = arg.split()
    off = bool(words) and words[0] in ("off", "toggle")
    toggle = bool(words) and words[0] == "toggle"
    if off:
        words = words[1:]
    if not words:
        return "-USAGE: [off|toggle] <uuid> [<display>]\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    hold(ch, on=(not ch.hold) if toggle else not off)
    return "+OK Success\n"


@api("uuid_transfer")
def _uuid_transfer(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.transfer import uuid_transfer

    words = arg.split()
    if len(words) < 2:
        return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n"
    ch = a.channel(words[0])
    if ch is None:
        return NO_CHANNEL
    leg = ""
    if words[1] in ("-bleg", "-both"):
        leg = words.pop(1)
    if len(words) < 2:
        return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n"
    uuid_transfer(ch, words[1], words[2] if len(words) > 2 else "XML",
             words[3] if len(words) > 3 else "", leg)  # fmt: skip
    return "+OK\n"


@api("originate")
def _originate(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.originate import originate_api

    return originate_api(a.switch, arg)


@api("sofia_contact")
def _sofia_contact(a: Api, arg: str, conn: Any) -> str:
    user = arg.split("/")[-1].split("@")[0]
    reg = a.switch.registrations.get(user)
    if reg is None:
        return "error/user_not_registered"
    return f"sofia/internal/sip:{user}@{reg.host}:{reg.port}"


@api("verto_contact")
def _verto_contact(a: Api, arg: str, conn: Any) -> str:
    return "error/user_not_registered"


@api("conference")
def _conference(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.conference import conference_api

    return conference_api(a.switch, arg)


@api("hupall")
def _hupall(a: Api, arg: str, conn: Any) -> str:
    from callcenter.sim.session import hangup

    cause = arg.split()[0] if arg.split() else "MANAGER_REQUEST"
    for ch in list(a.switch.channels.values()):
        hangup(ch, cause)
    return "+OK hangup all channels with cause " + cause + "\n"


@api("reloadxml")
def _reloadxml(a: Api, arg: str, conn: Any) -> str:
    return "+OK [Success]\n"


@api("global_getvar")
def _global_getvar(a: Api, arg: str, conn: Any) -> str:
    values = {"domain": a.switch.domain, "hostname": "vm", "local_ip_v4": a.switch.host}
    return values.get(arg.strip(), "")


@api("uuid_dump")
def _uuid_dump(a: Api, arg: str, conn: Any) -> str:
    words = arg.split()
    ch = a.channel(words[0]) if words else None
    if ch is None:
        return NO_CHANNEL
    ev = a.switch.events.build("CHANNEL_DATA", ch, variables=True)
    if len(words) > 1 and words[1] == "json":
        return json.dumps(dict(ev.pairs))
    return "".join(f"{k}: {v}\n" for k, v in ev.pairs)


from callcenter.sim import dtmf_api  # noqa: E402,F401,I001  (registers uuid_send/recv_dtmf)
