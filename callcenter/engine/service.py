"""The engine process: wires the switch, ACD dispatch, live state, SQL and agent commands.

:class:`Engine` is the composition root: it builds every part of ``engine/`` and connects
them (:meth:`Engine.__init__`), and starts and stops them (:meth:`Engine.start`,
:meth:`Engine.stop`). What each part does lives in its own module; see docs/architecture.md.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import gevent

from callcenter.config import Settings
from callcenter.engine.agents.book import AgentBook
from callcenter.engine.agents.call_control import CallControl
from callcenter.engine.agents.calls import AgentCalls
from callcenter.engine.agents.channel import AgentChannel
from callcenter.engine.agents.cluster import Cluster
from callcenter.engine.agents.commands import CommandRouter
from callcenter.engine.bus import Bus
from callcenter.engine.calls.handler import CallHandler
from callcenter.engine.calls.ivr_setup import ivr_config
from callcenter.engine.calls.live_calls import LiveCalls
from callcenter.engine.calls.session_events import AFTER_HANGUP_HEADERS, SESSION_EVENTS
from callcenter.engine.config_watch import ConfigWatch
from callcenter.engine.cti.actions import Cti
from callcenter.engine.cti.click_to_call import OutboundCall, OutboundCalls
from callcenter.engine.desktop.call_mirror import CallMirror
from callcenter.engine.flow_problems import FlowProblemsBoard
from callcenter.engine.media.postprocess_jobs import PostProcessQueue
from callcenter.engine.media.recording_control import RecordingControl
from callcenter.engine.metrics.wiring import EngineMetrics
from callcenter.engine.monitoring.audit import MonitorAudit
from callcenter.engine.monitoring.service import Monitoring
from callcenter.engine.records.buffer import RecordBuffer
from callcenter.engine.records.persistence import EngineStore
from callcenter.engine.records.recorder import CallRecorder
from callcenter.engine.records.voicemail_tickets import VoicemailTickets
from callcenter.engine.restart.readopt import RedisSnapshots, TakeBack, owner_mark
from callcenter.engine.restart.sequence import RestartSequence
from callcenter.engine.restart.status import EngineStatus
from callcenter.engine.restart.takeover import Takeover
from callcenter.engine.restart.unseen_calls import UnseenCalls
from callcenter.engine.routing.callback_store import PendingCallbacks
from callcenter.engine.routing.dialer import EslAgentDialer
from callcenter.engine.routing.dispatcher import Dispatcher
from callcenter.engine.routing.queue_policies import QueuePolicies
from callcenter.engine.routing.queue_stats import QueueStats
from callcenter.engine.routing.queued_callbacks import Callbacks, QueuedCallback
from callcenter.live.reservation import Reservations
from callcenter.live.store import LiveStore
from callcenter.live.write_behind import WriteBehind
from callcenter.logs import get_logger
from callcenter.store.session import make_engine, session_factory
from callcenter.switch.outbound import OutboundServer, OutboundSession
from callcenter.switch.supervisor import ReconnectingInbound

log = get_logger(__name__)

CTI_CALLS = (CallHandler, OutboundCall, QueuedCallback)
"""The kinds of call the CTI acts on (a call taken over after a restart: hang up / hold only)."""


class Engine:
    """One engine next to one FreeSWITCH: start(), then it runs until stop()."""

    def __init__(self, settings: Settings, live: LiveStore | None = None) -> None:
        self.settings = settings
        self._recordings = Path(settings.recording.path)  # one Path, not one per call
        self.stopping = False
        self.process_id = uuid.uuid4().hex[:12]  # tells this process's callers from the last's
        self.live = live or LiveStore.from_settings(settings)
        self.status = EngineStatus(self.live, settings.node_id, self.process_id)
        self.store = EngineStore(session_factory(make_engine(settings.database.url)))
        self.bus = Bus()
        routing = settings.routing
        recordings = Path(settings.recording.path)
        self.ivr = ivr_config(
            settings, self.store, self.live, owner_mark(settings.node_id, self.process_id)
        )
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
            api_connections=settings.esl.api_connections,
        )
        self.agent_channel = AgentChannel(self.live)
        tell = self.agent_channel.tell
        self.queue_policies = QueuePolicies(self.store.sessions, routing)
        self.dialer = EslAgentDialer(self.inbound, routing.domain)
        self.dispatcher = Dispatcher(self.bus, self.agents, self.dialer, self.queue_policies.policy)
        self.dispatcher.miss_delays = routing.miss_delays()  # skip agents after a missed offer
        self.config_watch = ConfigWatch(  # admin changes: queues and agents reloaded at once
            self.live, self.queue_policies, self.agents, self.store.load_agents,
            self.dispatcher.wake,
        )  # fmt: skip
        self.live_writes = WriteBehind(self.live)  # per-event writes, one round trip together
        self.snapshots = RedisSnapshots(self.live, self.live_writes)

        # -- bus consumers, in the order they receive an event -------------------------------
        # The bus hands an event to the subscribers of its own type first, then to those of
        # BusEvent (every event: the recorder, the mirror), each group in the order built here.
        # Where it matters (tests/unit/test_engine_wiring.py fails if it changes):
        # * AgentCalls before CallRecorder on CallEnded: the agent's move to wrap-up is folded
        #   into the still-open record (their leg ends, wrap-up starts) before it is written;
        # * CallRecorder before CallMirror: a call leaves the wallboard once its record is
        #   written (or buffered);
        # * AgentCalls before CallMirror: the mirror asks AgentCalls who talks on the call.
        self.queue_stats = QueueStats(self.bus, routing.default_handle_seconds)
        self.voicemail_tickets = VoicemailTickets(
            self.bus, self.store.sessions, settings.tickets, self.store.customer_by_number
        )
        # /metrics and /healthz; its call figures count each record on its way to the buffer
        self.metrics = EngineMetrics(
            settings.metrics, bus=self.bus, inbound=self.inbound, live=self.live,
            sessions=self.store.sessions, waiting=self.dispatcher.waiting, agents=self.agents.all,
            records_pending=self.records.pending,
        )  # fmt: skip
        self.recorder = CallRecorder(
            self.bus, self.metrics.calls.counting(self.records.write_call),
            node=settings.node_id, snapshots=self.snapshots,
        )  # fmt: skip
        self.recording_control = RecordingControl(self.bus, self.inbound, tell)
        self.call_mirror = CallMirror(
            self.bus, self.live, lambda call_uuid: self.agent_calls.answered.get(call_uuid, ""),
            self.live_writes,
        )  # fmt: skip
        self.agent_calls = AgentCalls(
            self.bus, self.agents, self.queue_policies.wrap_up_seconds, tell
        )

        # -- calls of every kind, and what agents do with them --------------------------------
        self.outbound = OutboundServer.from_settings(
            settings.outbound,
            self._handle_call,
            events=SESSION_EVENTS,
            after_hangup_headers=AFTER_HANGUP_HEADERS,
        )
        self._greenlets: list[gevent.Greenlet] = []
        self.live_calls = LiveCalls()  # every call this engine carries, any kind
        self._handlers = self.live_calls.view(CallHandler)
        self.outbound_calls = OutboundCalls(
            switch=self.inbound, bus=self.bus, agents=self.agents, dispatcher=self.dispatcher,
            routing=routing, end_agent_call=self.agent_calls.end, tell=tell,
            recordings=recordings, live_calls=self.live_calls,
        )  # fmt: skip
        self.callbacks = Callbacks(
            switch=self.inbound, bus=self.bus, dispatcher=self.dispatcher, routing=routing,
            recordings=recordings, tell=tell,
            pending=PendingCallbacks(self.live, settings.node_id), live_calls=self.live_calls,
        )  # fmt: skip
        self.cti = Cti(
            switch=self.inbound, bus=self.bus, agents=self.agents, dispatcher=self.dispatcher,
            routing=routing, domain=routing.domain, tell=tell,
            find_call=lambda call_uuid: self.live_calls.get_of(call_uuid, CTI_CALLS),
            queue_of=self.agent_calls.queue_of, queue_names=self.store.queue_names,
            end_agent_call=self.agent_calls.end,
        )  # fmt: skip
        self.commands = CommandRouter(
            agents=self.agents, agent_calls=self.agent_calls, recording=self.recording_control,
            outbound_calls=self.outbound_calls, cti=self.cti, tell=tell,
            call_control=CallControl(self.inbound, self.agents, self.live_calls, tell),
        )  # fmt: skip

        self.monitoring = Monitoring(
            self.inbound, self.bus, self.live, settings.node_id, routing.domain
        )
        self.monitor_audit = MonitorAudit(self.bus, self.store.sessions)

        # -- after a restart ------------------------------------------------------------------
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
        self.restart = RestartSequence(
            switch=self.inbound, agents=self.agents, take_back=self.take_back,
            callbacks=self.callbacks, recorder=self.recorder, takeover=self.takeover,
            snapshots=self.snapshots, unseen=self.unseen, status=self.status,
            node=settings.node_id,
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
            self.live, self.settings.node_id, self.agents, self.reservations,
            self.commands.run_message,
        )  # fmt: skip
        cluster.prepare()  # agent commands sent from now on are kept for this engine
        self.monitoring.prepare()
        self.status.running()  # before the takeover, whose fields it clears, can begin
        self._greenlets.append(gevent.spawn(self.restart.run, held))
        self._greenlets += [*cluster.start(), self.monitoring.start()]
        self._greenlets += self.config_watch.start()
        self._greenlets.append(
            gevent.spawn(self.flow_problems.run, self.settings.ivr.reload_interval)
        )
        self._greenlets += [self.records.start(), *self.postprocess.start()]
        self.metrics.start()
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
        gevent.killall(self._greenlets + self.restart.sweeps)
        self.dispatcher.stop()
        self.outbound.stop()
        self.inbound.stop()
        self.metrics.stop()
        self.live_writes.flush()  # the open records as they are now, for the next process
        self.status.stopped()

    # -- calls --------------------------------------------------------------------------------

    def _handle_call(self, session: OutboundSession) -> None:
        """The outbound socket's handler: one inbound caller's whole life, in its greenlet."""
        handler = CallHandler(
            session,
            bus=self.bus,
            dispatcher=self.dispatcher,
            switch=self.inbound,
            ivr=self.ivr,
            recordings=self._recordings,
            callbacks=self.callbacks,
            average_handle=self.queue_stats.average_handle,
            stopping=lambda: self.stopping,
        )
        self._handlers[handler.call_uuid] = handler
        try:
            handler.run()
        finally:
            self._handlers.pop(handler.call_uuid, None)
