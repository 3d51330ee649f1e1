"""One caller's life in the engine: greet, menu, queue with music, bridge to an agent, end.

Runs in the outbound-socket greenlet of the call. The IVR issue replaces the fixed menu
with YAML flows; the sequence on the switch follows the S02/S03 captures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from callcenter.acd.agents import Agent
from callcenter.acd.routing import WaitingCall
from callcenter.engine.bus import (
    Bus,
    CallAnswered,
    CallArrived,
    CallEnded,
    CallQueued,
    IvrInput,
    utcnow,
)
from callcenter.engine.dispatcher import Dispatcher
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandTimeout, SessionGone, SwitchError
from callcenter.switch.outbound import OutboundSession

log = get_logger(__name__)


class SwitchApi(Protocol):
    """The api calls a call handler needs (the inbound connection provides ``api``)."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


@dataclass
class MenuConfig:
    """The pre-IVR menu: a prompt, and which digit goes to which queue."""

    prompt: str = "tone_stream://%(400,200,440,480);loops=2"
    choices: dict[str, str] = field(
        default_factory=lambda: {"1": "sales", "2": "support", "3": "complaints"}
    )
    default_queue: str = "support"
    digit_timeout_ms: int = 5000
    music: str = "local_stream://moh"


class CallHandler:
    """Drives one inbound call (create one per call; call :meth:`run`)."""

    def __init__(
        self,
        session: OutboundSession,
        *,
        bus: Bus,
        dispatcher: Dispatcher,
        switch: SwitchApi,
        menu: MenuConfig,
        recordings: Path,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.session = session
        self.bus = bus
        self.dispatcher = dispatcher
        self.switch = switch
        self.menu = menu
        self.recordings = recordings
        self.clock = clock
        self.call_uuid = session.uuid
        self.caller_number = session.caller_number
        self.agent_id = ""
        self.agent_leg = ""
        self.log = log.bind(call_uuid=self.call_uuid)

    # -- OfferTarget ----------------------------------------------------------------------------

    def is_gone(self) -> bool:
        """Whether the caller has hung up."""
        return self.session.gone

    def connect_agent(self, agent: Agent, agent_leg_uuid: str) -> bool:
        """Stop the music, start the stereo recording, bridge caller and agent."""
        path = self._recording_path(self.clock())
        try:
            self.switch.api(commands.uuid_break(self.call_uuid, all_queued=True))
            self.switch.api(commands.uuid_setvar(self.call_uuid, "RECORD_STEREO", "true"))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.switch.api(commands.uuid_record(self.call_uuid, "start", str(path)))
            self.switch.api(commands.uuid_bridge(self.call_uuid, agent_leg_uuid))
        except SwitchError as exc:
            self.log.warning("bridge to agent failed", agent_id=agent.agent_id, error=str(exc))
            return False
        self.agent_id, self.agent_leg = agent.agent_id, agent_leg_uuid
        self.bus.publish(
            CallAnswered(
                call_uuid=self.call_uuid,
                agent_id=agent.agent_id,
                agent_leg_uuid=agent_leg_uuid,
                recording_path=str(path),
            )
        )
        return True

    # -- the call -------------------------------------------------------------------------------

    def run(self) -> None:
        """Handle the call until the caller's channel is gone."""
        session = self.session
        self.bus.publish(
            CallArrived(
                call_uuid=self.call_uuid,
                caller_number=self.caller_number,
                caller_name=session.caller_name,
                dialled_number=session.destination_number,
            )
        )
        try:
            session.answer()
            queue = self._menu()
            self.bus.publish(CallQueued(call_uuid=self.call_uuid, queue=queue))
            session.execute_async("playback", self.menu.music)
            self.dispatcher.enqueue(
                WaitingCall(self.call_uuid, queue, self.caller_number, self.clock()), self
            )
            session.wait_gone()
        except SessionGone:
            pass
        finally:
            self.dispatcher.leave(self.call_uuid)
            self._ended()

    def _menu(self) -> str:
        digits = self.session.play_and_get_digits(
            self.menu.prompt,
            var_name="cc_menu_choice",
            min_digits=1,
            max_digits=1,
            tries=3,
            timeout_ms=self.menu.digit_timeout_ms,
            regexp="^[" + "".join(sorted(self.menu.choices)) + "]$",
        )
        self.bus.publish(IvrInput(call_uuid=self.call_uuid, node="menu", value=digits))
        return self.menu.choices.get(digits, self.menu.default_queue)

    def _ended(self) -> None:
        cause, disposition = "", ""
        try:
            complete = self.session.wait_event(
                "CHANNEL_HANGUP_COMPLETE", timeout=5.0, even_if_gone=True
            )
            cause = complete.get("Hangup-Cause", "") or ""
            disposition = complete.variable("sip_hangup_disposition", "") or ""
        except (SessionGone, CommandTimeout):
            gone = self.session.wait_gone(0)
            cause = gone.cause if gone else ""
        if disposition.startswith("recv_"):
            hangup_by = "caller"
        elif self.agent_leg:
            hangup_by = "agent"
        else:
            hangup_by = "system"
        self.bus.publish(
            CallEnded(call_uuid=self.call_uuid, hangup_cause=cause, hangup_by=hangup_by)
        )

    def _recording_path(self, now: datetime) -> Path:
        return self.recordings / f"{now:%Y/%m/%d}" / f"{self.call_uuid}.wav"
