"""Take the README's console screenshots (docs/screenshots/*.png) from a console with demo data.

Run from the repository root after scripts/install.sh: ``.venv/bin/python scripts/screenshots.py``.
It starts a private redis-server and ``callcenter serve --no-engine`` on a fresh SQLite file in
a temporary folder, adds Chinese-speaking users, a customer with a ticket and live agent and call
state (as the engine would write it to Redis), then saves the agent desktop with a screen-pop,
the wallboard and a ticket, in Chinese, at 1280x720 with Debian's Chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from callcenter.config import load_settings  # noqa: E402
from callcenter.demo import RedisProcess, free_port  # noqa: E402
from callcenter.live.store import LiveStore  # noqa: E402
from callcenter.store import models  # noqa: E402
from callcenter.store.migrate import upgrade  # noqa: E402
from callcenter.store.repositories import create_user  # noqa: E402
from callcenter.store.session import session_scope  # noqa: E402
from callcenter.tickets import customers as cust  # noqa: E402
from callcenter.tickets import service as svc  # noqa: E402
from callcenter.tickets.callbacks import schedule_callback  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
PASSWORD = "screens-pass-1"
PREFIX = "shots"
VIEWPORT = {"width": 1280, "height": 720}
MAX_BYTES = 200_000
NOW = datetime.now(UTC).replace(microsecond=0)


def seed(db_url: str) -> str:
    """Users, agents, customers and a worked ticket; returns the ticket's number."""
    upgrade(db_url)
    settings = load_settings().tickets
    with session_scope(db_url) as session:
        create_user(session, "supervisor", PASSWORD, "supervisor", language="zh")
        for number, name in (
            ("1001", "王芳"),
            ("1002", "李娜"),
            ("1003", "刘洋"),
            ("1004", "陈静"),
        ):
            user = create_user(session, f"agent{number}", PASSWORD, "agent", language="zh")
            session.add(models.Agent(number=number, sip_user=number, user=user, display_name=name))
        customer = cust.create_customer(
            session, "张伟", ["13800138000"], vip=True, region="上海", tags=["宽带", "老客户"]
        )
        cust.create_customer(session, "赵敏", ["13900139000"], region="杭州")
        ticket = svc.create_ticket(
            session,
            settings,
            subject="宽带断线，光猫指示灯闪烁",
            customer_id=customer.id,
            category="repair",
            priority="high",
            department="technical",
            description="客户来电：家中宽带从昨晚起频繁断线，光猫 LOS 灯红色闪烁。\n"
            "已远程重启无效。",
        )
        svc.add_comment(session, ticket, "已预约明天上午上门检修。")
        schedule_callback(
            session, ticket, "13800138000", NOW + timedelta(days=1), note="检修后回访"
        )
        svc.create_ticket(
            session, settings, subject="账单金额有疑问", customer_id=customer.id, category="inquiry"
        )
        return ticket.number


def live_state(live: LiveStore) -> None:
    """Agents and calls as the engine publishes them (wallboard and the agent's screen-pop)."""
    since = (NOW - timedelta(minutes=3)).isoformat()
    agents = {
        "1001": {"state": "ringing", "reason": "", "call_uuid": "c-1"},
        "1002": {"state": "on_call", "reason": "", "call_uuid": "c-2"},
        "1003": {"state": "not_ready", "reason": "lunch", "call_uuid": ""},
        "1004": {"state": "available", "reason": "", "call_uuid": ""},
    }
    for number, fields in agents.items():
        live.put_agent(number, extension=number, since=since, **fields)
    path = [{"node": "menu", "value": "2"}, {"node": "support", "value": "support"}]
    calls = {
        "c-1": {
            "state": "offering",
            "caller_number": "13800138000",
            "queue": "support",
            "agent_id": "1001",
            "ivr_path": json.dumps(path),
        },
        "c-2": {
            "state": "talking",
            "caller_number": "13700137000",
            "queue": "sales",
            "agent_id": "1002",
        },
        "c-3": {"state": "queued", "caller_number": "13600136000", "queue": "support"},
    }
    for uuid, fields in calls.items():
        live.put_call(uuid, since=since, **fields)


def start_console(workdir: Path, db_url: str, redis_url: str) -> tuple[subprocess.Popen, str]:
    """``callcenter serve --no-engine`` on a free port, once it answers."""
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "CALLCENTER_DATABASE__URL": db_url,
        "CALLCENTER_REDIS__URL": redis_url,
        "CALLCENTER_REDIS__PREFIX": PREFIX,
        "CALLCENTER_CONSOLE__PORT": str(port),
    }
    command = [
        sys.executable,
        "-c",
        "from callcenter.entry import run; run()",
        "serve",
        "--no-engine",
    ]
    log = (workdir / "console.log").open("wb")
    process = subprocess.Popen(command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url + "/login", timeout=1).close()
            return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the console did not start:\n" + (workdir / "console.log").read_text())


def shoot(url: str, ticket: str, live: LiveStore) -> list[Path]:
    """Sign in and save the three pages."""
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"]
        )
        for username, path, name, ready in (
            (
                "agent1001",
                "/agent/",
                "desktop",
                "[data-testid=pop-customer] .vip, [data-testid=pop-customer] a",
            ),
            ("supervisor", "/supervisor/", "wallboard", "tr[data-agent='1004']"),
            ("supervisor", f"/tickets/{ticket}", "ticket", "[data-testid=ticket-status]"),
        ):
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN")
            page = context.new_page()
            page.goto(url + "/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_selector("[data-testid=who]")
            page.goto(url + path)
            if name == "desktop":
                page.wait_for_selector("#stream-status:not(:text-is('…'))")
                agent = {
                    "agent_id": "1001",
                    "extension": "1001",
                    "state": "ringing",
                    "reason": "",
                    "call_uuid": "c-1",
                }
                live.publish("agent:1001", {"agent": agent})
            page.wait_for_selector(ready)
            target = OUT / f"{name}.png"
            page.screenshot(path=str(target))
            saved.append(target)
            context.close()
        browser.close()
    return saved


def main() -> None:
    """Start everything, seed, shoot, stop."""
    with tempfile.TemporaryDirectory(prefix="screenshots-") as tmp:
        workdir = Path(tmp)
        redis = RedisProcess(workdir)
        db_url = f"sqlite:///{workdir / 'console.db'}"
        console = None
        try:
            ticket = seed(db_url)
            live = LiveStore(redis.url, PREFIX)
            live_state(live)
            console, url = start_console(workdir, db_url, redis.url)
            for path in shoot(url, ticket, live):
                size = path.stat().st_size
                print(f"{path.relative_to(ROOT)}: {size // 1000} KB")
                if size > MAX_BYTES:
                    raise SystemExit(f"{path.name} is over {MAX_BYTES // 1000} KB")
            live.close()
        finally:
            if console is not None:
                console.terminate()
                console.wait(10)
            redis.stop()


if __name__ == "__main__":
    main()
