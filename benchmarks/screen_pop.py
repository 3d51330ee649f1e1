"""Screen-pop latency: from the answer event in the engine to the event at the agent's desktop.

Everything is real and local (127.0.0.1 only):

* a private redis-server (no persistence) on a free port;
* a fresh SQLite database migrated to head, with N agent users and their Agent rows;
* the console served for real: ``callcenter serve --no-engine`` as a child process (gevent
  WSGI server, monkey patched, settings from ``CALLCENTER_*`` environment variables);
* N desktops in this (gevent-patched) process: each agent signs in through the ``/login``
  form (CSRF token from the page, session cookie), then holds its own
  ``GET /api/desktop/<agent>/stream`` server-sent event stream open, like the real page's
  EventSource. Every stream is one Redis pub/sub subscription in the console, so every
  wallboard message is fanned out to every connected desktop and filtered there.

The engine side is the engine's own code path: a :class:`callcenter.engine.bus.Bus` with
:class:`callcenter.engine.desktop.call_mirror.CallMirror` subscribed, as the engine wires it (no
FreeSWITCH needed). Each simulated call raises the events the engine raises
for it (``CallArrived``, ``IvrInput``, ``CallQueued``, ``AgentOffered`` 4..1 s before the
answer, ``CallAnswered``, ``CallEnded`` 3 s after): each writes the call hash to Redis and
publishes ``{"call": {...}}`` on the ``wallboard`` channel, as in production, so the wallboard
carries 6 messages per answered call. Answers are a Poisson process at ``--rate`` per second,
each to a random connected desktop (``--answers-only``: only the answer events). t0 is taken
just before ``bus.publish(CallAnswered(...))``; t1 when the target desktop has parsed the
matching SSE ``data:`` event (state ``talking``). The default rate, 5 answers/s, is a busy
hotline for 500 agents (36 calls per agent-hour, a 100 s handle time).

Clients are added in steps (default 50, 100, 250, 500) without restarting the console. Each
step reports p50/p90/p99/max, a plain raw-socket Redis subscriber's latency for the same
answers (what Redis pub/sub alone costs), how long the engine's publish took, and the CPU of
the console, redis-server and this process per answer and per delivery (one wallboard message
to one desktop stream).

Two deployment details: each desktop stream holds one Redis pub/sub connection from the
console's pool, and redis-py >= 6 caps a pool at 100 connections, so the console gets
``?max_connections=<desktops + 100>`` in its Redis URL (``--default-pool`` shows what happens
without it: the 101st desktop gets 503 "Too many connections"). Benchmark users get a cheap
pbkdf2 password hash (the production default, scrypt, costs about 90 ms of console CPU per
sign-in, which is not what is measured here); the sign-in itself is the real form post.
``--profile-console FILE`` runs the console under cProfile.

Usage: ``python3 benchmarks/screen_pop.py [--clients 50,100,250,500] [--answers 1000]
[--step-answers 200] [--rate 5] [--answers-only] [--default-pool] [--profile-console FILE]``.
The last line of output is one JSON object.
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import gevent  # noqa: E402
import gevent.event  # noqa: E402
import gevent.pool  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from werkzeug.security import generate_password_hash  # noqa: E402

from benchmarks._common import keep_or_remove, make_workdir  # noqa: E402
from benchmarks.console_process import CONSOLE_MAIN, start_console, stop_console  # noqa: E402
from benchmarks.screen_pop_desktop import HOST, PASSWORD, Desktop  # noqa: E402
from benchmarks.screen_pop_step import EngineSide, RedisProbe, run_step  # noqa: E402
from callcenter.demo import RedisProcess, free_port  # noqa: E402
from callcenter.live import LiveStore  # noqa: E402

PREFIX = "bench"
TARGET_P99_MS = 50.0


# -- set-up ------------------------------------------------------------------------------------


def raise_fd_limit(wanted: int) -> int:
    """Raise the soft open-file limit (children inherit it: the console holds 2 fds a desktop)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def seed_agents(db_url: str, count: int) -> list[str]:
    """Migrate the database and add ``count`` agent users with their Agent rows."""
    from callcenter.store import models
    from callcenter.store.migrate import upgrade
    from callcenter.store.session import session_scope

    upgrade(db_url)
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    numbers = [str(2000 + i) for i in range(count)]
    with session_scope(db_url) as session:
        queue = models.Queue(name="support", wrap_up_seconds=3)
        session.add(queue)
        for number in numbers:
            user = models.User(
                username=f"agent{number}",
                password_hash=password_hash,
                role="agent",
                language="en",
                display_name=f"Agent {number}",
            )
            agent = models.Agent(
                number=number, sip_user=number, user=user, display_name=f"Agent {number}"
            )
            session.add_all([user, agent, models.AgentQueue(agent=agent, queue=queue, position=1)])
    return numbers


def serve_console(
    workdir: Path, db_url: str, redis_url: str, profile: str = ""
) -> tuple[subprocess.Popen, str]:
    """``callcenter serve --no-engine`` on a free port (under cProfile if ``profile``)."""
    port = free_port()
    main = CONSOLE_MAIN
    if profile:  # cProfile writes its stats when the console stops (SIGTERM: clean stop)
        main = (
            "import cProfile, sys; sys.argv[0] = 'callcenter'; "
            f"cProfile.run({CONSOLE_MAIN!r}, {profile!r})"
        )
    settings = {
        "CALLCENTER_DATABASE__URL": db_url,
        "CALLCENTER_REDIS__URL": redis_url,
        "CALLCENTER_REDIS__PREFIX": PREFIX,
    }
    process, _log = start_console(workdir, port, settings, main=main)
    return process, f"http://{HOST}:{port}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", default="50,100,250,500", help="desktops per step (CSV)")
    parser.add_argument("--answers", type=int, default=1000, help="answers at the last step")
    parser.add_argument("--step-answers", type=int, default=200, help="answers at other steps")
    parser.add_argument(
        "--rate", type=float, default=5.0, help="answered calls per second (Poisson)"
    )
    parser.add_argument(
        "--answers-only",
        action="store_true",
        help="publish only CallAnswered (default: the whole call life, 6 wallboard messages)",
    )
    parser.add_argument(
        "--default-pool",
        action="store_true",
        help="console Redis URL without ?max_connections= (redis-py's default pool of 100)",
    )
    parser.add_argument(
        "--profile-console", metavar="FILE", help="run the console under cProfile, stats to FILE"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    steps = sorted({int(x) for x in args.clients.split(",") if x.strip()})
    total = steps[-1]
    rng = random.Random(args.seed)
    fd_limit = raise_fd_limit(4 * total + 1024)
    if fd_limit < 2 * total + 200:
        raise SystemExit(f"open-file limit {fd_limit} is too low for {total} desktops")

    workdir = make_workdir(None, "screen-pop-")
    redis_server: RedisProcess | None = None
    console: subprocess.Popen | None = None
    desktops: list[Desktop] = []
    greenlets: list[gevent.Greenlet] = []
    try:
        redis_server = RedisProcess(workdir)
        db_url = f"sqlite:///{workdir}/bench.db"
        t = time.perf_counter()
        numbers = seed_agents(db_url, total)
        print(f"seeded {total} agents in {time.perf_counter() - t:.1f} s", flush=True)
        # Every desktop stream holds one Redis pub/sub connection from the console's pool;
        # redis-py >= 6 caps a pool at 100 connections unless the URL says otherwise.
        console_redis = redis_server.url
        if not args.default_pool:
            console_redis += f"?max_connections={total + 100}"
        profile = str(Path(args.profile_console).resolve()) if args.profile_console else ""
        console, url = serve_console(workdir, db_url, console_redis, profile)
        port = int(url.rsplit(":", 1)[1])
        print(f"console {url} (pid {console.pid}), redis {redis_server.url}", flush=True)

        pending: dict[str, float] = {}
        sink: list = []
        desktops = [Desktop(port, number, pending, sink) for number in numbers]
        t = time.perf_counter()
        pool = gevent.pool.Pool(20)
        pool.map(lambda d: d.login(), desktops)
        print(f"{total} agents signed in through /login in {time.perf_counter() - t:.1f} s")

        live = LiveStore(redis_server.url, PREFIX)
        engine = EngineSide(live)
        pids = {"console": console.pid, "redis": redis_server.process.pid, "bench": os.getpid()}
        probe = RedisProbe(redis_server.port, live.key("wallboard"))
        results = []
        connected = 0
        for index, count in enumerate(steps):
            t = time.perf_counter()
            new = desktops[connected:count]
            for desk in new:
                greenlets.append(gevent.spawn(desk.run))
                gevent.sleep(0)
            for desk in new:
                desk.connected.wait(30)
            failed = [d for d in desktops[:count] if d.error]
            if failed:
                print(f"{len(failed)} of {count} streams refused, e.g. {failed[0].error}")
            live_desks = [d for d in desktops[:count] if not d.error]
            connected = count
            subscribers = live.redis.pubsub_numsub(live.key("wallboard"))[0][1]
            print(
                f"{count} desktops streaming ({subscribers} wallboard subscribers) after "
                f"{time.perf_counter() - t:.1f} s",
                flush=True,
            )
            gevent.sleep(1.0)  # let the connection burst settle
            answers = args.answers if index == len(steps) - 1 else args.step_answers
            step = run_step(
                live_desks,
                engine,
                pending,
                sink,
                answers,
                args.rate,
                not args.answers_only,
                pids,
                rng,
                probe,
            )
            step["refused"] = len(failed)
            results.append(step)
            print(json.dumps(step), flush=True)

        last = results[-1]
        summary = {
            "benchmark": "screen_pop",
            "clients": last["clients"],
            "answers": last["answers"],
            "rate_per_s": args.rate,
            "lifecycle": not args.answers_only,
            "pop_p50_ms": last["p50_ms"],
            "pop_p99_ms": last["p99_ms"],
            "pop_max_ms": last["max_ms"],
            "lost": last["lost"],
            "refused": last["refused"],
            "redis_pool": "default" if args.default_pool else f"max_connections={total + 100}",
            "target_p99_ms": TARGET_P99_MS,
            "meets_target": last["p99_ms"] <= TARGET_P99_MS and not last["lost"] + last["refused"],
            "console_cpu_pct": last["console_cpu_pct"],
            "console_cpu_us_per_delivery": last["console_cpu_us_per_delivery"],
            "by_clients": {
                str(r["clients"]): {
                    k: r[k]
                    for k in ("p50_ms", "p99_ms", "max_ms", "lost", "refused", "console_cpu_pct")
                }
                for r in results
            },
        }
        print(json.dumps(summary), flush=True)
    finally:
        for desk in desktops:
            desk.close()
        gevent.killall(greenlets, timeout=5)
        if console is not None:
            stop_console(console, 60 if args.profile_console else 10)
        if redis_server is not None:
            redis_server.stop()
        keep_or_remove(workdir, keep=False)


if __name__ == "__main__":
    main()
