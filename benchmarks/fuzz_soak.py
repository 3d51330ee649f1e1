"""Fuzz soak: hostile inputs into the ESL parser, the console's routes and the flow loader while
a real engine and console serve calls on the FreeSWITCH simulator (issue #14).

Everything runs on 127.0.0.1 and is private to the run: a redis-server, a SQLite file seeded
like the demo, the simulator, the engine (``callcenter serve --no-console``) and the console
(``callcenter serve --no-engine``) as child processes. ``--agents`` softphones answer after
0.5 s and hang up after 2 s; a caller dials the hotline every ``1/--rate`` s (its flow plays a
tone and queues). Meanwhile ``--inputs`` fuzzed inputs are split ``--split`` (parser, API,
flows; default 60,30,10 per cent):

* parser: mutated frames of tests/fixtures/freeswitch-traces/ fed in random chunks to the
  engine's FrameParser and decode_event here (only ProtocolError may come out; the fast
  plain-event decoder must agree with the exact one); every 200th, a mutated client command
  goes to the simulator's ESL port, which must keep answering ``api status``;
* API: generated requests over every route of the console's url_map as admin, supervisor,
  agent and nobody (benchmarks/fuzz_http.py), JSON/form/broken/oversized bodies, queries;
* flows: mutated copies of ivr_flows/*.yaml through the loader and checks here; every 20th
  into the engine's flows folder (its hot reload reads it), every 100th the serving flow
  itself replaced by a certainly broken one: the last good version must keep serving.

Figures (last line, one JSON object): inputs, server_errors (5xx answers), crashes (tracebacks
or "unhandled" in the engine and console logs, exceptions other than the documented error types
here), engine_calls_failed (calls placed during the soak that never reached an agent, including
one placed at the end while the serving flow file is broken), seconds, split, seed, and per
target counts with the first examples of every finding. Target: 0, 0, 0.

Usage: ``python3 benchmarks/fuzz_soak.py [--inputs 100000] [--split 60,30,10] [--seed 1]
[--workers 6] [--rate 1] [--agents 6] [--workdir DIR]``; ``--inputs 2000`` is the quick mode.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import secrets  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import cpu_seconds, make_workdir, report, run_harness, stop_center  # noqa: E402
from benchmarks.console_process import start_console, stop_console  # noqa: E402
from benchmarks.fuzz_http import ApiTarget, Identity, routes_of  # noqa: E402
from benchmarks.fuzz_inputs import Inputs, console_vocabulary  # noqa: E402
from benchmarks.fuzz_targets import Findings  # noqa: E402
from callcenter.config import Settings  # noqa: E402
from callcenter.demo import RedisProcess, free_port, seed  # noqa: E402
from callcenter.live.names import AGENT_COMMANDS  # noqa: E402
from callcenter.live.store import LiveStore  # noqa: E402
from callcenter.sim import Switch  # noqa: E402
from callcenter.sim.endpoints import Caller  # noqa: E402
from tests.support.engine_process import EngineProcess, start_engine  # noqa: E402
from tests.support.flows import sample_flows  # noqa: E402

HOTLINE = "5000"
PREFIX = "soak"
CONSOLE_AGENT = "1099"  # the agent the console fuzz signs in as; in no queue, no phone
SERVING = "soak.yaml"
FLOW = """\
name: soak
description: a tone, then the support queue
start: hello
nodes:
  hello:
    type: play
    prompt: "tone_stream://%(500,0,440)"
    next: line
  line:
    type: queue
    queue: support
"""
CRASH_LINE = re.compile(r"Traceback|unhandled", re.IGNORECASE)
ERROR_LINE = re.compile(r'"level": "(error|critical)"|\[(error|critical)\s*\]')


class Soak:
    """One run: the center, the callers, the three targets and the figures."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args, self.workdir = args, workdir
        self.rng = random.Random(args.seed)
        self.password = secrets.token_urlsafe(12)
        self.serving = [str(1000 + n) for n in range(args.agents)]
        self.db_url = f"sqlite:///{workdir / 'soak.db'}"
        self.redis = RedisProcess(workdir)
        self.switch: Switch | None = None
        self.engine: EngineProcess | None = None
        self.console: subprocess.Popen | None = None
        self.live: LiveStore | None = None
        self.callers: list[Caller] = []
        self.call_uuids: list[str] = []
        self.agents_reset = 0
        self.placing = True

    # -- set-up ----------------------------------------------------------------------------
    def start(self) -> None:
        """Seed, write the flows, start switch, engine and console, sign the agents in."""
        logins = seed(self.db_url, [*self.serving, CONSOLE_AGENT])
        self.victims = self._victims(logins.agent)
        self.flows = sample_flows(self.workdir / "flows")
        (self.flows / SERVING).write_text(FLOW, encoding="utf-8")
        self.switch = Switch(
            password=self.password, time_scale=1.0, users=[*self.serving, CONSOLE_AGENT],
            dialplan={},
        ).start()  # fmt: skip
        home = self.workdir / "engine"
        home.mkdir()
        self.engine = start_engine(
            home, esl_port=self.switch.port, esl_password=self.password, db_url=self.db_url,
            redis_url=self.redis.url, redis_prefix=PREFIX, IVR__FLOWS=str(self.flows),
            IVR__NUMBERS=json.dumps({HOTLINE: "soak"}), IVR__RELOAD_INTERVAL="0.5",
            ROUTING__WRAP_UP_SECONDS="0.5",
        )  # fmt: skip
        self.switch.dialplan[HOTLINE] = f"127.0.0.1:{self.engine.outbound_port} async full"
        self.live = LiveStore(self.redis.url, PREFIX)
        for ext in self.serving:
            self.switch.add_softphone(ext, answer_after=0.5, hangup_after=2.0, register="quiet")
            for action in ("login", "ready"):
                self.live.send_command(AGENT_COMMANDS, {"agent_id": ext, "action": action})
        self.port = self._start_console()
        self.identities = [
            Identity("admin", "admin", logins.admin),
            Identity("supervisor", "supervisor", logins.supervisor),
            Identity("agent", f"agent{CONSOLE_AGENT}", logins.agent),
        ]

    def _victims(self, password: str) -> list[int]:
        """Users the admin routes may change (the soak's own users stay untouched); the
        console agent's extension leaves every queue so it is never offered a call."""
        from sqlalchemy import delete, select

        from callcenter.store import models
        from callcenter.store.repositories import create_user
        from callcenter.store.session import session_scope

        with session_scope(self.db_url) as session:
            agent = session.scalars(
                select(models.Agent).where(models.Agent.number == CONSOLE_AGENT)
            ).one()
            session.execute(delete(models.AgentQueue).where(models.AgentQueue.agent_id == agent.id))
            users = [
                create_user(session, f"victim{n}", password, role, language="en")
                for n, role in enumerate(("agent", "supervisor", "agent", "admin"))
            ]
            session.flush()
            return [user.id for user in users]

    def _start_console(self) -> int:
        port = free_port()
        settings = {
            "CALLCENTER_DATABASE__URL": self.db_url, "CALLCENTER_REDIS__URL": self.redis.url,
            "CALLCENTER_REDIS__PREFIX": PREFIX, "CALLCENTER_LOG__FORMAT": "json",
            "CALLCENTER_CONSOLE__SECRET_KEY": secrets.token_hex(16),
        }  # fmt: skip
        self.console, self.console_log = start_console(self.workdir, port, settings)
        return port

    # -- calls -------------------------------------------------------------------------------
    def _place_calls(self) -> None:
        while self.placing:
            self._call()
            gevent.sleep(1.0 / self.args.rate)

    def _call(self) -> Caller:
        number = "139" + "".join(self.rng.choices("0123456789", k=8))
        caller = self.switch.place_call(number, HOTLINE, [])
        self.callers.append(caller)
        self.call_uuids.append(caller.uuid)
        return caller

    def _agents_back(self) -> None:
        """A serving agent the fuzz took out (it should never happen) is signed in again."""
        while True:
            gevent.sleep(1.0)
            for ext in self.serving:
                if self.live.get_agent(ext).get("state") in ("not_ready", "logged_out"):
                    self.agents_reset += 1
                    for action in ("login", "ready"):
                        self.live.send_command(AGENT_COMMANDS, {"agent_id": ext, "action": action})

    def _broken_flow_call(self) -> bool:
        """With the serving flow file broken (a NUL byte), a new call still reaches an agent."""
        (self.flows / SERVING).write_text(FLOW.replace("support", "sup\x00port"), "utf-8")
        gevent.sleep(1.0)  # past the engine's reload interval
        caller = self._call()
        deadline = time.monotonic() + 30
        while not bridged(caller) and not caller.ended.is_set() and time.monotonic() < deadline:
            gevent.sleep(0.1)
        return bridged(caller)

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        """Feed the inputs while calls are placed; wait for the calls; read the logs."""
        args = self.args
        shares = [int(x) for x in args.split.split(",")]
        parser_n = args.inputs * shares[0] // sum(shares)
        api_n = args.inputs * shares[1] // sum(shares)
        flow_n = args.inputs - parser_n - api_n
        findings = Findings()
        from console import create_app

        app = create_app(Settings(database={"url": self.db_url}))
        protected = {*self.serving, "admin", "supervisor"} | {f"agent{e}" for e in self.serving}
        protected.add(f"agent{CONSOLE_AGENT}")
        inputs = Inputs(self.rng, console_vocabulary(), protected)
        api = ApiTarget(
            inputs, self.port, routes_of(app), self.identities, self.victims, self.call_uuids,
            findings,
        )  # fmt: skip
        api.sign_in_all()
        job = {
            "seed": args.seed + 1, "parser": parser_n, "flows": flow_n,
            "protected": sorted(protected),
            "esl_port": self.switch.port, "esl_password": self.password,
            "flows_dir": str(self.flows), "scratch": str(self.workdir / "scratch"),
            "serving": SERVING,
        }  # fmt: skip
        started = time.monotonic()
        local = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "fuzz_local.py"), json.dumps(job)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        placing = gevent.spawn(self._place_calls)
        keeper = gevent.spawn(self._agents_back)
        workers = [
            gevent.spawn(api.worker, api_n // args.workers + (i < api_n % args.workers))
            for i in range(args.workers)
        ]
        gevent.joinall(workers, raise_error=True)
        api_seconds = time.monotonic() - started
        out, _ = local.communicate()
        if local.returncode != 0:
            raise SystemExit(f"the parser/flow fuzz process failed ({local.returncode})")
        here = json.loads(out.strip().splitlines()[-1])
        for kind, count in here["counts"].items():
            findings.counts[kind] += count
            findings.examples.setdefault(kind, []).extend(here["examples"][kind])
        fuzz_seconds = time.monotonic() - started
        self.placing = False
        placing.join()
        broken_ok = self._broken_flow_call()
        (self.flows / SERVING).write_text(FLOW, encoding="utf-8")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(done(c) for c in self.callers):
            gevent.sleep(0.5)
        keeper.kill()
        failed = [c for c in self.callers if not bridged(c)]
        log_crashes = crash_lines(self.engine.log_path) + crash_lines(self.console_log)
        for line in log_crashes:
            findings.add("log_crash", line)
        in_process = sum(
            findings.counts[k]
            for k in ("parser_crash", "flow_crash", "flow_internal_error", "esl_unanswered")
        )
        engine_errors = [ln for ln in self.engine.log().splitlines() if ERROR_LINE.search(ln)]
        for line in engine_errors:
            findings.add("engine_error_logged", line)
        return {
            "inputs": here["parser"]["inputs"] + api.done + here["flows"]["inputs"],
            "server_errors": api.server_errors,
            "crashes": len(log_crashes) + in_process,
            "engine_calls_failed": len(failed),
            "seconds": round(time.monotonic() - started, 1),
            "fuzz_seconds": round(fuzz_seconds, 1),
            "local_seconds": here["seconds"],
            "split": {"parser": parser_n, "api": api_n, "flows": flow_n},
            "seed": args.seed,
            "parser": here["parser"],
            "api": {"requests": api.done, "per_s": round(api.done / api_seconds, 1),
                    "statuses": dict(sorted(api.statuses.items())), "timeouts": api.timeouts,
                    "resets_on_oversize": api.resets,
                    "sessions_lost": api.sessions_lost, "routes": len(api.routes)},
            "flows": here["flows"],
            "calls_placed": len(self.callers),
            "calls_bridged": len(self.callers) - len(failed),
            "broken_flow_call_reached_agent": broken_ok,
            "agents_reset": self.agents_reset,
            "failed_calls": [call_story(c) for c in failed[:10]],
            "engine_errors_logged": len(engine_errors),
            "cpu_seconds": {
                "soak": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
                "console": round(cpu_seconds(self.console.pid), 1),
                "engine": round(cpu_seconds(self.engine.process.pid), 1),
            },
            "findings": dict(findings.counts),
            "examples": {k: v[:5] for k, v in findings.examples.items()},
        }  # fmt: skip

    def stop(self) -> None:
        """Stop the console, the engine, the switch and Redis."""
        if self.console is not None:
            stop_console(self.console)
        stop_center(self.engine, self.switch, self.live, self.redis)


def bridged(caller: Caller) -> bool:
    """The caller was bridged to an agent."""
    return any(event.name == "CHANNEL_BRIDGE" for event in caller.events)


def done(caller: Caller) -> bool:
    """The caller reached an agent or its call is over."""
    return bridged(caller) or caller.ended.is_set()


def call_story(caller: Caller) -> dict[str, Any]:
    """What happened to a call that never reached an agent: its uuid, events, hang-up cause."""
    names = [event.name for event in caller.events]
    causes = [event.get("Hangup-Cause") for event in caller.events if event.get("Hangup-Cause")]
    return {"uuid": caller.uuid, "ended": caller.ended.is_set(), "events": names[-12:],
            "hangup_cause": causes[-1] if causes else None}  # fmt: skip


def crash_lines(path: Path) -> list[str]:
    """Lines of a log that show an unhandled exception."""
    text = path.read_text(errors="replace") if path.exists() else ""
    return [line[:400] for line in text.splitlines() if CRASH_LINE.search(line)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000, help="fuzzed inputs in all")
    parser.add_argument("--split", default="60,30,10", help="parser,API,flows shares")
    parser.add_argument("--seed", type=int, default=1, help="random seed (printed)")
    parser.add_argument("--workers", type=int, default=6, help="concurrent HTTP clients")
    parser.add_argument("--rate", type=float, default=1.0, help="calls placed per second")
    parser.add_argument("--agents", type=int, default=6, help="serving agents (softphones)")
    parser.add_argument("--workdir", help="keep the run's files (db, logs) here")
    args = parser.parse_args()
    shares = args.split.split(",")
    if len(shares) != 3 or not all(s.isascii() and s.isdigit() for s in shares):
        parser.error("--split takes three whole numbers: parser,API,flows")
    if args.inputs < 1 or args.workers < 1 or args.rate <= 0 or args.agents < 1:
        parser.error("--inputs, --workers, --rate and --agents must be positive")
    print(f"fuzz soak: seed {args.seed}, {args.inputs} inputs split {args.split}", flush=True)
    workdir = make_workdir(args.workdir, "fuzz_soak-")
    result = run_harness(
        Soak(args, workdir),
        workdir,
        kept=bool(args.workdir),
        faulty=lambda r: r["server_errors"] or r["crashes"] or r["engine_calls_failed"],
    )
    report(
        f"{result['inputs']} inputs in {result['seconds']} s: {result['server_errors']} server "
        f"errors, {result['crashes']} crashes, {result['engine_calls_failed']} calls failed "
        f"of {result['calls_placed']}",
        result,
    )


if __name__ == "__main__":
    main()
