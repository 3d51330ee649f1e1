"""`callcenter freeswitch-conf render` binds FreeSWITCH's directory to the console's endpoint
(mod_xml_curl) when the directory password is set, and leaves it out otherwise."""

from __future__ import annotations

import os
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from callcenter.cli import main
from callcenter.config import ConfigError, load_settings


def render(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Path:
    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CALLCENTER_ESL__PASSWORD", "s3cret-esl")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "fs"
    result = CliRunner().invoke(main, ["freeswitch-conf", "render", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_the_binding_names_the_endpoint_and_its_credentials(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = render(
        monkeypatch,
        tmp_path,
        CALLCENTER_FREESWITCH__DIRECTORY__PASSWORD="dir-pass&<x>",
        CALLCENTER_FREESWITCH__DIRECTORY__URL="http://10.0.0.5:8080/freeswitch/directory",
    )
    path = out / "autoload_configs" / "xml_curl.conf.xml"
    root = ET.parse(path).getroot()  # well-formed, the password's & and < escaped
    assert (root.tag, root.get("name")) == ("configuration", "xml_curl.conf")
    [binding] = root.findall("./bindings/binding")
    params = {p.get("name"): p for p in binding.findall("param")}
    url = params["gateway-url"]
    assert url.get("value") == "http://10.0.0.5:8080/freeswitch/directory"
    assert url.get("bindings") == "directory"
    assert params["gateway-credentials"].get("value") == "freeswitch:dir-pass&<x>"
    assert params["auth-scheme"].get("value") == "basic"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_no_binding_without_a_directory_password(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    out = render(monkeypatch, tmp_path)
    assert not (out / "autoload_configs" / "xml_curl.conf.xml").exists()
    modules = ET.parse(out / "autoload_configs" / "modules.conf.xml").getroot()
    assert "mod_xml_curl" not in {m.get("module") for m in modules.iter("load")}


def test_a_bad_network_in_allow_from_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="freeswitch.directory.allow_from"):
        load_settings(freeswitch={"directory": {"allow_from": ["10.0.0.300/8"]}})
