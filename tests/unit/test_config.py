"""Settings: env over YAML over defaults, and clear errors for bad values."""

from __future__ import annotations

import pytest

from callcenter.config import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("CALLCENTER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_without_file_or_env() -> None:
    settings = load_settings()
    assert settings.esl.host == "127.0.0.1"
    assert settings.esl.port == 8021
    assert settings.outbound.port == 8084
    assert settings.database.url.startswith("sqlite:///")


def test_yaml_file_then_env_override(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    config = tmp_path / "cc.yaml"
    config.write_text("esl:\n  port: 9021\n  password: from-file\nredis:\n  prefix: site2\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(config))
    settings = load_settings()
    assert (settings.esl.port, settings.esl.password, settings.redis.prefix) == (
        9021,
        "from-file",
        "site2",
    )
    monkeypatch.setenv("CALLCENTER_ESL__PORT", "9022")
    assert load_settings().esl.port == 9022
    assert load_settings().esl.password == "from-file"


def test_callcenter_yaml_in_working_directory_is_read(tmp_path) -> None:
    (tmp_path / "callcenter.yaml").write_text("node_id: edge-7\n")
    assert load_settings().node_id == "edge-7"


def test_bad_value_names_setting_env_and_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_ESL__PORT", "eighty")
    with pytest.raises(ConfigError) as info:
        load_settings()
    message = str(info.value)
    assert "esl.port" in message and "CALLCENTER_ESL__PORT" in message and "'eighty'" in message


def test_unknown_setting_in_yaml_is_refused(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    config = tmp_path / "cc.yaml"
    config.write_text("esl:\n  passwrd: typo\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(config))
    with pytest.raises(ConfigError, match=r"esl\.passwrd.*unknown setting"):
        load_settings()


@pytest.mark.parametrize("stock", ["ClueCon", "cluecon", "CLUECON", " ClueCon\t"])
def test_stock_esl_password_is_refused(monkeypatch: pytest.MonkeyPatch, stock: str) -> None:
    monkeypatch.setenv("CALLCENTER_ESL__PASSWORD", stock)
    with pytest.raises(ConfigError, match="ClueCon"):
        load_settings()


def test_missing_esl_password_is_an_error_when_needed() -> None:
    with pytest.raises(ConfigError, match="CALLCENTER_ESL__PASSWORD"):
        load_settings().esl.required_password()


def test_unknown_time_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CALLCENTER_TIMEZONE", "Mars/Olympus")
    with pytest.raises(ConfigError, match="timezone.*IANA"):
        load_settings()


def test_bad_yaml_names_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    config = tmp_path / "broken.yaml"
    config.write_text("esl: [unclosed\n")
    monkeypatch.setenv("CALLCENTER_CONFIG", str(config))
    with pytest.raises(ConfigError, match="broken.yaml is not valid YAML"):
        load_settings()


def test_config_file_named_but_missing(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("CALLCENTER_CONFIG", str(tmp_path / "nope.yaml"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings()
