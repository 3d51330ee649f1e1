"""Browser fixtures: the console as a real server process and Debian's Chromium via Playwright."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.engine_process import child_env, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium (no browser download: the executable is the system one)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed (scripts/install.sh installs it)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_env() -> dict[str, str]:
    """Extra environment for the console process (a test module may override this fixture)."""
    return {}


@pytest.fixture
def console_url(
    tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str, console_env: dict[str, str]
) -> Iterator[str]:
    """``callcenter serve --no-engine`` on a free port; yields its base URL."""
    port = free_port()
    env = child_env()
    env.update(
        {
            "CALLCENTER_DATABASE__URL": db_url,
            "CALLCENTER_REDIS__URL": redis_url,
            "CALLCENTER_REDIS__PREFIX": redis_prefix,
            "CALLCENTER_CONSOLE__PORT": str(port),
            **console_env,
        }
    )
    log_path = tmp_path / "console.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from callcenter.entry import run; run()",
                "serve",
                "--no-engine",
            ],
            cwd=tmp_path,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=1).close()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise AssertionError("console did not start:\n" + log_path.read_text()) from None
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
