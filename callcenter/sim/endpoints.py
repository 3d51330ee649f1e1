"""Simulated SIP endpoints: callers that dial in, agent softphones that ring and answer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import gevent
from gevent.event import Event as GEvent

from callcenter.sim import session, voice
from callcenter.sim.channel import CS_INIT, CS_ROUTING, CallerProfile, Channel

if TYPE_CHECKING:
    from callcenter.sim.switch import Switch

Step = tuple[Any, ...]
BROKEN_PTIME_AFTER = 0.3  # FreeSWITCH notices the 30 ms packets of the caller's audio


def wait(seconds: float) -> Step:
    """Script step: do nothing for ``seconds``."""
    return ("wait", seconds)


def press(digits: str, gap: float = 0.3) -> Step:
    """Script step: send RFC 2833 DTMF digits."""
    return ("dtmf", digits, gap)


def hangup() -> Step:
    """Script step: send BYE."""
    return ("hangup",)


def audio() -> Step:
    """Script step: start sending speech (PCMA at 30 ms ptime, like the SIPp pcap)."""
    return ("audio",)


def wait_for(event_name: str, *, within: float | None = None, **headers: str) -> Step:
    """Script step: wait until the switch fires ``event_name`` for this leg (with these
    header values); if it has not come ``within`` seconds, the rest of the script is skipped."""
    return ("wait_for", event_name, headers, within)


class SipLeg:
    """What a SIP endpoint adds to its channel's variables at answer and hangup."""

    audio = False
    channel: Channel | None = None

    def on_hangup_vars(self, ch: Channel, cause: str, remote: bool, before_event: bool) -> None:
        """sofia's hangup variables (BYE received or a failed INVITE)."""
        if remote and ch.answered:
            if before_event:
                ch.set_var("sip_term_status", "200")
                ch.set_var("proto_specific_hangup_cause", "sip:200")
                ch.set_var("sip_term_cause", "16")
            else:
                ch.set_var("sip_hangup_disposition", "recv_bye")

    def on_report_vars(self, ch: Channel) -> None:
        """Variables sofia adds in CS_REPORTING (disposition when we hung up, RTP stats)."""
        if "sip_hangup_disposition" not in ch.vars:
            ch.set_var("sip_hangup_disposition", "send_bye" if ch.answered else "send_cancel")
        if ch.answered or ch.times["Channel-Progress-Media-Time"]:  # media flowed (S09c)
            ch.apply_block("rtp_stats")

    def start_audio(self, ch: Channel) -> None:
        """The endpoint sends speech: 30 ms packets make FreeSWITCH re-init its write codec."""
        self.audio = True

        def notice() -> None:
            if ch.up:
                ch.apply_block("broken_ptime")
                ch.set_codecs(read=False)

        gevent.spawn_later(ch.switch.clock.real(BROKEN_PTIME_AFTER), notice)


class Caller(SipLeg):
    """A SIP phone (like the SIPp caller) that dials a number and runs a script once answered.

    The script is a list of steps (:func:`wait`, :func:`press`, :func:`audio`,
    :func:`hangup`, :func:`wait_for`). After the script the caller waits for the switch to
    hang up, or sends BYE itself ``hangup_after`` seconds later (None: never).
    ``cancel_after``: CANCEL if no 200 has come that many seconds after the INVITE.
    ``events`` lists the events of the leg; ``keep_events=False`` keeps them only while a
    ``wait_for`` step waits (a load run's thousands of calls would hold every event).
    """

    def __init__(
        self,
        switch: Switch,
        number: str,
        dialled: str,
        script: Iterable[Step] = (),
        *,
        port: int = 5070,
        rtp_port: int = 6000,
        name: str | None = None,
        hangup_after: float | None = None,
        user_agent: str = "sipp-caller",
        cancel_after: float | None = None,
        keep_events: bool = True,
    ) -> None:
        self.switch = switch
        self.cancel_after = cancel_after
        self.keep_events = keep_events
        self._waiting = False  # a ``wait_for`` step runs: it reads the events from now on
        self.number = number
        self.dialled = dialled
        self.script = list(script)
        self.port = port
        self.rtp_port = rtp_port
        self.display = name or number
        self.hangup_after = hangup_after
        self.user_agent = user_agent
        self.answered = GEvent()
        self.ended = GEvent()
        self.events: list[Any] = []
        self.received_dtmf: list[str] = []  # digits the switch sent to this phone
        self.channel: Channel | None = None
        self._unsub: Any = None
        self._news = GEvent()  # set when an event of the leg arrived (``wait_for`` steps)

    @property
    def uuid(self) -> str:
        """The channel uuid (once the INVITE arrived)."""
        return self.channel.uuid if self.channel else ""

    def start(self) -> None:
        """Send the INVITE."""
        gevent.spawn(self._run)

    def _run(self) -> None:
        sw = self.switch
        ch = Channel(sw, f"sofia/internal/{self.number}@127.0.0.1:{self.port}", "inbound")
        ch.endpoint = self
        self.channel = ch
        ch.ctx.update(cid_num=self.number, sip_port=str(self.port), dest=self.dialled,
                      rtp_port=str(self.rtp_port))  # fmt: skip
        if self.keep_events:  # else only while a ``wait_for`` step waits (an unwatched
            self._unsub = sw.watch(ch.uuid, self._on_event)  # event need not be built)
        session.start(ch, self._inbound_job)
        if not self._wait_answer(ch):
            return
        self.run_script(ch)

    def _on_event(self, ev: Any) -> None:
        if self.channel is not None and ev.uuid == self.channel.uuid:
            if self.keep_events or self._waiting:
                self.events.append(ev)
                self._news.set()
            if ev.name == "CHANNEL_DESTROY" and self._unsub:
                self._unsub()
                self._unsub = None

    def _wait_answer(self, ch: Channel) -> bool:
        clock = self.switch.clock
        deadline = None if self.cancel_after is None else clock.now() + self.cancel_after
        # woken by the answer or the hangup (session.mark_answered / hangup), not by polling:
        # thousands of ringing callers polling every 5 ms would starve the switch
        waiter = GEvent()
        ch.ctx.setdefault("_answer_waiters", []).append(waiter)  # type: ignore[attr-defined]
        while ch.up and not ch.answered:
            if deadline is not None and clock.now() >= deadline:
                self.hangup()  # CANCEL: ORIGINATOR_CANCEL
                break
            left = None if deadline is None else clock.real(max(deadline - clock.now(), 0.0))
            waiter.wait(left)
            waiter.clear()
        ch.ctx.pop("_answer_waiters", None)
        if not ch.up:
            self.ended.set()
            return False
        self.answered.set()
        return True

    def run_script(self, ch: Channel) -> None:
        """Run the script steps, then wait for BYE or hang up after ``hangup_after``."""
        clock = self.switch.clock
        for step in self.script:
            if not ch.up:
                break
            kind = step[0]
            if kind == "wait":
                ch.ended.wait(clock.real(step[1]))
            elif kind == "dtmf":
                for digit in step[1]:
                    self.send_dtmf(digit)
                    ch.ended.wait(clock.real(step[2]))
            elif kind == "audio":
                self.start_audio(ch)
            elif kind == "hangup":
                self.hangup()
            elif kind == "wait_for":
                if not self._wait_event(ch, step[1], step[2], step[3] if len(step) > 3 else None):
                    break
            elif kind == "say_file":  # callcenter.sim.voice.say_file
                voice.speak(self, ch, step[1])
        if self.hangup_after is not None:
            ch.ended.wait(clock.real(self.hangup_after))
        else:
            ch.ended.wait()
        self.hangup()
        self.ended.set()

    def _wait_event(
        self, ch: Channel, name: str, headers: dict[str, str], within: float | None
    ) -> bool:
        clock = self.switch.clock
        deadline = None if within is None else clock.now() + within
        seen = len(self.events)
        self._waiting = True
        unwatch = None if self.keep_events else self.switch.watch(ch.uuid, self._on_event)
        try:
            while ch.up and (deadline is None or clock.now() < deadline):
                self._news.clear()
                for ev in self.events[seen:]:
                    if ev.name == name and all(ev.get(k) == v for k, v in headers.items()):
                        return True
                seen = len(self.events)
                left = None if deadline is None else clock.real(max(deadline - clock.now(), 0))
                self._news.wait(left)  # the leg's next event (its hangup fires one too)
            return False
        finally:
            self._waiting = False
            if unwatch is not None:
                unwatch()
                self.events.clear()

    def send_dtmf(self, digit: str, duration: int = 2240) -> None:
        """An RFC 2833 digit reaches the channel (the DTMF event fires when an app reads it)."""
        ch = self.channel
        if ch is not None and ch.up:
            ch.dtmf.append((digit, duration, "RTP"))
            ch.poke(0)

    def hangup(self) -> None:
        """Send BYE (or CANCEL before answer)."""
        ch = self.channel
        if ch is not None and ch.up:
            session.hangup(ch, "NORMAL_CLEARING" if ch.answered else "ORIGINATOR_CANCEL",
                           remote=True)  # fmt: skip

    def on_hangup_vars(self, ch: Channel, cause: str, remote: bool, before_event: bool) -> None:
        """A CANCEL (no 200 yet) is answered 487 (S09c); else the BYE variables."""
        if remote and not ch.answered:
            if before_event:
                for name, value in (("sip_hangup_disposition", "recv_cancel"),
                                    ("sip_invite_failure_status", "487"),
                                    ("sip_invite_failure_phrase", "CANCEL"),
                                    ("sip_term_status", "487"),
                                    ("proto_specific_hangup_cause", "sip:487"),
                                    ("sip_term_cause", "487")):  # fmt: skip
                    ch.set_var(name, value)
            return
        super().on_hangup_vars(ch, cause, remote, before_event)

    def on_pre_answer_media(self, ch: Channel) -> None:
        """sofia's 183 Session Progress with SDP: codecs, early media (S09c)."""
        ch.set_codecs(func="switch_core_session_set_real_read_codec")
        ch.apply_block("sofia_in_media")
        ch.set_var("endpoint_disposition", "EARLY MEDIA")
        session.pre_answer(ch)
        ch.apply_block("sofia_in_local_sdp")

    def on_answer_media(self, ch: Channel) -> None:
        """sofia answering an INVITE: codecs, early media, 200 OK (ACK follows)."""
        if not ch.times["Channel-Progress-Media-Time"]:
            self.on_pre_answer_media(ch)
        session.mark_answered(ch)
        ch.set_var("endpoint_disposition", "ANSWER")
        ch.ctx["_after_app"] = lambda c: c.apply_block("sofia_in_ack")  # type: ignore[assignment]

    def _inbound_job(self, ch: Channel) -> Any:
        """The INVITE: CS_NEW .. CS_EXECUTE, then the public dialplan."""
        sw = self.switch
        ch.fire("CHANNEL_STATE")
        now = sw.clock.now_us()
        ch.times["Channel-Created-Time"] = now
        ch.profile = CallerProfile(
            now, Direction="inbound", **{"Logical-Direction": "inbound"}, Username=self.number,
            Dialplan="XML", **{
                "Caller-ID-Name": self.display, "Caller-ID-Number": self.number,
                "Orig-Caller-ID-Name": self.display, "Orig-Caller-ID-Number": self.number,
                "Network-Addr": "127.0.0.1", "ANI": self.number,
                "Destination-Number": self.dialled, "Unique-ID": ch.uuid,
                "Source": "mod_sofia", "Context": "public", "Channel-Name": ch.name,
                "Profile-Index": "1"})  # fmt: skip
        ch.apply_block("sofia_in_create", user_agent=self.user_agent)
        ch.vars["session_id"] = sw.next_session_id()
        ch.set_running_state(CS_INIT)
        ch.state = CS_ROUTING
        ch.fire("CHANNEL_CREATE")
        ch.running_state = CS_ROUTING
        ch.set_callstate("RINGING")
        ch.fire("CHANNEL_STATE")
        ch.state = 4
        ch.presence("CS_ROUTING", "alerting", session.CHECK_PRESENCE)
        session.enter_execute(ch)
        apps = sw.route(ch, self.dialled)
        if apps is None:
            session.hangup(ch, "NO_ROUTE_DESTINATION")
            return None
        return session.run_extension(ch, apps)
