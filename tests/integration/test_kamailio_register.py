"""Phones register at the cluster's SIP proxy: a real Kamailio runs the rendered configuration
and a real SIP client (sipsak) registers with digest auth - against the agents' SIP passwords
set with the admin tools (``kamailio.auth: database``, SQLite or PostgreSQL through the
``sip_subscribers`` view), or against the rendered ``dbtext/subscriber`` file."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result

from callcenter.cli import main
from tests.support.conf_render import clean_cli
from tests.support.engine_process import free_port

KAMAILIO = shutil.which("kamailio") or next(
    (p for p in ("/usr/sbin/kamailio", "/usr/local/sbin/kamailio") if Path(p).exists()), None
)
SIPSAK = shutil.which("sipsak")
pytestmark = pytest.mark.skipif(
    KAMAILIO is None or SIPSAK is None,
    reason="kamailio and sipsak are installed by scripts/install.sh",
)
DOMAIN = "localhost"  # resolvable, so sipsak can address it; the realm of the a1-hashes


class Proxy:
    """A Kamailio process running one rendered folder, on loopback and a free port."""

    def __init__(self, folder: Path, port: int) -> None:
        self.port = port
        self.log = folder / "kamailio.log"
        command = [KAMAILIO, "-DD", "-E", "-m", "32", "-M", "8", "-f", str(folder / "kamailio.cfg")]
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 20
        while "ctl" not in self.log.read_text() or "io_listen_loop" not in self.log.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("kamailio did not start:\n" + self.log.read_text())
            time.sleep(0.1)

    def register(self, user: str, password: str) -> subprocess.CompletedProcess:
        """REGISTER ``user`` with digest auth (sipsak's usrloc mode); exit 0 means 200 OK."""
        contact = f"sip:{user}@127.0.0.1:{free_port()}"
        return subprocess.run(
            [SIPSAK, "-U", "-i", "-C", contact, "-s", f"sip:{user}@{DOMAIN}",
             "-p", f"127.0.0.1:{self.port}", "-u", user, "-a", password, "-vv"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def stop(self) -> None:
        """End Kamailio and its children."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(5)


def _settings_yaml(tmp_path: Path, auth: str, port: int) -> str:
    return f"""esl: {{password: shared-esl-secret}}
freeswitch:
  hotline_numbers: ["5000"]
  agent_extensions: "1000-1002"
  directory: {{sip_domain: {DOMAIN}}}
  nodes:
    - {{name: fs-a, sip_ip: 127.0.0.1, sip_port: {free_port()}, esl_port: 8021,
       engine: "127.0.0.1:8084"}}
  kamailio:
    address: 127.0.0.1
    sip_port: {port}
    auth: {auth}
    control_socket: "unix:{tmp_path / "kamailio_ctl"}"
"""


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_url: str) -> Callable[..., Result]:
    """``callcenter ...`` with this test's database and the cluster's settings file."""
    runner, env = clean_cli(monkeypatch, tmp_path), {"CALLCENTER_DATABASE__URL": db_url}
    return lambda *args: runner.invoke(main, list(args), env=env)


@pytest.fixture
def start_proxy(tmp_path: Path, run: Callable[..., Result]) -> Iterator[Callable[[str], Proxy]]:
    """Render the proxy with ``kamailio.auth`` = the argument and start it."""
    proxies: list[Proxy] = []

    def start(auth: str) -> Proxy:
        port = free_port()
        (tmp_path / "callcenter.yaml").write_text(_settings_yaml(tmp_path, auth, port))
        rendered = run("kamailio-conf", "render", "--out", str(tmp_path / "kamailio"))
        assert rendered.exit_code == 0, rendered.output
        proxies.append(Proxy(tmp_path / "kamailio", port))
        return proxies[-1]

    yield start
    for proxy in proxies:
        proxy.stop()


def test_a_phone_registers_with_the_sip_password_set_for_its_agent(
    run: Callable[..., Result], start_proxy: Callable[[str], Proxy]
) -> None:
    (Path.cwd() / "callcenter.yaml").write_text(_settings_yaml(Path.cwd(), "database", 5060))
    for number, password in (("1000", "ann-secret-1"), ("1001", "bob-secret-2")):
        made = run("agents", "create", f"number={number}", f"display_name=A{number}",
                   f"sip_user={number}", f"sip_password={password}")  # fmt: skip
        assert made.exit_code == 0, made.output
    proxy = start_proxy("database")

    accepted = proxy.register("1000", "ann-secret-1")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert proxy.register("1001", "bob-secret-2").returncode == 0
    assert proxy.register("1000", "bob-secret-2").returncode != 0  # another agent's password
    assert proxy.register("1002", "ann-secret-1").returncode != 0  # no such agent

    # The console changes a password, or deactivates the agent: the proxy follows at once.
    assert run("agents", "update", "1000", "sip_password=ann-new-secret").exit_code == 0
    assert proxy.register("1000", "ann-secret-1").returncode != 0
    assert proxy.register("1000", "ann-new-secret").returncode == 0
    assert run("agents", "deactivate", "1001").exit_code == 0
    assert proxy.register("1001", "bob-secret-2").returncode != 0


def test_a_phone_registers_with_the_rendered_file_password(
    tmp_path: Path, start_proxy: Callable[[str], Proxy]
) -> None:
    proxy = start_proxy("file")
    rows = (tmp_path / "kamailio" / "dbtext" / "subscriber").read_text().splitlines()[1:]
    password = {row.split(":")[1]: row.split(":", 3)[3] for row in rows}
    assert proxy.register("1001", password["1001"]).returncode == 0
    assert proxy.register("1001", password["1002"]).returncode != 0


def test_database_auth_needs_the_domain_the_secrets_were_hashed_with(
    tmp_path: Path, run: Callable[..., Result]
) -> None:
    text = _settings_yaml(tmp_path, "database", 5060)
    text = text.replace(f"sip_domain: {DOMAIN}", "sip_domain: ''")
    (tmp_path / "callcenter.yaml").write_text(text)
    result = run("kamailio-conf", "render", "--out", str(tmp_path / "kamailio"))
    assert result.exit_code == 1
    assert "freeswitch.directory.sip_domain" in result.output
