"""The engine's /metrics and /healthz (callcenter/engine/metrics), scraped over HTTP from the
engine process while the simulator carries calls; parsed with prometheus_client's parser."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import gevent
import pytest
import redis
from prometheus_client.parser import text_string_to_metric_families

from callcenter.sim import Switch
from tests.support.calls import call_rows, eventually, sign_in
from tests.support.center import RINGING, Center
from tests.support.engine_process import free_port
from tests.support.flows import PLAIN_QUEUE_FLOW


def get(url: str) -> tuple[int, str]:
    """Status and body of a GET (in gevent's thread pool: the simulator keeps running)."""

    def fetch() -> tuple[int, str]:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    return gevent.get_hub().threadpool.apply(fetch)


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of the engine's /metrics: (name, sorted labels) -> value."""
    status, text = get(f"http://127.0.0.1:{port}/metrics")
    assert status == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    """One sample's value (0 when the engine has not reported it)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def total(samples: dict, name: str) -> float:
    """The sum of a sample over all its label values."""
    return sum(v for (n, _), v in samples.items() if n == name)


@pytest.fixture
def center(tmp_path: Path, db_url: str, redis_url: str, redis_prefix: str) -> Iterator[Center]:
    env = RINGING | {"METRICS__PORT": str(free_port())}
    with Center(
        tmp_path, db_url, redis_url, redis_prefix, env=env,
        flows={"plain": PLAIN_QUEUE_FLOW}, numbers={"5000": "plain"}, default_flow="plain",
    ) as built:  # fmt: skip
        yield built


def test_metrics_count_an_answered_and_an_abandoned_call(center: Center) -> None:
    port = int(center.settings["METRICS__PORT"])
    switch: Switch = center.switch
    before = scrape(port)
    assert value(before, "callcenter_calls_total", disposition="answered") == 0
    assert value(before, "callcenter_agents", state="logged_out") == 2

    # no agent signed in: the caller waits in line, then gives up
    leaver = switch.place_call("13800000001", "5000", [])
    waiting = eventually(
        lambda: value(s := scrape(port), "callcenter_queue_callers_waiting", queue="support") and s,
        what="a caller waiting in support on /metrics",
    )
    assert value(waiting, "callcenter_queue_callers_waiting", queue="support") == 1
    assert value(waiting, "callcenter_queue_longest_wait_seconds", queue="support") > 0
    leaver.hangup()
    eventually(lambda: leaver.ended.is_set(), timeout=20, what="the caller gave up")
    eventually(lambda: call_rows(center.db_url), what="the abandoned call's record")

    switch.add_softphone("1000", answer_after=1.0, hangup_after=2.0)
    sign_in(center.as_dict(), "1000")
    caller = switch.place_call("13800000002", "5000", [], hangup_after=30.0)
    eventually(lambda: caller.ended.is_set(), timeout=30, what="the answered call ended")
    eventually(lambda: len(call_rows(center.db_url)) == 2, what="the answered call's record")

    after = scrape(port)
    assert value(after, "callcenter_calls_total", disposition="abandoned") == 1
    assert value(after, "callcenter_calls_total", disposition="answered") == 1
    assert value(after, "callcenter_offers_total") == 1
    assert value(after, "callcenter_offer_seconds_count", outcome="answered") == 1
    assert value(after, "callcenter_offer_seconds_sum", outcome="answered") > 0
    assert value(after, "callcenter_queue_callers_waiting", queue="support") == 0
    assert value(after, "callcenter_esl_connected") == 1
    assert value(after, "callcenter_records_buffered") == 0
    assert value(after, "callcenter_agents", state="logged_out") == 1
    assert total(after, "callcenter_esl_command_seconds_count") > 0
    # the agent's leg was originated over the inbound connection (bgapi originate)
    assert value(after, "callcenter_esl_command_seconds_count", command="bgapi originate") >= 1
    assert value(after, "callcenter_esl_event_lag_seconds_count") > 0


def _redis_server(workdir: Path) -> tuple[subprocess.Popen, str]:
    """A private redis-server this test may stop (never the session's shared one)."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed"
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(workdir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            assert time.monotonic() < deadline, "private redis-server did not start"
            time.sleep(0.05)
    client.close()
    return process, f"redis://127.0.0.1:{port}/0"


def test_healthz_names_redis_when_it_goes_down(tmp_path: Path, db_url: str) -> None:
    process, url = _redis_server(tmp_path)
    port = free_port()
    try:
        with Center(
            tmp_path, db_url, url, "health", env={"METRICS__PORT": str(port)}, agents=[],
            flows={"plain": PLAIN_QUEUE_FLOW}, numbers={"5000": "plain"}, default_flow="plain",
        ):  # fmt: skip
            status, body = get(f"http://127.0.0.1:{port}/healthz")
            assert (status, json.loads(body)) == (200, {"esl": True, "redis": True, "sql": True})
            process.terminate()
            process.wait(10)
            status, body = get(f"http://127.0.0.1:{port}/healthz")
            assert (status, json.loads(body)) == (503, {"esl": True, "redis": False, "sql": True})
            errors = value(scrape(port), "callcenter_redis_errors_total")
            assert errors >= 1  # the failed probe at least
            assert get(f"http://127.0.0.1:{port}/nothing")[0] == 404
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)
