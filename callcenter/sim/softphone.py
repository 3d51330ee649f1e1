"""A simulated agent phone: registers as a directory user, rings, answers or refuses."""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcenter.sim.endpoints import SipLeg
from callcenter.sim.events import data, fill
from callcenter.sim.numbers import ascii_int

if TYPE_CHECKING:
    from callcenter.sim.channel import Channel
    from callcenter.sim.switch import Switch


class Softphone(SipLeg):
    """An agent phone registered as directory user ``user``.

    ``mode``: ``"answer"`` (after ``answer_after`` s), ``"noanswer"`` (rings until CANCEL),
    ``"busy"`` (486 after ``answer_after`` s) or ``"decline"`` (603). ``hangup_after``: the
    agent sends BYE that many seconds after answering (None: never). ``calls`` lists the
    answered legs (the last ``keep_calls`` of them, when set: a long run's legs add up).
    """

    def __init__(
        self,
        switch: Switch,
        user: str,
        *,
        answer_after: float = 2.0,
        mode: str = "answer",
        hangup_after: float | None = None,
        port: int | None = None,
        rtp_port: int | None = None,
        audio: bool = False,
        host: str = "127.0.0.1",
        call_id: str | None = None,
        keep_calls: int | None = None,
    ) -> None:
        self.switch = switch
        self.user = user
        self.keep_calls = keep_calls  # how many answered legs ``calls`` keeps (None: all)
        self.answer_after = answer_after
        self.mode = mode
        self.hangup_after = hangup_after
        number = ascii_int(user) or 0
        offset = number - 999 if 1000 <= number < 1100 else 1
        self.port = port or 5080 + offset
        self.rtp_port = rtp_port or 6090 + 10 * offset
        self.registered = False
        self.expires_at = 0
        self.play_audio = audio
        self.host = host
        self.call_id = call_id or f"1-{31087 + offset}@127.0.0.1"
        self.calls: list[Channel] = []
        self.received_dtmf: list[str] = []  # digits the switch sent to this phone

    # -- registration ------------------------------------------------------------------------
    def _reg_headers(self, expires: str) -> dict[str, str | None]:
        return {
            "profile-name": "internal", "from-user": self.user, "from-host": self.switch.domain,
            "contact": f'"" <sip:{self.user}@{self.host}:{self.port}>', "call-id": self.call_id,
            "rpid": "unknown", "status": "Registered(UDP)", "expires": expires,
            "to-user": self.user, "to-host": self.switch.domain, "network-ip": self.host,
            "network-port": str(self.port),
        }  # fmt: skip

    def register(self, expires: int = 3600) -> None:
        """REGISTER (digest auth): sofia::pre_register/register_attempt/register, MWI query."""
        sw = self.switch
        base = self._reg_headers(str(expires))
        ua = f"sipp-agent-{self.user}"
        fire = sw.dispatch
        build = sw.events.build
        fire(build("CUSTOM", subclass="sofia::pre_register", pre={**base, "user-agent": ua}))
        auth = {"username": self.user, "realm": sw.domain, "user-agent": ua}
        fire(build("CUSTOM", subclass="sofia::register_attempt",
                   pre={**base, **auth, "auth-result": "RENEWED"}))  # fmt: skip
        if expires == 0:
            self.unregister_events(base, ua)
            return
        directory = self.directory_vars()
        reg = {**base, "presence-hosts": f"{sw.domain},{sw.domain}", **auth, **directory}
        fire(build("CUSTOM", subclass="sofia::register", pre=reg))
        sw.registrations[self.user] = self
        self.registered = True
        self.expires_at = int(sw.clock.now()) + expires
        account = f"sip:{self.user}@{sw.domain}"
        fire(build("MESSAGE_QUERY", pre={"Message-Account": account,
                                         "VM-Sofia-Profile": "internal",
                                         "VM-Call-ID": self.call_id}))  # fmt: skip
        fire(build("MESSAGE_WAITING", pre={"MWI-Messages-Waiting": "no",
                                           "MWI-Message-Account": account,
                                           "Sofia-Profile": "internal",
                                           "Call-ID": self.call_id}))  # fmt: skip

    def unregister(self) -> None:
        """REGISTER with Expires: 0."""
        self.register(expires=0)

    def unregister_events(self, base: dict[str, str | None], ua: str) -> None:
        """PRESENCE_IN (Unregistered) and sofia::unregister."""
        sw = self.switch
        sw.dispatch(sw.events.build("PRESENCE_IN", func="sofia_reg_handle_register_token", pre={
            "proto": "sip", "rpid": "unknown", "login": "sip:mod_sofia@127.0.0.1:5060",
            "user-agent": ua, "from": f"{self.user}@{sw.domain}", "status": "Unregistered",
            "presence-source": "register", "event_type": "presence"}))  # fmt: skip
        pre = {"profile-name": "internal", "username": self.user, "from-user": self.user,
               "from-host": sw.domain, "contact": base["contact"], "call-id": self.call_id,
               "rpid": "unknown", "realm": sw.domain, "network-ip": self.host,
               "network-port": str(self.port), "user-agent": ua, "expires": "0",
               **self.directory_vars()}  # fmt: skip
        sw.dispatch(sw.events.build("CUSTOM", subclass="sofia::unregister", pre=pre))
        sw.registrations.pop(self.user, None)
        self.registered = False

    def directory_vars(self) -> dict[str, str | None]:
        """The stock directory entry of the user (params and variables)."""
        out: dict[str, str | None] = {
            "sip_number_alias": self.user, "sip_auth_username": self.user,
            "sip_auth_realm": self.switch.domain, "number_alias": self.user,
            "user_name": self.user, "domain_name": self.switch.domain,
        }  # fmt: skip
        ctx = {"user": self.user, "cid_num": self.user}
        for name, value in data("varblocks.json")["user_directory"]:
            out[name] = fill(value, ctx)
        return out
