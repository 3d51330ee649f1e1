"""Chaos: the engine process is killed (SIGKILL) under load and started again; no caller is lost.

Everything runs on 127.0.0.1 and is private to the run: a redis-server, a SQLite file seeded
like the demo, the FreeSWITCH simulator with the shipped hotline extension (socket_resume, the
fallback that answers, marks ``cc_unserved`` and plays music: dialplan/public/) and mod_cdr_csv,
and the engine as a child process on a fixed outbound port (as in a real dialplan, restarts keep
it). Callers dial at a steady ``--rate``; the flow greets them (a 2 s prompt), offers a menu
(they press 1; the menu goes to the queue on silence too, so a caller whose menu restarts
after a crash still gets there) and queues them. ``--agents`` softphones answer after 1 s and
hang up after 3-5 s (the engine then hangs up the caller).

The engine is killed ``--kills`` times. The first kill waits until callers are at once in the
IVR, in the queue and talking; the engine comes back ``--downtime`` seconds later. The second
kill keeps the engine away ``--long-downtime`` seconds while new callers keep dialling (they
meet no engine: the fallback keeps them). More kills repeat the first kind.

Figures (last line, one JSON object):

* calls_placed; calls_bridged: callers bridged to an agent;
* calls_lost: callers never bridged to an agent by the end of the run (every caller waits until
  it talks; a caller the switch or an engine dropped counts here); calls_rebridged: callers
  bridged twice (a conversation a crash cut); calls_ended_by_caller (should be 0: the agents
  hang up);
* records_missing: placed calls without a call record in SQL after the run;
* max_downtime_s: longest time from a kill to the next engine listening;
* stages_at_kills: callers in the IVR / queue / talking when each kill came (from Redis);
* dispositions of the records, and the run's length.

Usage: ``python3 benchmarks/restart_chaos.py [--calls 100] [--rate 1.5] [--agents 10]
[--kills 2] [--downtime 2] [--long-downtime 3] [--seed 1]``; ``--quick`` for a short run.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import secrets  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import gevent  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


from benchmarks._common import make_workdir, report, run_harness, stop_center  # noqa: E402
from benchmarks.sim_load import call_records  # noqa: E402
from callcenter.demo import RedisProcess, seed  # noqa: E402
from callcenter.engine.restart.unseen_calls import CDR_TEMPLATE  # noqa: E402
from callcenter.live.names import AGENT_COMMANDS  # noqa: E402
from callcenter.live.store import LiveStore  # noqa: E402
from callcenter.sim import Switch  # noqa: E402
from callcenter.sim.cdr_csv import CdrCsv  # noqa: E402
from callcenter.sim.endpoints import Caller, press, wait  # noqa: E402
from tests.support.engine_process import (  # noqa: E402
    EngineProcess,
    free_port,
    hotline_actions,
    start_engine,
)

HOTLINE = "5000"
PREFIX = "chaos"
FLOW = """\
name: chaos
description: a greeting, a menu (silence also queues), the support queue
start: hello
nodes:
  hello:
    type: play
    prompt: "tone_stream://%(2000,0,440)"
    next: choose
  choose:
    type: menu
    prompt: "tone_stream://%(1500,0,350)"
    choices: {1: line}
    timeout: 3
    retries: 0
    default: line
  line:
    type: queue
    queue: support
"""


def bridges(caller: Caller) -> int:
    """How often the caller was bridged to an agent (twice: a talk was cut and redone)."""
    return sum(1 for event in caller.events if event.name == "CHANNEL_BRIDGE")


def bridged(caller: Caller) -> bool:
    """The caller was bridged to an agent at some point."""
    return bridges(caller) > 0


def hung_up_itself(caller: Caller) -> bool:
    """The caller's channel ended by the caller's own BYE/CANCEL."""
    return any(
        event.name == "CHANNEL_HANGUP_COMPLETE"
        and (event.get("variable_sip_hangup_disposition") or "").startswith("recv_")
        for event in caller.events
    )


class Chaos:
    """One run: the center, the callers and the kills."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        self.args = args
        self.workdir = workdir
        self.random = random.Random(args.seed)
        self.password = secrets.token_urlsafe(12)
        self.port = free_port()
        self.db_path = workdir / "chaos.db"
        self.extensions = [str(1000 + n) for n in range(args.agents)]
        self.redis = RedisProcess(workdir)
        self.switch: Switch | None = None
        self.live: LiveStore | None = None
        self.engine: EngineProcess | None = None
        self.engines = 0
        self.callers: list[Caller] = []
        self.downtimes: list[float] = []
        self.stages: list[dict[str, int]] = []

    def start(self) -> None:
        """Seed, start the switch and the first engine, sign the agents in."""
        seed(f"sqlite:///{self.db_path}", self.extensions)
        flows = self.workdir / "flows"
        flows.mkdir()
        (flows / "chaos.yaml").write_text(FLOW, encoding="utf-8")
        self.flows = flows
        self.switch = Switch(
            password=self.password, time_scale=1.0, users=self.extensions, dialplan={}
        ).start()
        self.switch.cdr = CdrCsv(self.workdir / "fslog", CDR_TEMPLATE)
        self.switch.dialplan[HOTLINE] = hotline_actions(f"127.0.0.1:{self.port} async full")
        self.live = LiveStore(self.redis.url, PREFIX)
        self._start_engine()
        for ext in self.extensions:
            talk = self.random.uniform(3.0, 5.0)
            self.switch.add_softphone(ext, answer_after=1.0, hangup_after=talk, register="quiet")
            for action in ("login", "ready"):
                self.live.send_command(AGENT_COMMANDS, {"agent_id": ext, "action": action})

    def _start_engine(self) -> None:
        self.engines += 1
        home = self.workdir / f"engine{self.engines}"
        home.mkdir()
        self.engine = start_engine(
            home, esl_port=self.switch.port, esl_password=self.password,
            db_url=f"sqlite:///{self.db_path}", redis_url=self.redis.url, redis_prefix=PREFIX,
            outbound_port=self.port, NODE_ID="node1", IVR__FLOWS=str(self.flows),
            IVR__NUMBERS=json.dumps({HOTLINE: "chaos"}), ROUTING__WRAP_UP_SECONDS="1",
            ROUTING__UNSERVED_SWEEP_SECONDS="1", FREESWITCH__CDR_DIR=str(self.workdir / "fslog"),
            RECORDING__PATH=str(self.workdir / "recordings"),  # one store, as on a real host
        )  # fmt: skip

    def _kill(self, downtime: float) -> None:
        self.stages.append(self._stages())
        killed = time.monotonic()
        self.engine.process.kill()
        self.engine.process.wait(10)
        gevent.sleep(downtime)
        self._start_engine()  # returns once the new engine listens
        self.downtimes.append(time.monotonic() - killed)

    def _stages(self) -> dict[str, int]:
        """Callers in the IVR / queue / talking now (the engine's live call states)."""
        counts = {"ivr": 0, "queued": 0, "talking": 0}
        for caller in self.callers:
            if caller.channel is not None and caller.channel.up:
                state = self.live.get_call(caller.uuid).get("state", "")
                if state in counts:
                    counts[state] += 1
        return counts

    def _agents_back(self) -> None:
        """An agent whose offer died with the engine is set not ready ('restart'); like a
        person at the desktop, the simulated agent makes itself ready again."""
        while True:
            gevent.sleep(1.0)
            for ext in self.extensions:
                agent = self.live.get_agent(ext)
                if agent.get("state") == "not_ready" and agent.get("reason") == "restart":
                    self.live.send_command(AGENT_COMMANDS, {"agent_id": ext, "action": "ready"})

    def _place_calls(self) -> None:
        for n in range(self.args.calls):
            number = f"139{n:08d}"
            caller = self.switch.place_call(number, HOTLINE, [wait(2.5), press("1")])
            self.callers.append(caller)
            gevent.sleep(1.0 / self.args.rate)

    def _all_stages_busy(self) -> bool:
        stages = self._stages()
        return all(stages[s] > 0 for s in ("ivr", "queued", "talking"))

    def run(self) -> dict[str, Any]:
        """Place the calls, kill and restart the engine, wait for the calls to end."""
        started = time.monotonic()
        placing = gevent.spawn(self._place_calls)
        agents = gevent.spawn(self._agents_back)
        for kill in range(self.args.kills):
            if kill % 2 == 0:  # callers in the IVR, in line and talking at once
                deadline = time.monotonic() + 60
                while not self._all_stages_busy() and time.monotonic() < deadline:
                    gevent.sleep(0.05)
                self._kill(self.args.downtime)
            else:  # a longer outage while callers keep dialling
                self._kill(self.args.long_downtime)
            gevent.sleep(self.args.between)
        placing.join()
        deadline = time.monotonic() + self.args.drain
        while time.monotonic() < deadline and any(not c.ended.is_set() for c in self.callers):
            gevent.sleep(0.5)
        for caller in self.callers:  # a caller still waiting now counts as lost
            if not caller.ended.is_set():
                caller.hangup()
        agents.kill()
        self.switch.wait_idle(15.0)
        records = self._records()
        lost = [c for c in self.callers if not bridged(c)]  # each waits until it talks
        dispositions: dict[str, int] = {}
        for row in records.values():
            dispositions[row["disposition"]] = dispositions.get(row["disposition"], 0) + 1
        return {
            "calls_placed": len(self.callers),
            "calls_bridged": sum(1 for c in self.callers if bridged(c)),
            "calls_lost": len(lost),
            "calls_rebridged": sum(1 for c in self.callers if bridges(c) > 1),
            "calls_ended_by_caller": sum(1 for c in self.callers if hung_up_itself(c)),
            "records_missing": sum(1 for c in self.callers if c.uuid not in records),
            "max_downtime_s": round(max(self.downtimes, default=0.0), 2),
            "kills": len(self.downtimes),
            "stages_at_kills": self.stages,
            "dispositions": dispositions,
            "lost_callers": [c.uuid for c in lost][:10],
            "run_s": round(time.monotonic() - started, 1),
        }

    def _records(self) -> dict[str, dict[str, Any]]:
        deadline = time.monotonic() + self.args.record_wait
        while True:
            records = call_records(self.db_path)
            if all(c.uuid in records for c in self.callers) or time.monotonic() > deadline:
                return records
            gevent.sleep(0.5)

    def stop(self) -> None:
        """Stop the engine, the switch, Redis."""
        stop_center(self.engine, self.switch, self.live, self.redis)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=100, help="calls placed in all")
    parser.add_argument("--rate", type=float, default=1.5, help="new calls per second")
    parser.add_argument("--agents", type=int, default=10, help="agents signed in")
    parser.add_argument("--kills", type=int, default=2, help="times the engine is killed")
    parser.add_argument("--downtime", type=float, default=2.0, help="seconds without engine")
    parser.add_argument(
        "--long-downtime",
        type=float,
        default=3.0,
        help="seconds without engine at the second kill (callers keep dialling)",
    )
    parser.add_argument("--between", type=float, default=8.0, help="seconds between kills")
    parser.add_argument("--drain", type=float, default=90.0, help="seconds for calls to end")
    parser.add_argument("--record-wait", type=float, default=30.0, help="seconds for records")
    parser.add_argument("--seed", type=int, default=1, help="random seed (talk times)")
    parser.add_argument("--quick", action="store_true", help="a short run (CI): 20 calls")
    parser.add_argument("--workdir", help="keep the run's files (db, engine logs) here")
    args = parser.parse_args()  # fmt: skip
    if args.quick:
        args.calls, args.rate, args.agents, args.between = 20, 2.0, 6, 3.0
    workdir = make_workdir(args.workdir, "chaos-")
    result = run_harness(
        Chaos(args, workdir),
        workdir,
        kept=bool(args.workdir),
        faulty=lambda r: r["calls_lost"] or r["records_missing"],
    )
    report(
        f"{result['calls_placed']} calls, {result['calls_bridged']} bridged, "
        f"{result['calls_lost']} lost, {result['records_missing']} records missing; "
        f"{result['kills']} kills, longest downtime {result['max_downtime_s']} s",
        result,
    )


if __name__ == "__main__":
    main()
