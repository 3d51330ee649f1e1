"""What every settings section shares: unknown keys refused, one error type."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ConfigError(Exception):
    """A setting has a value the engine cannot start with; the message says what to fix."""


class Section(BaseModel):
    """A settings section; unknown keys are typos and refused."""

    model_config = ConfigDict(extra="forbid")
