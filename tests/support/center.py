"""One call center for an engine test: agents and queues seeded in SQLite, IVR flows on disk,
the FreeSWITCH simulator, the engine (a child process, or in this process with
``in_process=True``) and a LiveStore, ended by ``close()``."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, Self

import pytest
from sqlalchemy import select, update

from callcenter.live.store import LiveStore
from callcenter.sim import Switch
from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.engine_process import EngineProcess, hotline_actions, start_engine
from tests.support.flows import QUEUES, sample_flows
from tests.support.in_process import InProcessEngine, cooperative_live, start_in_process

PASSWORD = "sim-secret-1"  # the simulator's ESL password in engine tests
SCALE = 0.25  # simulated durations run 4x faster


def seed_agents(
    db_url: str, extensions: list[str], queues: list[str], strategy: str = "longest-idle-agent"
) -> None:
    """Queues with ``strategy``; agents in every queue, the last extension at position 1."""
    with session_scope(db_url) as session:
        rows = {
            name: models.Queue(name=name, wrap_up_seconds=1, strategy=strategy) for name in queues
        }
        session.add_all(rows.values())
        for position, extension in enumerate(reversed(extensions), start=1):
            agent = models.Agent(
                number=extension, sip_user=extension, display_name=f"Agent {extension}"
            )
            session.add(agent)
            for name in queues:
                session.add(models.AgentQueue(agent=agent, queue=rows[name], position=position))


def event_types(db_url: str, call_id: int) -> list[str]:
    """The types of a call's event rows, in order."""
    with session_scope(db_url) as session:
        return list(
            session.scalars(
                select(models.CallEvent.type)
                .where(models.CallEvent.call_id == call_id)
                .order_by(models.CallEvent.ts, models.CallEvent.id)
            )
        )


RINGING = {"ROUTING__RING_TIMEOUT": "4", "ROUTING__MAX_NO_ANSWER": "2"}
"""Agents ring 4 s; two calls left unanswered in a row take an agent out (engine settings)."""


class Center:
    """Simulator, engine process(es) and LiveStore of one test, built from the test's variations."""

    def __init__(
        self,
        tmp: Path,
        db_url: str,
        redis_url: str,
        prefix: str,
        *,
        request: pytest.FixtureRequest | None = None,  # its queue_* / engine_env markers win
        agents: Sequence[str] = ("1000", "1001"),  # in every queue; none seeded if empty
        strategy: str = "longest-idle-agent",  # routing strategy of the seeded queues
        queue_rules: Mapping[str, object] | None = None,  # columns of the support queue
        flows: Mapping[str, str] | Path | None = None,  # texts by name, a directory, or samples
        notice: bool = False,  # the samples keep main.yaml's recording notice
        numbers: Mapping[str, str] | None = None,  # IVR__NUMBERS
        default_flow: str | None = None,  # IVR__DEFAULT_FLOW
        env: Mapping[str, str] | None = None,  # more CALLCENTER_ settings of the engine
        hotline: Literal["plain", "shipped"] = "plain",  # bare socket or shipped extension
        hotlines: Iterable[str] | None = None,  # routed numbers; default 5000 and numbers'
        time_scale: float | None = None,  # of the simulator; default SCALE
        outbound_port: int | None = None,  # every engine listens here; the dialplan stays
        start: bool = True,  # start one engine now
        in_process: bool = False,  # the engine in this process's gevent hub, not a child
    ) -> None:
        """Seed SQLite, write the flows, start the simulator, a LiveStore and maybe an engine."""
        rules = dict(queue_rules or {})
        settings = dict(env or {})
        if request is not None:
            if marker := request.node.get_closest_marker("queue_strategy"):
                strategy = marker.args[0]
            if marker := request.node.get_closest_marker("queue_rules"):
                rules.update(marker.kwargs)
            if marker := request.node.get_closest_marker("engine_env"):
                settings.update(marker.kwargs)
        if agents:
            seed_agents(db_url, list(agents), QUEUES, strategy)
        if rules:
            with session_scope(db_url) as session:
                session.execute(
                    update(models.Queue).where(models.Queue.name == "support").values(**rules)
                )
        if flows is None:
            flows = sample_flows(tmp / "flows", notice=notice)
        elif not isinstance(flows, Path):
            texts, flows = flows, tmp / "flows"
            flows.mkdir(parents=True, exist_ok=True)
            for name, text in texts.items():
                (flows / f"{name}.yaml").write_text(text.lstrip(), encoding="utf-8")
        head = {"IVR__FLOWS": str(flows), "RECORDING__PATH": str(tmp / "recordings")}
        if numbers:
            head["IVR__NUMBERS"] = json.dumps(dict(numbers))
        if default_flow:
            head["IVR__DEFAULT_FLOW"] = default_flow
        self.tmp, self.db_url, self.redis_url, self.prefix = tmp, db_url, redis_url, prefix
        self.flows, self.settings, self.password = flows, head | settings, PASSWORD
        self.hotline = hotline
        self.hotlines = list(hotlines) if hotlines is not None else ["5000", *(numbers or {})]
        self.outbound_port, self.in_process = outbound_port, in_process
        self.engine: EngineProcess | InProcessEngine | None = None
        self.engines: list[EngineProcess | InProcessEngine] = []
        self.switch = Switch(
            password=PASSWORD, time_scale=SCALE if time_scale is None else time_scale
        ).start()
        # In one hub with the engine, the test's Redis waits must yield to it too.
        self.live = (
            cooperative_live(redis_url, prefix) if in_process else LiveStore(redis_url, prefix)
        )
        try:
            if outbound_port is not None:  # one engine address, as in a real dialplan
                self._route(outbound_port)
            if start:
                self.start_engine()
        except BaseException:
            self.close()
            raise

    def _route(self, port: int) -> None:
        target = f"127.0.0.1:{port} async full"
        for number in dict.fromkeys(self.hotlines):
            actions = hotline_actions(target) if self.hotline == "shipped" else target
            self.switch.dialplan[number] = actions

    def start_engine(self, home: Path | None = None) -> EngineProcess | InProcessEngine:
        """Start an engine (in ``home``, a new directory, if given) and route the hotlines to it."""
        if home is not None:
            home.mkdir()
        engine = (start_in_process if self.in_process else start_engine)(
            home or self.tmp,
            esl_port=self.switch.port,
            esl_password=self.password,
            db_url=self.db_url,
            redis_url=self.redis_url,
            redis_prefix=self.prefix,
            outbound_port=self.outbound_port,
            **self.settings,
        )
        self.engines.append(engine)
        self.engine = engine
        if self.outbound_port is None:
            self._route(engine.outbound_port)
        return engine

    def start_engine_in(self, name: str) -> EngineProcess | InProcessEngine:
        """Start an engine in the new directory ``tmp/name`` (one per process of a restart)."""
        return self.start_engine(self.tmp / name)

    @property
    def recordings(self) -> Path:
        """The folder the engine writes call recordings under."""
        return self.tmp / "recordings"

    def stop_engine(self) -> None:
        """Stop the engine started last, if it runs."""
        if self.engine is not None:
            self.engine.stop()
            self.engine = None

    def close(self) -> None:
        """Stop every engine started, the simulator and the LiveStore."""
        for engine in self.engines:
            engine.stop()
        self.engine = None
        self.switch.stop()
        self.live.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
