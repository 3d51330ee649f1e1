"""Carries out monitoring requests: rings the supervisor's phone into ``&eavesdrop(<caller>)``,
switches the mode with ``uuid_recv_dtmf`` on that leg, hangs it up to leave (S05b, S11)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import gevent

from callcenter.engine.bus import Bus, CallEnded
from callcenter.engine.monitoring import modes
from callcenter.engine.monitoring.events import (
    MonitorAnswered,
    MonitorEnded,
    MonitorModeChanged,
    MonitorRinging,
)
from callcenter.engine.monitoring.requests import (
    BadRequest,
    MonitorRequest,
    node_stream,
    owner_node,
    parse_request,
)
from callcenter.live.errors import LiveError
from callcenter.live.names import MONITOR_COMMANDS
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandFailed, SwitchError
from callcenter.switch.inbound import BackgroundJob
from callcenter.switch.protocol import LEG_END_HEADERS

log = get_logger(__name__)

GROUP = "engines"
RING_SECONDS = 30  # the supervisor's phone rings this long
JOB_GRACE_SECONDS = 10.0
MONITORED_CALL = "callcenter_monitored_call"  # channel variable marking a supervisor's leg


class Switch(Protocol):
    """What monitoring needs from the inbound connection."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command."""

    def bgapi(self, command: str, *, job_uuid: str | None = None) -> BackgroundJob:
        """Run a command in the background."""

    def on(
        self,
        key: str,
        handler: Any,
        *,
        concurrent: bool = False,
        headers: tuple[str, ...] | None = None,
    ) -> Any:
        """Follow events named ``key`` (their ``headers`` only)."""


class Monitoring:
    """This engine's monitoring legs, by leg uuid, and the stream it takes requests from."""

    def __init__(self, switch: Switch, bus: Bus, live: LiveStore, node: str, domain: str) -> None:
        self.switch = switch
        self.bus = bus
        self.live = live
        self.node = node
        self.domain = domain
        self.legs: dict[str, MonitorRequest] = {}  # leg uuid -> its start request
        switch.on(
            "CHANNEL_HANGUP_COMPLETE",
            self._on_hangup,
            headers=(*LEG_END_HEADERS, f"variable_{MONITORED_CALL}"),
        )
        bus.subscribe(CallEnded, self._on_call_ended)

    # -- the request stream -------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the consumer group before the engine says it runs (no request is lost)."""
        for stream in (MONITOR_COMMANDS, node_stream(self.node)):
            try:
                self.live.ensure_group(stream, GROUP)
            except LiveError as exc:  # the consumer retries
                log.warning("monitor stream not ready", stream=stream, error=str(exc))

    def start(self) -> gevent.Greenlet:
        """The greenlet taking requests from the shared stream (and, in a child greenlet
        ended with it, from this node's own)."""
        return gevent.spawn(self._run)

    def _run(self) -> None:
        own = gevent.spawn(self._consume, node_stream(self.node), self.handle)
        try:
            self._consume(MONITOR_COMMANDS, self._take)
        finally:
            own.kill(block=False)

    def _consume(self, stream: str, handle: Callable[[Any], None]) -> None:
        ready = False
        while True:
            try:
                if not ready:
                    self.live.ensure_group(stream, GROUP)
                    ready = True
                for entry in self.live.read_commands(stream, GROUP, self.node, block=1.0):
                    handle(entry.data)
                    self.live.ack(stream, GROUP, entry.id)
            except LiveError as exc:
                ready = False
                log.warning("monitor stream unavailable", stream=stream, error=str(exc))
                gevent.sleep(1.0)

    def _take(self, data: Any) -> None:
        """Carry a request out here, or pass it to the engine of the node holding the call."""
        owner = owner_node(self.live, data)
        if owner and owner != self.node:
            log.info("monitoring request passed on", node=owner, request=data)
            self.live.send_command(node_stream(owner), data)
            return
        self.handle(data)

    def handle(self, data: Any) -> None:
        """Carry out one request (a bad or failing one is logged, never raised)."""
        try:
            request = parse_request(data)
            if request.action == "start":
                self.begin(request)
            elif request.action == "mode":
                self.switch_mode(request.leg_uuid, request.call_uuid, request.mode)
            else:
                self.leave(request.leg_uuid)
        except (BadRequest, ValueError) as exc:
            log.warning("monitoring request refused", request=data, error=str(exc))
            self._end_refused(data, str(exc))
        except SwitchError as exc:
            log.warning("monitoring request failed", request=data, error=str(exc))

    # -- the supervisor's leg -----------------------------------------------------------------

    def begin(self, request: MonitorRequest) -> None:
        """Ring the supervisor's phone; on answer it eavesdrops on the caller in the mode."""
        command = commands.originate(
            commands.user_endpoint(request.extension, self.domain),
            variables={
                "origination_uuid": request.leg_uuid,
                "origination_caller_id_number": request.caller_number or request.extension,
                "origination_caller_id_name": "Monitor",
                "call_timeout": str(RING_SECONDS),
                MONITORED_CALL: request.call_uuid,
                **modes.start_variables(request.mode),
            },
            app="eavesdrop",
            app_arg=commands.eavesdrop_arg(request.call_uuid),
        )
        self.legs[request.leg_uuid] = request
        self.bus.publish(
            MonitorRinging(
                call_uuid=request.call_uuid, leg_uuid=request.leg_uuid,
                username=request.username, mode=request.mode,
            )
        )  # fmt: skip
        gevent.spawn(self._ring, request, command)

    def _ring(self, request: MonitorRequest, command: str) -> None:
        try:
            exists = commands.uuid_exists(request.call_uuid)
            if self.switch.api(exists, check=False).strip() != "true":  # ended meanwhile
                self._ended(request.leg_uuid, "CALL_GONE")
                return
            self.switch.bgapi(command).get(timeout=RING_SECONDS + JOB_GRACE_SECONDS)
        except CommandFailed as exc:
            self._ended(request.leg_uuid, _cause(exc.reply))
            return
        except SwitchError as exc:
            log.warning("monitoring leg not rung", leg=request.leg_uuid, error=str(exc))
            self._ended(request.leg_uuid, "SWITCH_ERROR")
            return
        if request.leg_uuid in self.legs:  # not hung up while the job's answer came
            self.bus.publish(
                MonitorAnswered(
                    call_uuid=request.call_uuid, leg_uuid=request.leg_uuid,
                    username=request.username,
                )
            )  # fmt: skip

    def switch_mode(self, leg_uuid: str, call_uuid: str, mode: str) -> None:
        """Inject eavesdrop's key for ``mode`` into the leg (S11: uuid_recv_dtmf, not send)."""
        self.switch.api(commands.uuid_recv_dtmf(leg_uuid, modes.mode_key(mode)))
        self.bus.publish(MonitorModeChanged(call_uuid=call_uuid, leg_uuid=leg_uuid, mode=mode))

    def leave(self, leg_uuid: str) -> None:
        """Hang the supervisor's leg up (the caller's media bug goes with it)."""
        reply = self.switch.api(commands.uuid_kill(leg_uuid), check=False)
        if not reply.startswith("+OK"):  # the leg was gone already
            self._ended(leg_uuid, "GONE")

    # -- the end ------------------------------------------------------------------------------

    def _on_hangup(self, event: Any) -> None:
        # The leg's variable names it after a restart too (the audit row is ended by leg uuid).
        call_uuid = event.get(f"variable_{MONITORED_CALL}") or ""
        if event.uuid in self.legs or call_uuid:
            self._ended(event.uuid, event.get("Hangup-Cause") or "NORMAL_CLEARING", call_uuid)

    def _on_call_ended(self, event: CallEnded) -> None:
        """The monitored call ended: its supervisors' legs go too."""
        for leg_uuid, request in list(self.legs.items()):
            if request.call_uuid == event.call_uuid:
                gevent.spawn(self._kill_quietly, leg_uuid)

    def _kill_quietly(self, leg_uuid: str) -> None:
        try:
            self.switch.api(commands.uuid_kill(leg_uuid), check=False)
        except SwitchError as exc:
            log.warning("monitoring leg not hung up", leg=leg_uuid, error=str(exc))

    def _ended(self, leg_uuid: str, reason: str, call_uuid: str = "") -> None:
        request = self.legs.pop(leg_uuid, None)
        call_uuid = request.call_uuid if request is not None else call_uuid
        self.bus.publish(MonitorEnded(call_uuid=call_uuid, leg_uuid=leg_uuid, reason=reason))

    def _end_refused(self, data: Any, reason: str) -> None:
        leg_uuid = str(data.get("leg_uuid") or "") if isinstance(data, dict) else ""
        if leg_uuid and isinstance(data, dict) and data.get("action") == "start":
            self.bus.publish(
                MonitorEnded(call_uuid="", leg_uuid=leg_uuid, reason="REFUSED: " + reason)
            )


def _cause(reply: str) -> str:
    """``-ERR NO_ANSWER\\n`` -> ``NO_ANSWER``."""
    text = reply.strip()
    return text[5:].strip() if text.startswith("-ERR ") else text or "UNKNOWN"
