"""`callcenter demo`: engine + console + simulated FreeSWITCH with callers and agents.

Everything runs on this machine: a private redis-server, a SQLite file under var/demo, the
FreeSWITCH simulator on a free port, the engine against it, the console, and the simulated
population. Logins are generated per run and printed.
"""

from __future__ import annotations

import secrets
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from callcenter.config import Settings, load_settings
from callcenter.logs import get_logger

log = get_logger(__name__)

QUEUES = ("sales", "support", "complaints", "operator")  # the queues the sample flows name
DEMO_FLOW = "demo"  # ivr_flows/demo.yaml: main's menu without its business-hours check
SURVEY_FLOW = "survey"  # ivr_flows/survey.yaml: the post-call rating


def free_port() -> int:
    """A TCP port nobody listens on right now (127.0.0.1)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RedisProcess:
    """A private redis-server for the demo (no persistence), stopped with the demo.

    It runs in a session of its own: a Ctrl-C in the terminal signals the whole foreground
    process group, and Redis must outlive the engine's shutdown (its owner stops it last)."""

    def __init__(self, workdir: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            raise SystemExit("redis-server is not installed; run scripts/install.sh first")
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise SystemExit("redis-server did not start")

    @property
    def url(self) -> str:
        """redis:// URL of this server."""
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        """Terminate the server."""
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)


@dataclass
class DemoLogins:
    """Generated console accounts of one demo run."""

    admin: str
    supervisor: str
    agent: str


def seed(db_url: str, extensions: list[str], language: str = "zh") -> DemoLogins:
    """Migrate a fresh database and add queues, agents and console users (in ``language``)."""
    from callcenter.store import models
    from callcenter.store.migrate import upgrade
    from callcenter.store.repositories import create_user
    from callcenter.store.session import session_scope

    upgrade(db_url)
    logins = DemoLogins(*(secrets.token_urlsafe(9) for _ in range(3)))
    with session_scope(db_url) as session:
        create_user(session, "admin", logins.admin, "admin", language=language)
        create_user(session, "supervisor", logins.supervisor, "supervisor", language=language)
        queues = {name: models.Queue(name=name, wrap_up_seconds=3) for name in QUEUES}
        # Waiting callers hear their place every 30 s; support offers a callback on 5, and
        # sales sends callers still waiting after 2 minutes to support.
        for queue in queues.values():
            queue.announce_position, queue.announce_wait_time = True, True
            queue.announce_interval_seconds = 30
        queues["support"].callback_key = "5"
        queues["sales"].max_wait_seconds, queues["sales"].overflow_target = 120, "queue:support"
        session.add_all(queues.values())
        for index, extension in enumerate(extensions):
            user = create_user(
                session, f"agent{extension}", logins.agent, "agent", language=language
            )
            agent = models.Agent(
                number=extension, sip_user=extension, user=user, display_name=f"Agent {extension}"
            )
            session.add(agent)
            # Everyone takes support and the operator line; sales and complaints are split.
            names = ["support", "sales" if index % 2 == 0 else "complaints", "operator"]
            for position, name in enumerate(names, start=1):
                session.add(models.AgentQueue(agent=agent, queue=queues[name], position=position))
    return logins


def demo_flows(base: Settings) -> Path:
    """The configured flow folder if it has the demo flow, else the shipped ivr_flows/."""
    from callcenter.engine.calls.ivr_setup import SHIPPED_FLOWS

    configured = Path(base.ivr.flows).resolve()
    if (configured / f"{DEMO_FLOW}.yaml").is_file():
        return configured
    return SHIPPED_FLOWS


def demo_settings(
    base: Settings,
    workdir: Path,
    redis_url: str,
    esl_port: int,
    esl_password: str,
    outbound_port: int,
    console_port: int,
) -> Settings:
    """The demo's settings: everything local and private to this run."""
    return base.model_copy(
        update={
            "esl": base.esl.model_copy(update={"port": esl_port, "password": esl_password}),
            "outbound": base.outbound.model_copy(update={"port": outbound_port}),
            "database": base.database.model_copy(update={"url": f"sqlite:///{workdir}/demo.db"}),
            "redis": base.redis.model_copy(update={"url": redis_url}),
            "console": base.console.model_copy(update={"port": console_port}),
            "routing": base.routing.model_copy(
                update={"domain": "127.0.0.1", "wrap_up_seconds": 3.0}
            ),
            # The shipped sample flows; the hotline runs the demo flow, which reaches agents
            # at any hour (main.yaml alone sends night calls to voicemail). Callers whose agent
            # hangs up first get the post-call survey (ivr_flows/survey.yaml).
            "ivr": base.ivr.model_copy(
                update={
                    "flows": demo_flows(base),
                    "numbers": {"5000": DEMO_FLOW},
                    "survey_flow": base.ivr.survey_flow or SURVEY_FLOW,
                }
            ),
            "recording": base.recording.model_copy(update={"path": workdir / "recordings"}),
        }
    )


def run_demo(
    agents: int,
    calls_per_minute: float,
    console_port: int,
    duration: float | None,
    workdir: Path,
    seed_value: int | None = None,
    language: str = "zh",
) -> int:
    """Run the demo until Ctrl-C (or ``duration`` seconds); returns calls placed."""
    import gevent

    from callcenter.engine.service import Engine
    from callcenter.live.names import AGENT_COMMANDS
    from callcenter.live.store import LiveStore
    from callcenter.runner import start_console, wait_for_signal
    from callcenter.sim import Switch
    from callcenter.sim.population import Population, PopulationConfig

    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    extensions = [str(1000 + n) for n in range(agents)]
    redis = RedisProcess(workdir)
    parts: list = []
    switch = engine = None
    try:
        outbound_port = free_port()
        esl_password = secrets.token_urlsafe(12)
        switch = Switch(
            password=esl_password, dialplan={"5000": f"127.0.0.1:{outbound_port} async full"}
        ).start()
        parts.append(switch)
        settings = demo_settings(
            load_settings(),
            workdir,
            redis.url,
            switch.port,
            esl_password,
            outbound_port,
            console_port,
        )
        logins = seed(settings.database.url, extensions, language)
        engine = Engine(settings).start()
        parts.append(engine)
        console = start_console(settings)
        parts.append(console)
        live = LiveStore.from_settings(settings)

        def agent_action(extension: str, action: str, reason: str) -> None:
            live.send_command(
                AGENT_COMMANDS, {"agent_id": extension, "action": action, "reason": reason}
            )

        population = Population(
            switch,
            PopulationConfig(agents=extensions, calls_per_minute=calls_per_minute, seed=seed_value),
            agent_action,
        ).start()
        parts.append(population)
        url = f"http://127.0.0.1:{console.server_port}/"
        try:
            print(f"\ncallcenter demo running: console {url}", flush=True)
            print(f"  admin      / {logins.admin}", flush=True)
            print(f"  supervisor / {logins.supervisor}", flush=True)
            print(f"  agent1000..agent{extensions[-1]} / {logins.agent}", flush=True)
            print(
                f"  hotline 5000 on the simulated FreeSWITCH (ESL 127.0.0.1:{switch.port}); "
                f"{len(extensions)} agents, {calls_per_minute:g} calls/minute. Ctrl-C stops.",
                flush=True,
            )
            wait_for_signal(duration)
        except KeyboardInterrupt:
            pass  # Ctrl-C / SIGTERM right after the banner, before the wait: the same stop
        return population.calls_placed
    finally:
        # The switch stops before the engine: it hangs up every call, so the engine writes
        # each call's record (an engine stopped first leaves its calls to its next process).
        for part in reversed(parts):
            if part is engine:
                continue
            try:
                part.stop()
            except Exception:  # keep stopping the rest
                log.exception("demo shutdown step failed")
            if part is switch and engine is not None:
                gevent.sleep(1.0)  # the engine hears the hangups and writes the records
        try:
            if engine is not None:
                engine.stop()
        finally:
            redis.stop()  # last: the engine's shutdown still writes to Redis
