"""The callcenter command: help on every command, config errors, FreeSWITCH config render."""

from __future__ import annotations

import xml.dom.minidom

import click
import pytest
from click.testing import CliRunner

from callcenter.cli import main


def _all_commands(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        yield (*prefix, name)
        if isinstance(command, click.Group):
            yield from _all_commands(command, (*prefix, name))


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path) -> CliRunner:
    import os

    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return CliRunner()


def test_help_lists_commands_and_every_command_has_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    assert "check-config" in result.output and "freeswitch-conf" in result.output
    for path in _all_commands(main):
        sub = runner.invoke(main, [*path, "--help"])
        assert sub.exit_code == 0, (path, sub.output)
        assert "Usage:" in sub.output


def test_bad_setting_stops_with_one_clear_line(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("CALLCENTER_REDIS__PREFIX", "has space")
    result = runner.invoke(main, ["check-config"])
    assert result.exit_code == 1
    assert "redis.prefix" in result.output and "Traceback" not in result.output


def test_check_config_masks_password(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("CALLCENTER_ESL__PASSWORD", "very-secret")
    result = runner.invoke(main, ["check-config"])
    assert result.exit_code == 0
    assert "very-secret" not in result.output and "***" in result.output


def test_check_config_masks_passwords_inside_urls(runner: CliRunner, monkeypatch) -> None:
    monkeypatch.setenv("CALLCENTER_DATABASE__URL", "postgresql+psycopg://cc:db-pass-1@db:5432/cc")
    monkeypatch.setenv("CALLCENTER_REDIS__URL", "redis://:redis-pass-2@cache:6379/0")
    monkeypatch.setenv("CALLCENTER_CONSOLE__SECRET_KEY", "cookie-key-3")
    result = runner.invoke(main, ["check-config"])
    assert result.exit_code == 0, result.output
    for secret in ("db-pass-1", "redis-pass-2", "cookie-key-3"):
        assert secret not in result.output
    assert "postgresql+psycopg://cc:***@db:5432/cc" in result.output
    assert "redis://:***@cache:6379/0" in result.output


def test_freeswitch_conf_render_needs_password(runner: CliRunner, tmp_path) -> None:
    result = runner.invoke(main, ["freeswitch-conf", "render", "--out", str(tmp_path / "fs")])
    assert result.exit_code == 1
    assert "CALLCENTER_ESL__PASSWORD" in result.output


def test_freeswitch_conf_render_writes_settings_and_keeps_agent_passwords(
    runner: CliRunner, monkeypatch, tmp_path
) -> None:
    out = tmp_path / "fs"
    monkeypatch.setenv("CALLCENTER_ESL__PASSWORD", "s3cret-esl")
    monkeypatch.setenv("CALLCENTER_OUTBOUND__PORT", "8099")
    monkeypatch.setenv("CALLCENTER_FREESWITCH__HOTLINE_NUMBERS", '["5000","4008"]')
    assert runner.invoke(main, ["freeswitch-conf", "render", "--out", str(out)]).exit_code == 0
    variables = (out / "callcenter_vars.xml").read_text()
    assert "callcenter_esl_password=s3cret-esl" in variables
    assert "callcenter_outbound=127.0.0.1:8099" in variables
    assert "callcenter_hotline_regex=^(5000|4008)$" in variables
    socket_conf = (out / "autoload_configs" / "event_socket.conf.xml").read_text()
    assert '"listen-ip" value="127.0.0.1"' in socket_conf
    assert '"password" value="$${callcenter_esl_password}"' in socket_conf
    agents = (out / "directory" / "agents" / "callcenter_agents.xml").read_text()
    assert agents.count("<user id=") == 20
    assert runner.invoke(main, ["freeswitch-conf", "render", "--out", str(out)]).exit_code == 0
    assert (out / "directory" / "agents" / "callcenter_agents.xml").read_text() == agents
    for path in out.rglob("*.xml"):
        xml.dom.minidom.parse(str(path))  # every file is well-formed XML
    assert (out / "dialplan" / "public" / "10_callcenter_hotline.xml").exists()
