"""Settings: environment variables over a YAML file over defaults, in one typed object.

Every setting has an env var ``CALLCENTER_<SECTION>__<NAME>`` (e.g.
``CALLCENTER_ESL__PASSWORD``); the YAML file is ``callcenter.yaml`` in the working
directory or the path in ``CALLCENTER_CONFIG``. A bad value stops start-up with a
:class:`ConfigError` that names the setting and what is allowed.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from callcenter.settings.base import ConfigError
from callcenter.settings.ivr import IvrSettings
from callcenter.settings.metrics import MetricsSettings
from callcenter.settings.routing import RoutingSettings
from callcenter.settings.services import (
    ConsoleSettings,
    DatabaseSettings,
    LoginSettings,
    LogSettings,
    RecordingSettings,
    RedisSettings,
)
from callcenter.settings.switch import EslSettings, FreeswitchSettings, OutboundSettings
from callcenter.settings.tickets import SlaRuleSettings, TicketSettings
from callcenter.settings.yaml_source import DEFAULT_CONFIG_FILE, YamlSource

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "ConfigError",
    "ConsoleSettings",
    "DatabaseSettings",
    "EslSettings",
    "FreeswitchSettings",
    "IvrSettings",
    "LogSettings",
    "LoginSettings",
    "MetricsSettings",
    "OutboundSettings",
    "RecordingSettings",
    "RedisSettings",
    "RoutingSettings",
    "Settings",
    "SlaRuleSettings",
    "TicketSettings",
    "load_settings",
]


class Settings(BaseSettings):
    """All settings of one engine or console process."""

    model_config = SettingsConfigDict(
        env_prefix="CALLCENTER_", env_nested_delimiter="__", extra="forbid"
    )

    node_id: str = Field("node1", pattern=r"^[A-Za-z0-9_.-]+$")
    timezone: str = "UTC"
    esl: EslSettings = EslSettings()
    outbound: OutboundSettings = OutboundSettings()
    freeswitch: FreeswitchSettings = FreeswitchSettings()
    routing: RoutingSettings = RoutingSettings()
    database: DatabaseSettings = DatabaseSettings()
    redis: RedisSettings = RedisSettings()
    console: ConsoleSettings = ConsoleSettings()
    recording: RecordingSettings = RecordingSettings()
    ivr: IvrSettings = IvrSettings()
    tickets: TicketSettings = TicketSettings()
    log: LogSettings = LogSettings()
    login: LoginSettings = LoginSettings()
    metrics: MetricsSettings = MetricsSettings()

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}; use an IANA name such as 'Asia/Shanghai' or 'UTC'"
            ) from None
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Precedence: explicit arguments, then env vars, then the YAML file, then defaults.
        return (init_settings, env_settings, YamlSource(settings_cls))


def _describe(error: dict[str, Any]) -> str:
    setting = ".".join(str(part) for part in error["loc"])
    env = "CALLCENTER_" + "__".join(str(part).upper() for part in error["loc"])
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        message = "unknown setting (check the spelling; see README 'Configuration')"
    return f"setting {setting} (env {env}): {message}; got {error.get('input')!r}"


def load_settings(**overrides: Any) -> Settings:
    """Build the settings, or raise :class:`ConfigError` naming each bad setting."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = [_describe(error) for error in exc.errors()]
        raise ConfigError("invalid configuration:\n  " + "\n  ".join(lines)) from None
