"""The engine process: wires the switch, ACD dispatch, live state, SQL and agent commands."""

from __future__ import annotations

import uuid
from pathlib import Path

import gevent

from callcenter.acd.agents import Agent, AgentStateError
from callcenter.agent_actions import RECORDING_ACTIONS, ActionError, AgentCommand
from callcenter.config import Settings
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.agents.calls import AgentCalls
from callcenter.engine.agents.cluster import Cluster
from callcenter.engine.bus import (
    Bus,
    utcnow,
)
from callcenter.engine.calls.handler import CallHandler, IvrConfig
from callcenter.engine.calls.live_calls import LiveCalls
from callcenter.engine.calls.screening import EngineLookups, FloodLimit, Screening
from callcenter.engine.cti.actions import Cti
from callcenter.engine.cti.click_to_call import OutboundCall, OutboundCalls
from callcenter.engine.desktop.call_mirror import CallMirror
from callcenter.engine.flow_problems import FlowProblemsBoard
from callcenter.engine.media.postprocess_jobs import PostProcessQueue
from callcenter.engine.media.recording_control import RecordingControl
from callcenter.engine.monitoring.audit import MonitorAudit
from callcenter.engine.monitoring.service import Monitoring
from callcenter.engine.records.buffer import RecordBuffer
from callcenter.engine.records.persistence import EngineStore
from callcenter.engine.records.recorder import CallRecorder
from callcenter.engine.records.voicemail_tickets import VoicemailTickets
from callcenter.engine.restart.readopt import RedisSnapshots, TakeBack, owner_mark
from callcenter.engine.restart.status import EngineStatus
from callcenter.engine.restart.takeover import Takeover
from callcenter.engine.restart.unseen_calls import UnseenCalls
from callcenter.engine.routing.callback_store import PendingCallbacks
from callcenter.engine.routing.dialer import EslAgentDialer
from callcenter.engine.routing.dispatcher import Dispatcher, QueuePolicy
from callcenter.engine.routing.queue_config import load_policies
from callcenter.engine.routing.queue_stats import QueueStats
from callcenter.engine.routing.queued_callbacks import Callbacks, QueuedCallback
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.regions import DEFAULT_TABLE, default_regions
from callcenter.ivr.registry import FlowRegistry
from callcenter.ivr.speech import recognizer_from_settings
from callcenter.live.errors import LiveError
from callcenter.live.names import agent_channel
from callcenter.live.reservation import Reservations
from callcenter.live.store import LiveStore
from callcenter.logs import get_logger
from callcenter.store.session import make_engine, session_factory
from callcenter.switch import commands
from callcenter.switch.errors import SwitchError
from callcenter.switch.outbound import OutboundServer, OutboundSession
from callcenter.switch.supervisor import ReconnectingInbound

log = get_logger(__name__)

SHIPPED_FLOWS = Path(__file__).resolve().parents[2] / "ivr_flows"
"""The sample flows of a source checkout (used when the ivr.flows folder does not exist)."""


CTI_CALLS = (CallHandler, OutboundCall, QueuedCallback)
"""The kinds of call the CTI acts on (a call taken over after a restart: hang up / hold only)."""


class Engine:
    """One engine next to one FreeSWITCH: start(), then it runs until stop()."""

    def __init__(self, settings: Settings, live: LiveStore | None = None) -> None:
        self.settings = settings
        self.stopping = False
        self.process_id = uuid.uuid4().hex[:12]  # tells this process's callers from the last's
        self.live = live or LiveStore.from_settings(settings)
        self.status = EngineStatus(self.live, settings.node_id, self.process_id)
        self.store = EngineStore(session_factory(make_engine(settings.database.url)))
        self.bus = Bus()
        routing = settings.routing
        self.ivr = self._ivr_config(settings)
        self.flow_problems = FlowProblemsBoard(self.ivr.registry, self.live, settings.node_id)
        self.postprocess = PostProcessQueue(settings)
        self.records = RecordBuffer(
            self.store, self.live, node=settings.node_id, on_call_written=self.postprocess.submit
        )
        self.reservations = Reservations(self.live, settings.node_id)
        self.agents = AgentBook(
            self.bus, self.live, self.store.load_agents(), state_log=self.records.log_state,
            node=settings.node_id, reservations=self.reservations,
        )  # fmt: skip
        self.inbound = ReconnectingInbound(
            settings.esl.host,
            settings.esl.port,
            settings.esl.required_password(),
            events=("CHANNEL_HANGUP_COMPLETE", "CHANNEL_UNBRIDGE", "BACKGROUND_JOB"),
            reconnect_min=settings.esl.reconnect_min,
            reconnect_max=settings.esl.reconnect_max,
            command_timeout=settings.esl.command_timeout,
            connect_timeout=settings.esl.connect_timeout,
        )
        self.policies = load_policies(
            self.store.sessions, routing.ring_timeout, routing.max_no_answer
        )
        self.queue_stats = QueueStats(self.bus, routing.default_handle_seconds)
        self.voicemail_tickets = VoicemailTickets(
            self.bus, self.store.sessions, settings.tickets, self.store.customer_by_number
        )
        self.dialer = EslAgentDialer(self.inbound, routing.domain)
        self.dispatcher = Dispatcher(self.bus, self.agents, self.dialer, self._policy)
        self.dispatcher.miss_delays = routing.miss_delays()  # skip agents after a missed offer
        self.snapshots = RedisSnapshots(self.live)
        self.recorder = CallRecorder(
            self.bus, self.records.write_call, node=settings.node_id, snapshots=self.snapshots
        )
        self.recording_control = RecordingControl(self.bus, self.inbound, self._tell_agent)
        self.call_mirror = CallMirror(
            self.bus, self.live, lambda call_uuid: self.agent_calls.answered.get(call_uuid, "")
        )
        self.agent_calls = AgentCalls(
            self.bus, self.agents, lambda queue: self._policy(queue).wrap_up_seconds,
            self._tell_agent,
        )  # fmt: skip
        self.outbound = OutboundServer.from_settings(settings.outbound, self._handle_call)
        self._greenlets: list[gevent.Greenlet] = []
        self.live_calls = LiveCalls()  # every call this engine carries, any kind
        self._handlers = self.live_calls.view(CallHandler)
        self.outbound_calls = OutboundCalls(
            switch=self.inbound, bus=self.bus, agents=self.agents, dispatcher=self.dispatcher,
            routing=routing, end_agent_call=self.agent_calls.end, tell=self._tell_agent,
            recordings=Path(settings.recording.path), live_calls=self.live_calls,
        )  # fmt: skip
        self.callbacks = Callbacks(
            switch=self.inbound, bus=self.bus, dispatcher=self.dispatcher, routing=routing,
            recordings=Path(settings.recording.path), tell=self._tell_agent,
            pending=PendingCallbacks(self.live, settings.node_id), live_calls=self.live_calls,
        )  # fmt: skip
        self.cti = Cti(
            switch=self.inbound, bus=self.bus, agents=self.agents, dispatcher=self.dispatcher,
            routing=routing, domain=routing.domain, tell=self._tell_agent,
            find_call=lambda call_uuid: self.live_calls.get_of(call_uuid, CTI_CALLS),
            queue_of=self.agent_calls.queue_of, queue_names=self.store.queue_names,
            end_agent_call=self.agent_calls.end,
        )  # fmt: skip
        self.monitoring = Monitoring(
            self.inbound, self.bus, self.live, settings.node_id, routing.domain
        )
        self.monitor_audit = MonitorAudit(self.bus, self.store.sessions)
        self.take_back = TakeBack(
            self.inbound, owner=self.ivr.owner, context=settings.ivr.transfer_context,
            expect=self.dispatcher.expect, adopt=self.recorder.adopt,
            serving=self._handlers.keys, interval=routing.unserved_sweep_seconds,
        )  # fmt: skip
        self.unseen = UnseenCalls(
            self.bus, self.live, settings.node_id, settings.freeswitch.cdr_dir
        )
        self.takeover = Takeover(
            switch=self.inbound, bus=self.bus, agents=self.agents, recorder=self.recorder,
            answered=self.agent_calls.answered, queues=self.agent_calls.queues,
            finish_wrap_up=self.agent_calls.finish_wrap_up, live_calls=self.live_calls,
        )  # fmt: skip

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self, wait_connected: float | None = 10.0) -> Engine:
        """Connect to FreeSWITCH, open the outbound socket, consume agent commands."""
        held = self.agents.restore()
        self.inbound.start()
        if wait_connected and not self.inbound.wait_connected(wait_connected):
            log.warning(
                "FreeSWITCH not reachable yet; retrying in the background",
                esl=f"{self.settings.esl.host}:{self.settings.esl.port}",
            )
        self.outbound.start()
        cluster = Cluster(
            self.live, self.settings.node_id, self.agents, self.reservations, self._run_command
        )
        cluster.prepare()  # agent commands sent from now on are kept for this engine
        self.monitoring.prepare()
        self.status.running()  # before the takeover, whose fields it clears, can begin
        self._greenlets.append(gevent.spawn(self._take_over, held))
        self._greenlets += [*cluster.start(), self.monitoring.start()]
        self._greenlets.append(gevent.spawn(self._reload_queues))
        self._greenlets.append(
            gevent.spawn(self.flow_problems.run, self.settings.ivr.reload_interval)
        )
        self._greenlets += [self.records.start(), *self.postprocess.start()]
        log.info(
            "engine started",
            node=self.settings.node_id,
            outbound=f"{self.outbound.address[0]}:{self.outbound.address[1]}",
        )
        return self

    def stop(self) -> None:
        """Stop taking calls and disconnect. Callers in the IVR or a queue stay on FreeSWITCH
        (socket_resume: music) and calls in progress stay bridged: the next engine process of
        this node takes them over (engine/restart/readopt.py, engine/restart/takeover.py)."""
        self.stopping = True
        gevent.killall(self._greenlets)
        self.dispatcher.stop()
        self.outbound.stop()
        self.inbound.stop()
        self.status.stopped()

    # -- calls --------------------------------------------------------------------------------

    def _handle_call(self, session: OutboundSession) -> None:
        handler = CallHandler(
            session,
            bus=self.bus,
            dispatcher=self.dispatcher,
            switch=self.inbound,
            ivr=self.ivr,
            recordings=Path(self.settings.recording.path),
            callbacks=self.callbacks,
            average_handle=self.queue_stats.average_handle,
            stopping=lambda: self.stopping,
        )
        self._handlers[handler.call_uuid] = handler
        try:
            handler.run()
        finally:
            self._handlers.pop(handler.call_uuid, None)

    def _ivr_config(self, settings: Settings) -> IvrConfig:
        """Flows by dialled number (queue names checked against SQL), screening, lookups."""
        ivr = settings.ivr
        folder = Path(ivr.flows)
        if not folder.is_dir() and SHIPPED_FLOWS.is_dir():
            log.warning(
                "IVR flow folder not found; using the shipped sample flows",
                folder=str(folder),
                shipped=str(SHIPPED_FLOWS),
            )
            folder = SHIPPED_FLOWS
        queues = self.store.queue_names()
        registry = FlowRegistry(
            folder,
            prompts_dir=Path(ivr.prompts),
            known_queues=queues or None,  # no queues yet: the check is skipped
            numbers=ivr.numbers,
            default_flow=ivr.default_flow,
            check_interval=ivr.reload_interval,
            limits=FlowLimits.of(ivr),
        )
        flood = FloodLimit(self.live, ivr.flood_max_calls, ivr.flood_window_minutes)
        return IvrConfig(
            registry=registry,
            screening=Screening(self.store, flood, utcnow),
            lookups=EngineLookups(self.store),
            regions=default_regions(ivr.region_table or DEFAULT_TABLE, ivr.home_country_code),
            prompts_dir=Path(ivr.prompts),
            voicemail_dir=Path(settings.recording.path).resolve() / "voicemail",
            timezone=settings.timezone,
            tts_engine=ivr.tts_engine,
            tts_voice=ivr.tts_voice,
            tts_voices=ivr.tts_voices,
            owner=owner_mark(settings.node_id, self.process_id),
            transfer_context=ivr.transfer_context,
            input_margin=ivr.input_margin,
            max_steps=ivr.max_steps,
            blocked_prompt=ivr.blacklist_prompt,
            default_queue=settings.routing.default_queue,
            music=settings.routing.music,
            speech=recognizer_from_settings(settings),
            speech_dir=ivr.speech_dir,
            speech_silence_seconds=ivr.speech_silence_seconds,
            speech_threshold=ivr.speech_threshold,
            survey_flow=ivr.survey_flow,
        )

    def _take_over(self, held: list[Agent]) -> None:
        """After a restart: callers this node left waiting come back into line, its calls in
        progress go on under their records, its agents' calls are taken over."""
        if not self.inbound.wait_connected(60.0):
            for agent in held:
                self.agents.release(agent.agent_id)
            return
        adopted = self.take_back.once()
        restored = self.callbacks.restore(self.recorder.adopt)
        self.takeover.run(held)
        orphans = self.takeover.close_orphans(self.snapshots, self.settings.node_id)
        counts = {
            "callers": adopted, "callbacks": restored,
            "talking": len(self.takeover.calls), "ended_meanwhile": orphans,
        }  # fmt: skip
        self.status.taken_over(**counts)
        log.info("previous process taken over", **counts)
        self._greenlets.append(gevent.spawn(self.take_back.sweep))
        self._greenlets.append(gevent.spawn(self.unseen.run, self.take_back.interval))

    def _reload_queues(self) -> None:
        """Queues are edited at run time: re-read their settings every few seconds."""
        routing = self.settings.routing
        while True:
            gevent.sleep(routing.queue_reload_seconds)
            try:
                self.policies = load_policies(
                    self.store.sessions, routing.ring_timeout, routing.max_no_answer
                )
            except Exception as exc:  # database down, bad row: keep the last good settings
                log.warning("queue settings not reloaded", error=str(exc))
            self.dispatcher.wake()  # new settings may match callers to agents

    def _policy(self, queue: str) -> QueuePolicy:
        routing = self.settings.routing
        return self.policies.get(queue) or QueuePolicy(
            routing.ring_timeout, routing.max_no_answer, routing.wrap_up_seconds
        )

    # -- agent commands (console / CTI -> engine) ---------------------------------------------

    def _run_command(self, message: dict) -> None:
        agent_id = str(message.get("agent_id", ""))
        action = str(message.get("action", ""))
        try:
            data = AgentCommand.from_message(message).message()  # the console's rules again
            agent = self.agents.get(agent_id)
            if action in RECORDING_ACTIONS:
                return self.recording_control.command(agent, action)
            agent.check(action)
            if action == "login":
                self.agents.apply(agent_id, "login", agent.queues)
            elif action == "not_ready":
                self.agents.apply(agent_id, "not_ready", str(data.get("reason") or "break"))
            elif action in ("logout", "ready"):
                self.agents.apply(agent_id, action)
            elif action == "extend_wrap_up":
                self.agent_calls.extend_wrap_up(agent_id, data)
            elif action == "dial":
                self.outbound_calls.dial(agent_id, data.get("number"), data.get("ticket"))
            elif self.cti.handles(agent_id, action):
                self.cti.run(agent_id, action, data)
            elif action in ("hangup", "hold", "unhold"):
                self._call_control(agent_id, action)
            else:
                raise AgentStateError(f"agent action {action!r} is not carried out here")
        except (ActionError, AgentStateError, SwitchError) as exc:
            log.info("agent command refused", agent_id=agent_id, action=action, error=str(exc))
            self._tell_agent(agent_id, {"error": str(exc), "action": action})

    def _call_control(self, agent_id: str, action: str) -> None:
        """Hang up / hold / unhold the agent's current call (the agent leg, S05a)."""
        agent = self.agents.get(agent_id)
        handler = self.live_calls.get(agent.call_uuid)
        if handler is None or not handler.agent_leg:
            raise AgentStateError(f"agent {agent_id} has no call this engine carries")
        leg = handler.agent_leg
        if action == "hangup":
            self.inbound.api(commands.uuid_kill(leg, "NORMAL_CLEARING"))
        elif action == "hold":
            self.inbound.api(commands.uuid_hold(leg, "on"))
            self.agents.apply(agent_id, "hold")
        else:
            self.inbound.api(commands.uuid_hold(leg, "off"))
            self.agents.apply(agent_id, "unhold")
        self._tell_agent(agent_id, {"done": action, "call_uuid": handler.call_uuid})

    def _tell_agent(self, agent_id: str, message: dict) -> None:
        try:
            self.live.publish(agent_channel(agent_id), message)
        except LiveError:
            log.warning("could not tell the agent", agent_id=agent_id)
