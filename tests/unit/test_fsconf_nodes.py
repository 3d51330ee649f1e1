"""`callcenter freeswitch-conf render --node N`: one node of a cluster described in settings."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main
from tests.support.conf_render import cluster_cli, expand_includes


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    return cluster_cli(monkeypatch, tmp_path)


def _render(runner: CliRunner, out: Path, node: str) -> ET.Element:
    result = runner.invoke(main, ["freeswitch-conf", "render", "--out", str(out), "--node", node])
    assert result.exit_code == 0, result.output
    return ET.fromstring(expand_includes(out / "freeswitch.xml"))


def _vars(out: Path) -> dict[str, str]:
    root = ET.parse(out / "callcenter_vars.xml").getroot()
    return dict(p.get("data", "").split("=", 1) for p in root.iter("X-PRE-PROCESS"))


def test_each_node_gets_its_own_esl_sip_address_and_engine(runner: CliRunner, tmp_path) -> None:
    _render(runner, tmp_path / "a", "fs-a")
    _render(runner, tmp_path / "b", "2")  # by number, from 1
    a, b = _vars(tmp_path / "a"), _vars(tmp_path / "b")
    assert (a["callcenter_node"], b["callcenter_node"]) == ("fs-a", "fs-b")
    assert (a["callcenter_esl_port"], a["callcenter_esl_password"]) == ("8021", "shared-esl-secret")
    assert (b["callcenter_esl_port"], b["callcenter_esl_password"]) == ("8031", "node-b-secret")
    assert (a["callcenter_outbound"], b["callcenter_outbound"]) == (
        "127.0.0.1:8084",
        "127.0.0.1:8094",
    )
    assert (a["callcenter_sip_ip"], a["callcenter_rtp_ip"], a["callcenter_sip_port"]) == (
        "10.0.0.11",
        "10.0.0.11",
        "5060",
    )
    assert (b["callcenter_sip_ip"], b["callcenter_rtp_ip"], b["callcenter_sip_port"]) == (
        "10.0.0.12",
        "10.0.1.12",
        "5070",
    )
    assert a["callcenter_domain"] == b["callcenter_domain"] == "cc.example.com"
    assert a["callcenter_proxy_cidr"] == "10.0.0.5/32"  # Kamailio may send calls unchallenged


def test_the_shipped_files_take_the_node_values(runner: CliRunner, tmp_path) -> None:
    document = _render(runner, tmp_path / "b", "fs-b")
    profile = document.find(".//configuration[@name='sofia.conf']/profiles/profile")
    params = {p.get("name"): p.get("value") for p in profile.iter("param")}
    assert (
        params["sip-ip"] == "$${callcenter_sip_ip}" and params["rtp-ip"] == "$${callcenter_rtp_ip}"
    )
    assert params["sip-port"] == "$${internal_sip_port}"
    vars_xml = (tmp_path / "b" / "vars.xml").read_text()
    assert "internal_sip_port=$${callcenter_sip_port}" in vars_xml
    assert "domain=$${callcenter_domain}" in vars_xml
    socket = document.find(".//configuration[@name='event_socket.conf']/settings")
    socket_params = {p.get("name"): p.get("value") for p in socket.iter("param")}
    assert socket_params["listen-ip"] == "127.0.0.1"  # ESL stays on loopback on every node
    acl = document.find(".//configuration[@name='acl.conf']")
    assert "$${callcenter_proxy_cidr}" in {n.get("cidr") for n in acl.iter("node")}


def test_agents_are_reached_through_kamailio_from_every_node(runner: CliRunner, tmp_path) -> None:
    document = _render(runner, tmp_path / "a", "fs-a")
    domain = document.find("section[@name='directory']/domain")
    dial = {p.get("name"): p.get("value") for p in domain.iter("param")}["dial-string"]
    assert dial == "$${callcenter_agent_dial_string}"
    dial_string = _vars(tmp_path / "a")["callcenter_agent_dial_string"]
    assert "sofia/internal/${dialed_user}@${dialed_domain}" in dial_string
    assert dial_string.endswith(";fs_path=<sip:10.0.0.5:5060;lr>")
    assert "sofia_contact" not in dial_string  # phones do not register at the node
    users = {user.get("id") for user in domain.iter("user")}
    assert users == {"1000", "1001", "1002"}
    public = document.find("section[@name='dialplan']/context[@name='public']")
    names = [extension.get("name") for extension in public.iter("extension")]
    # A phone's own call marked by Kamailio reaches the agents' context before the hotline.
    assert names.index("callcenter_agent_via_proxy") < names.index("callcenter_hotline")


def test_a_single_node_keeps_its_registered_phones(runner: CliRunner, tmp_path) -> None:
    result = runner.invoke(main, ["freeswitch-conf", "render", "--out", str(tmp_path / "one")])
    assert result.exit_code == 0, result.output
    values = _vars(tmp_path / "one")
    assert "callcenter_node" not in values
    assert values["callcenter_sip_ip"] == "$${local_ip_v4}"
    assert (
        "${sofia_contact(*/${dialed_user}@${dialed_domain})}"
        in values["callcenter_agent_dial_string"]
    )


def test_an_unknown_node_is_refused_with_the_known_ones(runner: CliRunner, tmp_path) -> None:
    result = runner.invoke(
        main, ["freeswitch-conf", "render", "--out", str(tmp_path / "x"), "--node", "fs-c"]
    )
    assert result.exit_code == 1
    assert "no node 'fs-c'" in result.output and "fs-a, fs-b" in result.output
    assert not (tmp_path / "x" / "callcenter_vars.xml").exists()
