"""`callcenter kamailio-conf render`: the SIP proxy in front of the cluster's nodes, accepted by
Kamailio's own config check (``kamailio -c``)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main
from tests.support.conf_render import cluster_cli

KAMAILIO = shutil.which("kamailio") or next(
    (p for p in ("/usr/sbin/kamailio", "/usr/local/sbin/kamailio") if Path(p).exists()), None
)


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    return cluster_cli(monkeypatch, tmp_path)


def _render(runner: CliRunner, out: Path) -> str:
    result = runner.invoke(main, ["kamailio-conf", "render", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return (out / "kamailio.cfg").read_text()


@pytest.mark.skipif(KAMAILIO is None, reason="no kamailio binary (scripts/install.sh installs it)")
def test_kamailio_accepts_the_rendered_configuration(runner: CliRunner, tmp_path: Path) -> None:
    _render(runner, tmp_path / "kamailio")
    check = subprocess.run(
        [KAMAILIO, "-c", "-f", str(tmp_path / "kamailio" / "kamailio.cfg")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "config file ok" in check.stdout + check.stderr


@pytest.mark.skipif(KAMAILIO is None, reason="no kamailio binary (scripts/install.sh installs it)")
def test_kamailio_refuses_a_broken_configuration(runner: CliRunner, tmp_path: Path) -> None:
    """The check above can fail: an unknown function in the same file is refused."""
    cfg = tmp_path / "kamailio" / "kamailio.cfg"
    cfg.write_text(_render(runner, tmp_path / "kamailio").replace("ds_select_dst(", "ds_pick("))
    check = subprocess.run([KAMAILIO, "-c", "-f", str(cfg)], capture_output=True, timeout=60)
    assert check.returncode != 0


def test_the_dispatcher_list_holds_every_node(runner: CliRunner, tmp_path: Path) -> None:
    _render(runner, tmp_path / "kamailio")
    lines = (tmp_path / "kamailio" / "dispatcher.list").read_text().splitlines()
    entries = [line.split() for line in lines if line and not line.startswith("#")]
    assert entries == [
        ["1", "sip:10.0.0.11:5060", "0", "0", "name=fs-a"],
        ["1", "sip:10.0.0.12:5070", "0", "0", "name=fs-b"],
    ]


def test_nodes_are_probed_spread_over_and_taken_out(runner: CliRunner, tmp_path: Path) -> None:
    cfg = _render(runner, tmp_path / "kamailio")
    assert f'"list_file", "{tmp_path / "kamailio" / "dispatcher.list"}"' in cfg
    assert 'modparam("dispatcher", "ds_ping_interval", 10)' in cfg
    assert 'modparam("dispatcher", "ds_probing_mode", 1)' in cfg
    assert 'modparam("dispatcher", "ds_probing_threshold", 3)' in cfg
    assert 'ds_select_dst("1", "4")' in cfg  # round-robin by default
    assert 'ds_mark_dst("ip")' in cfg and "ds_next_dst()" in cfg  # failover to the next node
    assert '$rU =~ "^(5000)$"' in cfg  # the hotline numbers go to the nodes
    assert 'save("location")' in cfg and 'lookup("location")' in cfg  # phones register here
    assert "listen=udp:10.0.0.5:5060" in cfg and 'alias="cc.example.com"' in cfg


def test_call_id_hash_spreading_and_kept_agent_passwords(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "kamailio"
    _render(runner, out)
    users = (out / "dbtext" / "subscriber").read_text()
    assert [row.split(":")[1] for row in users.splitlines()[1:]] == ["1000", "1001", "1002"]
    assert oct((out / "dbtext" / "subscriber").stat().st_mode & 0o777) == "0o600"
    monkeypatch.setenv("CALLCENTER_FREESWITCH__KAMAILIO__ALGORITHM", "call_id_hash")
    assert 'ds_select_dst("1", "0")' in _render(runner, out)
    assert (out / "dbtext" / "subscriber").read_text() == users  # passwords kept


def test_no_nodes_no_proxy(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "callcenter.yaml").write_text("esl: {password: x-secret}\n")
    result = runner.invoke(main, ["kamailio-conf", "render", "--out", str(tmp_path / "k")])
    assert result.exit_code == 1 and "freeswitch.nodes is empty" in result.output
