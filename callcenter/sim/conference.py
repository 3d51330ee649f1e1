"""mod_conference: the ``conference`` application, ``conference::maintenance`` events and the
``conference <name> list|json_list|count|kick`` api."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import gevent

from callcenter.sim.channel import Channel, new_uuid
from callcenter.sim.eavesdrop import L16, PCMA, set_read_codec

if TYPE_CHECKING:
    from callcenter.sim.switch import Switch

SUBCLASS = "conference::maintenance"
SOUNDS = "/usr/local/freeswitch/sounds/en/us/callie/conference"
ALONE = f"{SOUNDS}/conf-alone.wav"  # not installed in the stock setup: "could not be played"
ENTER = "tone_stream://%(200,0,500,600,700)"
EXIT = "tone_stream://%(500,0,300,200,100,50,25)"
MOH = "local_stream://moh"  # moh-sound of the default profile
FRAME = 0.02  # the conference thread's interval
LEADIN = 20  # CONF_DEFAULT_LEADIN: frames of silence before a sound
HANGUP_NOTICED = 0.02  # a member's session notices its hangup at its next frame


@dataclass
class Member:
    """One conference member (a channel in the conference app)."""

    id: int
    channel: Channel
    joined: float
    hear: bool = True
    speak: bool = True


@dataclass
class FileNode:
    """A sound the conference thread plays to the room (conference_file_play)."""

    path: str
    leadin: int  # frames of silence first (CONF_DEFAULT_LEADIN = 20)
    is_async: bool = False  # the MOH; closed with ``Async: true``
    started: float | None = None
    ends: float | None = None  # None: endless (local_stream)


@dataclass
class Conference:
    """A running conference room."""

    switch: Switch
    name: str
    profile: str
    uuid: str = field(default_factory=new_uuid)
    members: list[Member] = field(default_factory=list)  # newest first, as FreeSWITCH lists
    floor: Member | None = None
    started: float = 0.0
    presence_count: int = 0
    files: list[FileNode] = field(default_factory=list)  # the playing one first
    thread: Any = None

    def headers(self) -> dict[str, str | None]:
        """The Conference-* block of every maintenance event."""
        return {
            "Conference-Name": self.name, "Conference-Domain": self.switch.domain,
            "Conference-Size": str(len(self.members)), "Conference-Ghosts": "0",
            "Conference-Profile-Name": self.profile, "Conference-Unique-ID": self.uuid,
        }  # fmt: skip

    def fire(self, func: str, **headers: str | None) -> None:
        """A maintenance event about the conference (no channel)."""
        pre = {**self.headers(), **headers}
        self.switch.dispatch(self.switch.events.build("CUSTOM", subclass=SUBCLASS, func=func,
                                                      pre=pre))  # fmt: skip

    def fire_member(self, func: str, m: Member, action: str) -> None:
        """add-member / del-member: the member's channel and flags."""
        ev = self.switch.events.build(
            "CUSTOM", m.channel, subclass=SUBCLASS, func=func,
            pre={**self.headers(), "Floor": _b(self.floor is m)},
            post={**member_flags(m), "Action": action}, variables=False,
        )  # fmt: skip
        self.switch.dispatch(ev)

    def floor_change(self, new: Member | None, *, leaving: bool = False) -> None:
        """conference_member_set_floor_holder: floor-change (Old-ID / New-ID). A holder that
        is leaving is no longer found among the members: ``Old-ID: none`` (S05c)."""
        old = self.floor
        self.floor = new
        sw = self.switch
        old_id = str(old.id) if old is not None and not leaving else "none"
        pre = {**self.headers(), "Action": "floor-change", "Old-ID": old_id}
        ev = sw.events.build("CUSTOM", subclass=SUBCLASS,
                             func="conference_member_set_floor_holder", pre=pre)  # fmt: skip
        if new is None:
            ev.pairs.append(("New-ID", "none"))
        else:
            ev.pairs += [(k, v) for k, v in self.headers().items() if v is not None]
            ev.pairs.append(("Floor", "true"))
            ev.pairs += sw.events.channel_block(new.channel)
            ev.pairs += list(member_flags(new).items()) + [("New-ID", str(new.id))]
        sw.dispatch(ev)

    def presence(self) -> None:
        """conference_send_presence: the room's PRESENCE_IN (no channel)."""
        n = len(self.members)
        active = f"Active ({n} caller{'s' if n != 1 else ''})" if n else "Inactive"
        pre = {
            "proto": "conf", "login": self.name, "from": f"{self.name}@{self.switch.domain}",
            "event_type": "presence", "alt_event_type": "dialog",
            "event_count": str(self.presence_count), "unique-id": self.name,
            "force-status": active, "channel-state": "CS_ROUTING" if n else "CS_HANGUP",
            "answer-state": ("early" if n == 1 else "confirmed") if n else "terminated",
        }  # fmt: skip
        if n:
            pre["presence-call-direction"] = "outbound" if n == 1 else "inbound"
        else:  # the empty room: "call-direction" (S05c)
            pre["call-direction"] = "inbound"
        self.presence_count += 1
        sw = self.switch
        sw.dispatch(sw.events.build("PRESENCE_IN", func="conference_send_presence", pre=pre))

    def play(self, path: str, leadin: int = 0, *, is_async: bool = False) -> None:
        """conference_file_play: a file that cannot be opened (the stock conference sounds are
        missing) fires play-file with ``Error`` at once; any other is queued for the
        conference thread, which plays one file at a time (leadin frames of silence first)
        and fires play-file-done when it ends or is stopped."""
        if path.startswith("/") and not os.path.exists(path):
            self.fire("conference_file_play", Action="play-file", File=path, Async=_b(is_async),
                      Error="File could not be played")  # fmt: skip
            return
        self.files.append(FileNode(path, leadin, is_async))
        self.start_thread()

    def file_done(self, node: FileNode) -> None:
        """conference_file_close: play-file-done with what was played. tone_stream reports
        twice its length (``%(200,...)`` -> 400 ms, as captured)."""
        now = self.switch.clock.now()
        begun = (node.started or now) + node.leadin * FRAME
        played = max(now - begun, 0.0)
        if node.ends is not None:
            played = min(played, node.ends - begun)
        if node.path.startswith("tone_stream://"):
            played *= 2
        ms = int(round(played * 1000 / 20)) * 20
        extra = {"Async": "true"} if node.is_async else {}
        self.fire("conference_file_close", seconds=str(ms // 1000), milliseconds=str(ms),
                  samples=str(ms * 8), Action="play-file-done", File=node.path,
                  **extra)  # fmt: skip

    def stop_async(self) -> None:
        """conference_file_stop(FILE_STOP_ASYNC): the MOH ends when a second member joins."""
        for node in [f for f in self.files if f.is_async]:
            self.files.remove(node)
            if node.started is not None:
                self.file_done(node)

    def start_thread(self) -> None:
        """conference_thread_run: one 20 ms tick after another while the room exists."""
        if self.thread is None:
            self.thread = gevent.spawn(self._run)
            self.switch._timers.append(self.thread)

    def _run(self) -> None:
        clock = self.switch.clock
        t0 = clock.now()
        tick = alone = 0
        while True:
            tick += 1
            gevent.sleep(max(clock.real(t0 + tick * FRAME - clock.now()), 0))
            now = clock.now()
            if not self.members:  # the last member left: close the room
                self.presence()
                for node in list(self.files):
                    self.files.remove(node)
                    if node.started is not None:
                        self.file_done(node)
                self.fire("conference_thread_run", Action="conference-destroy")
                if self.switch.conferences.get(self.name) is self:
                    self.switch.conferences.pop(self.name, None)
                return
            if self.files and self.files[0].started is not None:
                node = self.files[0]
                if node.ends is not None and now >= node.ends - 1e-6:
                    self.files.pop(0)
                    self.file_done(node)
            if self.files and self.files[0].started is None:
                node = self.files[0]
                node.started = now
                length = None if node.is_async else _length(node.path)
                node.ends = None if length is None else now + node.leadin * FRAME + length
            alone = alone + 1 if not self.files and len(self.members) == 1 else 0
            if alone >= 2 and MOH:
                # a member alone, nothing playing for a whole interval: music on hold (the
                # profile's moh-sound). Not for the first member when a second one joins a
                # few ms later (S05c: no MOH before the caller joined the agent)
                self.files.append(FileNode(MOH, LEADIN, is_async=True))
                alone = 0


def _b(value: bool) -> str:
    return "true" if value else "false"


def _length(path: str) -> float | None:
    from callcenter.sim.media import duration

    if path.startswith("local_stream://"):
        return None
    return duration(path) or 1.0


def member_flags(m: Member) -> dict[str, str | None]:
    """The member block of add-member / del-member / floor-change."""
    return {
        "Video": "false", "Hear": _b(m.hear), "See": "true", "Speak": _b(m.speak),
        "Talking": "false", "Mute-Detect": "false", "Hold": "false", "Member-ID": str(m.id),
        "Member-Type": "member", "Member-Ghost": "false", "Energy-Level": "100",
        "Current-Energy": "0",
    }  # fmt: skip


def _talks(ch: Channel) -> bool:
    return bool(getattr(ch.endpoint, "audio", False))


def conference_app(ch: Channel, arg: str) -> None:
    """``conference <name>[@<profile>][+flags]``: join (creating the room), stay until the call
    ends or is taken elsewhere, leave (the last member closes the room)."""
    sw = ch.switch
    name, _, profile = arg.strip().split("+", 1)[0].partition("@")
    if not name:
        return
    conf = sw.conferences.get(name)
    if conf is None:
        conf = Conference(sw, name, profile or "default", started=sw.clock.now())
        sw.conferences[name] = conf
        conf.fire("conference_new", Action="conference-create")
        conf.start_thread()
    sw.member_seq += 1
    m = Member(sw.member_seq, ch, sw.clock.now())
    old_read = ch.read_codec or PCMA
    ch.set_var("conference_name", conf.name)
    ch.set_var("app_session_uuid", conf.uuid)
    set_read_codec(ch, L16)
    prof = ch.profile
    number = (prof.get("Caller-ID-Number") if prof else "") or ""
    ch.set_var("conference_member_id", str(m.id))
    ch.set_var("conference_moderator", "false")
    ch.set_var("conference_ghost", "false")
    ch.set_var("conference_uuid", conf.uuid)
    ch.set_var("conference_call_key", f"conference_{conf.name}_{sw.domain}_{number}")
    conf.members.insert(0, m)
    ch.conference = conf
    if len(conf.members) == 1:
        conf.play(ALONE)
    else:
        conf.stop_async()
    conf.fire_member("conference_member_add", m, "add-member")
    conf.presence()
    if len(conf.members) > 1:
        conf.play(ENTER, LEADIN)
    if conf.floor is None and _talks(ch):
        ch.sleep(0.015)
        conf.floor_change(m)
    ch.ctx["_frame_loop"] = True  # type: ignore[assignment]
    while ch.up and not ch.switch_requested() and not ch.break_flag:
        if conf.floor is None and _talks(ch):
            conf.floor_change(m)
        ch.wakeup.clear()
        ch.wakeup.wait(0.05)
    if not ch.up:
        ch.sleep(HANGUP_NOTICED)
    ch.ctx.pop("_frame_loop", None)
    ch.break_flag = False
    ch.set_var("conference_call_key", None)
    _leave(conf, m)
    set_read_codec(ch, old_read)


def _leave(conf: Conference, m: Member) -> None:
    """conference_member_del: floor-change if it held the floor, presence, the alone prompt,
    del-member, the exit sound; an empty room is closed by its thread at the next tick."""
    if conf.floor is m:
        conf.floor_change(None, leaving=True)
    conf.members.remove(m)
    m.channel.conference = None
    conf.presence()
    if len(conf.members) == 1:
        conf.play(ALONE)
    conf.fire_member("conference_member_del", m, "del-member")
    if conf.members:
        conf.play(EXIT)


# -- api ---------------------------------------------------------------------------------------
def conference_api(sw: Switch, arg: str) -> str:
    """``conference <name> list|json_list|count|kick <id|all>`` and ``conference list``."""
    words = arg.split()
    if not words:
        return "-ERR Usage: conference <name> <command> [<args>]\n"
    if words[0] in ("list", "json_list") and len(words) == 1:
        confs = list(sw.conferences.values())
        if words[0] == "json_list":
            return json.dumps([_json(c) for c in confs], indent="\t")
        return "".join(_list(c, header=True) for c in confs) or "-ERR No active conferences.\n"
    conf = sw.conferences.get(words[0])
    if conf is None:
        return f"-ERR Conference {words[0]} not found\n"
    cmd = words[1] if len(words) > 1 else "list"
    if cmd == "list":
        return _list(conf)
    if cmd == "json_list":
        return json.dumps([_json(conf)], indent="\t")
    if cmd == "count":
        return f"{len(conf.members)}\n"
    if cmd in ("kick", "hup") and len(words) > 2:
        from callcenter.sim.session import hangup

        hit = [m for m in conf.members if words[2] in ("all", str(m.id))]
        for m in hit:
            hangup(m.channel, "NORMAL_CLEARING")
        return f"+OK {cmd} {words[2]}\n" if hit else f"-ERR Non-Existant ID {words[2]}\n"
    return f"-ERR Unknown command {cmd}\n"


def _list(conf: Conference, header: bool = False) -> str:
    lines = []
    if header:
        lines.append(f"+OK Conference {conf.name} (1 member rate: 8000 flags: running|answered)")
    for m in conf.members:
        prof = m.channel.profile
        name = prof.get("Caller-ID-Name") if prof else ""
        num = prof.get("Caller-ID-Number") if prof else ""
        flags = "|".join(f for f, on in (("hear", m.hear), ("speak", m.speak),
                                          ("floor", conf.floor is m)) if on)  # fmt: skip
        lines.append(f"{m.id};{m.channel.name};{m.channel.uuid};{name};{num};{flags};0;0;100")
    return "".join(line + "\n" for line in lines)


def _json(conf: Conference) -> dict[str, Any]:
    now = conf.switch.clock.now()
    members = []
    for m in conf.members:
        prof = m.channel.profile
        members.append({
            "type": "caller", "id": m.id,
            "flags": {"can_hear": m.hear, "can_see": True, "can_speak": m.speak, "hold": False,
                      "mute_detect": False, "talking": False, "has_video": False,
                      "video_bridge": False, "has_floor": conf.floor is m,
                      "is_moderator": False, "end_conference": False,
                      "mandatory_member_end_conference": False, "pass_digits": False},
            "uuid": m.channel.uuid,
            "caller_id_name": prof.get("Caller-ID-Name") if prof else "",
            "caller_id_number": prof.get("Caller-ID-Number") if prof else "",
            "join_time": int(now - m.joined), "last_talking": 0, "energy": 100,
            "volume_in": 0, "volume_out": 0, "output-volume": 0, "input-volume": 0,
        })  # fmt: skip
    return {
        "conference_name": conf.name, "member_count": len(conf.members), "ghost_count": 0,
        "rate": 8000, "run_time": int(now - conf.started), "conference_uuid": conf.uuid,
        "canvas_count": 0, "max_bw_in": 0, "force_bw_in": 0, "video_floor_packets": 0,
        "locked": False, "destruct": False, "wait_mod": False, "audio_always": False,
        "running": True, "answered": True, "enforce_min": True, "bridge_to": False,
        "dynamic": True, "exit_sound": True, "enter_sound": True, "recording": False,
        "video_bridge": False, "video_floor_only": False, "video_rfc4579": False,
        "variables": {}, "members": members,
    }  # fmt: skip
