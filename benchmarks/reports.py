"""Reports on a large SQLite file: the queue-interval report over 30 days and the agent report
for every agent over a month, through callcenter.reports (the console's own queries).

Set-up (not timed): a SQLite file migrated to head, ``--queues`` queues, ``--agents`` agents,
``--calls`` call records spread over ``--days`` days (85 % answered, one answered agent leg
each, a missed leg before 10 % of them, a survey score on 30 %), each agent's state log
(available, lunch, available, signed out: 4 rows a day) and every call's IVR path through
the flow ``main`` (versions 1 and 2): welcome, the menu (a wrong key or a timeout now and
then), the queue node and its exit; a third of the abandoned callers hang up in the menu
instead. Rows go in with ``executemany``.

Figures: ``queue_report_s`` (60-minute buckets, every queue, the last 30 days),
``agent_report_s`` (every agent, the last 30 days) and ``ivr_funnel_s`` (the flow ``main``,
every version, the last 30 days) - the median of ``--repeat`` runs, and the first (cold) run
of each. Target: each under 2 s. Last line: one JSON object. Usage:
``python3 benchmarks/reports.py [--calls 1000000 --days 90 --queues 40 --agents 500]``
(``--quick``: 20,000 calls; ``--workdir DIR --reuse`` times DIR's database again).
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._common import keep_or_remove, make_workdir, report  # noqa: E402
from callcenter.reports.agent_report import agent_report  # noqa: E402
from callcenter.reports.buckets import report_range  # noqa: E402
from callcenter.reports.ivr_funnel import ivr_funnel  # noqa: E402
from callcenter.reports.queue_report import queue_report  # noqa: E402
from callcenter.store import models  # noqa: E402
from callcenter.store.migrate import upgrade  # noqa: E402
from callcenter.store.session import make_engine, session_scope  # noqa: E402

FIRST_DAY = date(2026, 1, 1)
ZONE = "Asia/Shanghai"
OFFSET = timedelta(hours=8)  # local -> UTC for the generated rows (no DST in the zone)
CHUNK = 50_000


def stamp(moment: datetime) -> str:
    """A naive UTC datetime as SQLAlchemy's SQLite DATETIME text."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def calls_and_legs(args: argparse.Namespace, rng: random.Random) -> Any:
    """Chunks of (call rows, leg rows, ivr_steps rows)."""
    calls: list[tuple] = []
    legs: list[tuple] = []
    steps: list[tuple] = []
    call_id = 0
    for _ in range(args.calls):
        call_id += 1
        day = FIRST_DAY + timedelta(days=rng.randrange(args.days))
        started = datetime.combine(day, datetime.min.time()) - OFFSET
        started += timedelta(seconds=rng.randrange(8 * 3600, 20 * 3600))
        queue = rng.randrange(1, args.queues + 1)
        wait = round(rng.expovariate(1 / 25), 1)
        if rng.random() < 0.85:
            agent = rng.randrange(1, args.agents + 1)
            talk, hold, wrap = rng.randint(30, 600), rng.choice((0, 0, 0, 20)), rng.randint(0, 60)
            answered = started + timedelta(seconds=wait)
            survey = rng.randint(1, 5) if rng.random() < 0.3 else None
            calls.append(
                (
                    call_id,
                    f"bench-{call_id}",
                    "inbound",
                    stamp(started),
                    stamp(answered),
                    wait,
                    talk,
                    hold,
                    wrap,
                    queue,
                    agent,
                    "answered",
                    "[]",
                    survey,
                )
            )
            position = 1
            if rng.random() < 0.1:
                other = rng.randrange(1, args.agents + 1)
                legs.append((call_id, 1, other, "queue", "missed", stamp(answered), None, 0))
                position = 2
            legs.append(
                (
                    call_id,
                    position,
                    agent,
                    "queue",
                    "answered",
                    stamp(answered),
                    stamp(answered),
                    talk,
                )
            )
        else:
            calls.append(
                (
                    call_id,
                    f"bench-{call_id}",
                    "inbound",
                    stamp(started),
                    None,
                    wait,
                    None,
                    None,
                    None,
                    queue,
                    None,
                    "abandoned",
                    "[]",
                    None,
                )
            )
        steps.extend(ivr_path(call_id, started, queue, calls[-1][11] == "answered", rng))
        if len(calls) >= CHUNK:
            yield calls, legs, steps
            calls, legs, steps = [], [], []
    yield calls, legs, steps  # fmt: skip


def ivr_path(
    call_id: int, started: datetime, queue: int, answered: bool, rng: random.Random
) -> list[tuple]:
    """The call's ivr_steps rows: welcome, the menu (retried now and then), queue, exit."""
    version = 1 if rng.random() < 0.5 else 2
    rows = [("welcome", "play", "played", None)]
    retry = rng.random()
    if retry < 0.05:
        rows.append(("menu", "menu", "timeout", None))
    elif retry < 0.15:
        rows.append(("menu", "menu", f"invalid:{rng.randrange(5, 10)}", None))
    if not answered and rng.random() < 1 / 3:
        rows.append(("menu", "exit", "gone", None))
    else:
        node = f"queue-{queue - 1:02d}"
        rows += [("menu", "menu", str(queue % 4 + 1), None), (node, "queue", node, None),
                 (node, "exit", "queue", node)]  # fmt: skip
    seen: set[str] = set()
    out = []
    for seq, (node, kind, value, destination) in enumerate(rows, start=1):
        at = stamp(started + timedelta(seconds=2 * seq))
        first, entered = node not in seen, seq == 1
        out.append(
            (call_id, "main", version, seq, node, kind, value, destination, at, first, entered)
        )
        seen.add(node)
    return out


def state_rows(args: argparse.Namespace) -> list[tuple]:
    """Each agent's day: available 09-12, lunch 12-13, available 13-18, signed out till 09."""
    rows = []
    plan = (("available", None, 9, 12), ("not_ready", "lunch", 12, 13),
            ("available", None, 13, 18), ("logged_out", None, 18, 33))  # fmt: skip
    for agent in range(1, args.agents + 1):
        for n in range(args.days):
            midnight = datetime.combine(FIRST_DAY + timedelta(days=n), datetime.min.time())
            for state, reason, start, end in plan:
                since = midnight - OFFSET + timedelta(hours=start)
                until = midnight - OFFSET + timedelta(hours=end)
                rows.append((agent, state, reason, stamp(since), stamp(until)))
    return rows


def generate(path: Path, args: argparse.Namespace) -> None:
    """The database file with the generated center."""
    upgrade(f"sqlite:///{path}")
    rng = random.Random(args.seed)
    with session_scope(f"sqlite:///{path}") as session:  # few rows: the models' defaults
        session.add_all(models.Queue(name=f"queue-{q:02d}") for q in range(args.queues))
        session.add_all(
            models.Agent(number=str(1001 + a), sip_user=str(1001 + a), display_name=f"Agent {a}")
            for a in range(args.agents)
        )
    db = sqlite3.connect(path)
    for calls, legs, steps in calls_and_legs(args, rng):
        db.executemany(
            "INSERT INTO calls (id, uuid, direction, started_at, answered_at, wait_seconds,"
            " talk_seconds, hold_seconds, wrap_up_seconds, queue_id, agent_id, disposition,"
            " ivr_path, survey_score) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            calls,
        )
        db.executemany(
            "INSERT INTO call_agent_legs (call_id, position, agent_id, role, outcome,"
            " offered_at, answered_at, talk_seconds) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            legs,
        )
        db.executemany(
            "INSERT INTO ivr_steps (call_id, flow, version, seq, node, kind, value, destination,"
            " at, first_visit, entered) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            steps,
        )
    db.executemany(
        "INSERT INTO agent_state_log (agent_id, state, reason, since, until)"
        " VALUES (?, ?, ?, ?, ?)",
        state_rows(args),
    )
    db.commit()
    db.close()


def timed(run: Any, repeat: int) -> tuple[float, float, int]:
    """(first run s, median s, rows) of ``run``."""
    times, rows = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        rows = len(run())
        times.append(time.perf_counter() - started)
    return times[0], statistics.median(times), rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--queues", type=int, default=40)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help="20,000 calls")
    parser.add_argument("--workdir", help="keep the database in this folder")
    parser.add_argument("--reuse", action="store_true", help="time the --workdir's database")
    args = parser.parse_args()
    if args.quick:
        args.calls = 20_000
    workdir = make_workdir(args.workdir, "reports-bench-")
    path = workdir / "reports.db"
    started = time.perf_counter()
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
        generate(path, args)
    generate_s = time.perf_counter() - started
    last = FIRST_DAY + timedelta(days=args.days - 1)
    month = report_range(last - timedelta(days=29), last, "60min", ZONE)
    engine = make_engine(f"sqlite:///{path}")
    with session_scope(engine) as session:
        q_first, q_median, q_rows = timed(lambda: queue_report(session, month), args.repeat)
        a_first, a_median, a_rows = timed(lambda: agent_report(session, month), args.repeat)
        i_first, i_median, i_rows = timed(
            lambda: ivr_funnel(session, "main", month.start, month.end).rows, args.repeat
        )
    engine.dispose()
    keep_or_remove(workdir, bool(args.workdir))
    result = {
        "calls": args.calls, "days": args.days, "queues": args.queues, "agents": args.agents,
        "generate_s": round(generate_s, 1),
        "queue_report_s": round(q_median, 3), "queue_report_first_s": round(q_first, 3),
        "queue_report_rows": q_rows,
        "agent_report_s": round(a_median, 3), "agent_report_first_s": round(a_first, 3),
        "agent_report_rows": a_rows,
        "ivr_funnel_s": round(i_median, 3), "ivr_funnel_first_s": round(i_first, 3),
        "ivr_funnel_rows": i_rows,
    }  # fmt: skip
    summary = (
        f"{args.calls} calls over {args.days} days, {args.queues} queues, {args.agents} agents"
        f" (generated in {generate_s:.0f} s): queue report 30 days x 60 min {q_median:.3f} s"
        f" ({q_rows} rows), agent report {a_median:.3f} s ({a_rows} agents),"
        f" IVR funnel {i_median:.3f} s ({i_rows} nodes)"
    )
    report(summary, result)


if __name__ == "__main__":
    main()
