"""Exceptions of the live-state layer."""

from __future__ import annotations

__all__ = ["LiveError", "LiveUnavailable"]


class LiveError(Exception):
    """A live-state (Redis) operation failed; the message says what to check."""


class LiveUnavailable(LiveError):
    """Redis cannot be reached (not running, wrong URL or password, network down)."""
