"""Queue wallboard in a real browser: a 40-queue / 500-agent center rendered by Chromium.

Everything is real and local: a private redis-server holding 500 signed-in agents (each in
two queues, in every state) and callers waiting in line; a SQLite database with the 40 queues
and today's call records (answered and abandoned); the console served by ``callcenter serve
--no-engine``; Debian's Chromium through Playwright (the launch arguments of tests/e2e).

A supervisor signs in through the form and opens /wallboard/queues. Figures:

* ``render_ms`` - from the navigation to all 40 tiles filled in (server, network and script);
* per update (``--updates`` times; agents change state and callers come and go in Redis
  between updates): the snapshot request (``snapshot_ms``, fetched by the page: the console's
  side), the browser's scripting time (``script_ms_per_update``: parsing the JSON and the
  page's ``QueueBoard.apply``, median; ``script_max_ms``), the time to the next painted frame
  (``frame_ms``), and Chromium's own layout + style recalculation per update from the
  DevTools ``Performance`` domain (``layout_ms_per_update``).

The page polls every 5 s by itself: a 40-queue board costs the browser the scripting time
quoted per 5 s. Last line: one JSON object. Usage: ``python3 benchmarks/queue_wallboard.py
[--queues 40 --agents 500 --calls 60 --updates 30]`` (``--quick``: 5 updates).
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks._common import keep_or_remove, make_workdir, report  # noqa: E402
from benchmarks.console_process import HOST, start_console, stop_console  # noqa: E402
from callcenter.demo import RedisProcess, free_port  # noqa: E402
from callcenter.live import LiveStore  # noqa: E402

PREFIX = "bench"
PASSWORD = "queue-board-bench"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]  # fmt: skip  # as tests/e2e/conftest.py
STATES = ["available", "on_call", "ringing", "wrap_up", "not_ready", "on_hold"]
REASONS = ["break", "lunch", "meeting", "training", ""]

UPDATE_JS = """async () => {
  const root = document.querySelector('.queue-board');
  const t0 = performance.now();
  const response = await fetch(root.dataset.snapshot, {credentials: 'same-origin'});
  const text = await response.text();
  const t1 = performance.now();
  const data = JSON.parse(text);
  window.QueueBoard.apply(data);
  const t2 = performance.now();
  await new Promise((done) => requestAnimationFrame(() => done()));
  return {snapshot: t1 - t0, script: t2 - t1, frame: performance.now() - t1,
          tiles: data.queues.length};
}"""


def seed_records(db_url: str, queues: list[str], calls: int, rng: random.Random) -> None:
    """Migrate; the queues, a supervisor, and ``calls`` records per queue started today."""
    from callcenter.store import models
    from callcenter.store.enums import Disposition
    from callcenter.store.migrate import upgrade
    from callcenter.store.repositories import create_user
    from callcenter.store.session import session_scope

    upgrade(db_url)
    now = datetime.now(UTC)
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    span = max((now - midnight).total_seconds(), 60.0)
    with session_scope(db_url) as session:
        create_user(session, "sup", PASSWORD, "supervisor", language="en")
        rows = [models.Queue(name=name, service_level_seconds=20) for name in queues]
        session.add_all(rows)
        session.flush()
        for queue in rows:
            for n in range(calls):
                started = midnight + timedelta(seconds=rng.uniform(0, span - 1))
                wait = rng.expovariate(1 / 15)
                number = f"139{rng.randrange(10**8):08d}"
                fields: dict[str, Any] = {"queue_id": queue.id, "started_at": started,
                                          "wait_seconds": round(wait, 3),
                                          "caller_number": number}  # fmt: skip
                if rng.random() < 0.15:
                    fields["disposition"] = Disposition.ABANDONED
                else:
                    fields.update(
                        disposition=Disposition.ANSWERED,
                        answered_at=started + timedelta(seconds=wait),
                        talk_seconds=round(rng.uniform(30, 400), 3),
                        wrap_up_seconds=round(rng.uniform(0, 30), 3),
                    )
                session.add(models.Call(uuid=f"{queue.name}-{n}", **fields))


def shuffle_live(live: LiveStore, queues: list[str], agents: int, rng: random.Random) -> None:
    """Agents in some state (each in two queues) and a few callers waiting in each queue."""
    now = datetime.now(UTC)
    for n in range(agents):
        state = rng.choice(STATES)
        mine = f"{queues[n % len(queues)]},{queues[(n * 7 + 3) % len(queues)]}"
        live.put_agent(str(2000 + n), state=state, queues=mine,
                       reason=rng.choice(REASONS) if state == "not_ready" else "")  # fmt: skip
    for uuid in live.ids("call"):
        live.remove("call", uuid)
    for queue in queues:
        for n in range(rng.randrange(0, 4)):
            enqueued = now - timedelta(seconds=rng.uniform(1, 60))
            live.put_call(f"{queue}-w{n}", state="queued", queue=queue,
                          enqueued_at=enqueued.isoformat())  # fmt: skip


def measure(url: str, queues: int, updates: int, churn: Any) -> dict[str, Any]:
    """Sign in, open the board, apply ``updates`` snapshots; the browser's figures."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.goto(f"{url}/login")
            page.fill("input[name=username]", "sup")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            cdp = page.context.new_cdp_session(page)
            cdp.send("Performance.enable")
            t0 = time.perf_counter()
            page.goto(f"{url}/wallboard/queues")
            page.wait_for_function(
                f"() => document.querySelectorAll('[data-testid=queue-tile]').length === {queues}"
                " && document.querySelector('.queue-board').dataset.updated"
            )
            render_ms = (time.perf_counter() - t0) * 1000
            before = metrics(cdp)
            samples = []
            for _ in range(updates):
                churn()
                samples.append(page.evaluate(UPDATE_JS))
            after = metrics(cdp)
        finally:
            browser.close()
    per = max(updates, 1)
    return {
        "render_ms": round(render_ms, 1),
        "snapshot_ms": round(statistics.median(s["snapshot"] for s in samples), 1),
        "script_ms_per_update": round(statistics.median(s["script"] for s in samples), 2),
        "script_max_ms": round(max(s["script"] for s in samples), 2),
        "frame_ms": round(statistics.median(s["frame"] for s in samples), 1),
        "layout_ms_per_update": round(
            (
                after["LayoutDuration"]
                + after["RecalcStyleDuration"]
                - before["LayoutDuration"]
                - before["RecalcStyleDuration"]
            )
            * 1000
            / per,
            2,
        ),  # fmt: skip
        "tiles": samples[-1]["tiles"] if samples else 0,
    }


def metrics(cdp: Any) -> dict[str, float]:
    """Chromium's Performance metrics by name (durations in seconds)."""
    return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--queues", type=int, default=40)
    parser.add_argument("--agents", type=int, default=500)
    parser.add_argument("--calls", type=int, default=60, help="call records per queue today")
    parser.add_argument("--updates", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="5 updates (benchmarks/quick.py)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the run's files")
    args = parser.parse_args()
    updates = 5 if args.quick else args.updates
    rng = random.Random(args.seed)
    queues = [f"queue{n:02d}" for n in range(args.queues)]
    workdir = make_workdir(None, "queue-board-")
    redis_server: RedisProcess | None = None
    console: subprocess.Popen | None = None
    live: LiveStore | None = None
    try:
        redis_server = RedisProcess(workdir)
        db_url = f"sqlite:///{workdir}/bench.db"
        seed_records(db_url, queues, args.calls, rng)
        live = LiveStore(redis_server.url, PREFIX)
        shuffle_live(live, queues, args.agents, rng)
        port = free_port()
        settings = {"CALLCENTER_DATABASE__URL": db_url, "CALLCENTER_REDIS__URL": redis_server.url,
                    "CALLCENTER_REDIS__PREFIX": PREFIX}  # fmt: skip
        console, _log = start_console(workdir, port, settings)
        store = live
        result = measure(f"http://{HOST}:{port}", args.queues, updates,
                         lambda: shuffle_live(store, queues, args.agents, rng))  # fmt: skip
    finally:
        if console is not None:
            stop_console(console)
        if live is not None:
            live.close()
        if redis_server is not None:
            redis_server.stop()
    keep_or_remove(workdir, args.keep)
    result.update(queues=args.queues, agents=args.agents, calls=args.calls * args.queues,
                  updates=updates)  # fmt: skip
    report(
        f"{args.queues} queues / {args.agents} agents: rendered in {result['render_ms']} ms; per "
        f"update: snapshot {result['snapshot_ms']} ms, scripting "
        f"{result['script_ms_per_update']} ms, layout {result['layout_ms_per_update']} ms, "
        f"next frame {result['frame_ms']} ms",
        result,
    )


if __name__ == "__main__":
    main()
