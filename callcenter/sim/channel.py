"""The simulated channel: FreeSWITCH's channel state, variables, caller profile and events."""

from __future__ import annotations

import time
import uuid as uuidlib
from collections import deque
from typing import TYPE_CHECKING, Any

import gevent
from gevent.event import Event as GEvent

from callcenter.sim.events import CALLSTATES, TIME_FIELDS, SimEvent, data, fill

if TYPE_CHECKING:
    from callcenter.sim.switch import Switch

# switch_channel_state_t
CS_NEW, CS_INIT, CS_ROUTING, CS_SOFT_EXECUTE, CS_EXECUTE, CS_EXCHANGE_MEDIA = range(6)
CS_PARK, CS_CONSUME_MEDIA, CS_HIBERNATE, CS_RESET, CS_HANGUP, CS_REPORTING = range(6, 12)
CS_DESTROY, CS_NONE = 12, 13
FRAME = 0.02  # one 20 ms media frame

Q850 = {
    "NORMAL_CLEARING": "16", "USER_BUSY": "17", "NO_USER_RESPONSE": "18", "NO_ANSWER": "19",
    "CALL_REJECTED": "21", "ORIGINATOR_CANCEL": "487", "NORMAL_UNSPECIFIED": "31",
    "MANAGER_REQUEST": "503", "USER_NOT_REGISTERED": "606", "SUBSCRIBER_ABSENT": "20",
    "LOSE_RACE": "502", "UNALLOCATED_NUMBER": "1", "NO_ROUTE_DESTINATION": "3",
    "RECOVERY_ON_TIMER_EXPIRE": "102", "NORMAL_TEMPORARY_FAILURE": "41",
}  # fmt: skip


def new_uuid() -> str:
    """A random uuid string, as FreeSWITCH makes them."""
    return str(uuidlib.uuid4())


class CallerProfile:
    """switch_caller_profile_t: the Caller-* fields of a channel."""

    def __init__(self, created_us: int, **fields: str) -> None:
        self.fields: dict[str, str] = {k.replace("_", "-"): v for k, v in fields.items()}
        self.created_us = created_us

    def get(self, name: str) -> str:
        """A field by its header suffix (``Caller-ID-Number`` ...)."""
        return self.fields.get(name, "")

    def set(self, name: str, value: str | None) -> None:
        """Set (or clear) a field."""
        if value is None:
            self.fields.pop(name, None)
        else:
            self.fields[name] = value

    def clone(self, created_us: int) -> CallerProfile:
        """A new profile with the same fields (switch_caller_profile_clone)."""
        new = CallerProfile(created_us)
        new.fields = dict(self.fields)
        return new

    def values(self, ch: Channel) -> dict[str, str]:
        """All fields of the Caller- block, with the channel's times."""
        out = dict(self.fields)
        out["Profile-Created-Time"] = str(self.created_us)
        for name in TIME_FIELDS:
            out[name] = str(ch.times[name])
        out.setdefault("Screen-Bit", "true")
        out.setdefault("Privacy-Hide-Name", "false")
        out.setdefault("Privacy-Hide-Number", "false")
        return out


class Channel:
    """One call leg: state machine values, variables, profile and a message inbox."""

    def __init__(
        self,
        switch: Switch,
        name: str,
        direction: str,
        uuid: str | None = None,
        *,
        hit_dialplan: bool = True,
    ) -> None:
        self.switch = switch
        self.uuid = uuid or new_uuid()
        self.name = name
        self.direction = direction
        self.hit_dialplan = hit_dialplan
        self.state = CS_NEW
        self.running_state = CS_NEW
        self.callstate = "DOWN"
        self.answer_state = "ringing"
        self.hangup_cause: str | None = None
        self.read_codec: tuple[str, str, str] | None = None
        self.write_codec: tuple[str, str, str] | None = None
        self.profile: CallerProfile | None = None
        self.other: tuple[str, dict[str, str]] | None = None
        self.vars: dict[str, str] = {}
        self.times = dict.fromkeys(TIME_FIELDS, 0)
        self.ctx: dict[str, str] = {}
        self.presence_count = 0
        self.last_app: tuple[str, str] | None = None
        # control
        self.wakeup = GEvent()
        self.break_flag = False
        self.inbox: deque[Any] = deque()
        self.dtmf: deque[tuple[str, int, str]] = deque()  # digit, ms, DTMF-Source
        self.partner: Channel | None = None  # bridged peer
        self.bridge_kind = ""  # "uuid_bridge" | "bridge"
        self.parked = False
        self.outbound: Any = None  # the socket app's outbound connection
        self.endpoint: Any = None  # simulated SIP endpoint behind the leg
        self.media: dict[str, Any] = {}  # what the leg currently plays/hears
        self.recorders: list[Any] = []
        self.greenlet: gevent.Greenlet | None = None
        self.created_mono = time.monotonic()
        self.ended = GEvent()
        self.hold = False
        self.conference: Any = None

    # -- variables -------------------------------------------------------------------------
    def set_var(self, name: str, value: Any) -> None:
        """switch_channel_set_variable: delete, then append (so re-set moves it last)."""
        self.vars.pop(name, None)
        if value is not None and value != "":
            self.vars[name] = str(value)

    def get_var(self, name: str, default: str | None = None) -> str | None:
        """A channel variable."""
        return self.vars.get(name, default)

    def apply_block(
        self, block: str, *, start: str | None = None, stop: str | None = None, **extra: str
    ) -> None:
        """Set the variables of a named block from ``data/varblocks.json`` (``start``..``stop``)."""
        ctx = self.template_ctx(**extra)
        items = data("varblocks.json")[block]
        names = [n for n, _ in items]
        lo = names.index(start) if start else 0
        hi = names.index(stop) + 1 if stop else len(items)
        for name, value in items[lo:hi]:
            self.set_var(name, fill(value, ctx))

    def touch_block(self, block: str, *, start: str | None = None, stop: str | None = None) -> None:
        """Re-set a block's variables (kept values win over the template): sofia renegotiating
        media re-sets them, which moves them last."""
        ctx = self.template_ctx()
        names = [n for n, _ in data("varblocks.json")[block]]
        lo = names.index(start) if start else 0
        hi = names.index(stop) + 1 if stop else len(names)
        for name, value in data("varblocks.json")[block][lo:hi]:
            self.set_var(name, self.vars.get(name) or fill(value, ctx))

    def template_ctx(self, **extra: str) -> dict[str, str]:
        """Values for ``$(...)`` placeholders of the variable blocks."""
        now = self.switch.clock.now()
        ctx = {
            "uuid": self.uuid,
            "now_us": str(int(now * 1_000_000)),
            "now_s": str(int(now)),
            "random_uuid": new_uuid(),
        }
        ctx.update(self.ctx)
        ctx.update(extra)
        return ctx

    # -- events ----------------------------------------------------------------------------
    def fire(self, name: str, **kw: Any) -> SimEvent | None:
        """Build an event about this channel and hand it to every listener (None: nobody
        would get it, so it was not built)."""
        sw = self.switch
        plain = kw.get("lead") is None and "Unique-ID" not in (kw.get("pre") or {})
        if plain and not sw.wanted(name, self.uuid):  # (else its Unique-ID may be another's)
            sw.skip_event()
            return None
        ev = sw.events.build(name, self, **kw)
        sw.dispatch(ev)
        return ev

    def set_running_state(self, state: int) -> None:
        """Enter a state: ``running_state`` follows and CHANNEL_STATE is fired."""
        self.state = state
        self.running_state = state
        self.fire("CHANNEL_STATE")

    def set_callstate(self, callstate: str) -> None:
        """Change the call state and fire CHANNEL_CALLSTATE."""
        old = self.callstate
        if old == callstate:
            return
        self.callstate = callstate
        self.fire(
            "CHANNEL_CALLSTATE",
            pre={
                "Original-Channel-Call-State": old,
                "Channel-Call-State-Number": str(CALLSTATES.index(callstate)),
            },
        )

    def presence(self, status: str, call_info_state: str, func: tuple[str, str, str]) -> None:
        """PRESENCE_IN for the channel (switch_channel_perform_presence)."""
        pres = self.vars.get("presence_id")
        if not pres:
            return
        self.fire(
            "PRESENCE_IN",
            post={
                "proto": "any",
                "login": "src/switch_channel.c",
                "from": pres,
                "rpid": "unknown",
                "status": status,
                "event_type": "presence",
                "alt_event_type": "dialog",
                "presence-call-info-state": call_info_state,
                "presence-call-direction": self.direction,
                "event_count": str(self.presence_count),
                "Presence-Calling-File": func[0],
                "Presence-Calling-Function": func[1],
                "Presence-Calling-Line": func[2],
            },
        )
        self.presence_count += 1

    def set_codecs(self, read: bool = True, write: bool = True, func: str | None = None) -> None:
        """Set the PCMA codecs (CODEC events) as media comes up."""
        pcma = ("PCMA", "8000", "64000")
        if read:
            self.read_codec = pcma
        if write:
            self.write_codec = pcma
        if read:
            self.fire(
                "CODEC",
                func=func or "switch_core_session_set_read_codec",
                post={
                    "channel-read-codec-name": pcma[0],
                    "channel-read-codec-rate": pcma[1],
                    "channel-read-codec-bit-rate": pcma[2],
                },
            )
        if write:
            self.fire(
                "CODEC",
                func="switch_core_session_set_write_codec",
                pairs_after_channel=[
                    ("Channel-Write-Codec-Name", pcma[0]),
                    ("Channel-Write-Codec-Rate", pcma[1]),
                    ("Channel-Write-codec-bit-rate", pcma[2]),
                ],
            )

    # -- control ---------------------------------------------------------------------------
    @property
    def up(self) -> bool:
        """Not hung up yet."""
        return self.state < CS_HANGUP

    @property
    def answered(self) -> bool:
        """CHANNEL_ANSWER happened."""
        return self.times["Channel-Answered-Time"] > 0

    def poke(self, delay: float | None = None) -> None:
        """Wake the session at its next media frame (or after ``delay`` simulated s)."""
        real = self.switch.clock.real(FRAME if delay is None else delay)
        gevent.spawn_later(real, self.wakeup.set)

    def wait(self, seconds: float | None, *, messages: bool = True, breaks: bool = True) -> None:
        """Sleep ``seconds`` of simulated time, or until something pokes the session.

        ``messages=False``: queued sendmsg messages do not count as pending (an application
        that does not run them waits for its media, a key or a break, as in FreeSWITCH; else
        it would spin while a message waits its turn). ``breaks=False``: nor does a pending
        break (a wait that does not consume it, as park's, would spin on it).
        """
        self.wakeup.clear()
        if self.pending(messages=messages, breaks=breaks):
            return
        timeout = None if seconds is None else max(self.switch.clock.real(seconds), 0)
        self.wakeup.wait(timeout)

    def pending(self, *, messages: bool = True, breaks: bool = True) -> bool:
        """Something interrupts the running application."""
        queued = messages and bool(self.inbox)
        broken = breaks and self.break_flag
        return (not self.up) or broken or queued or self.switch_requested()

    def switch_requested(self) -> bool:
        """A bridge/transfer wants the session out of its application (or the socket that
        controlled it closed with socket_resume: a state change is pending, not ready)."""
        return bool(self.ctx.get("_leave") or self.ctx.get("_socket_resume"))

    def sleep(self, seconds: float) -> None:
        """Plain simulated sleep (not interruptible)."""
        gevent.sleep(self.switch.clock.real(seconds))

    def __repr__(self) -> str:
        return f"<Channel {self.name} {self.uuid[:8]} {self.callstate}>"


PROFILE_VARIABLES = {
    "caller_id_number": "Caller-ID-Number",
    "caller_id_name": "Caller-ID-Name",
    "destination_number": "Destination-Number",
    "context": "Context",
    "ani": "ANI",
}
"""Names ``${...}`` resolves from the caller profile when no variable has them."""


def variable(ch: Channel, name: str) -> str:
    """``${name}`` on a channel: its variable, else a caller profile field, else ``uuid``."""
    value = ch.vars.get(name)
    if value is not None:
        return value
    if name in PROFILE_VARIABLES and ch.profile is not None:
        return ch.profile.get(PROFILE_VARIABLES[name])
    return ch.uuid if name == "uuid" else ""
