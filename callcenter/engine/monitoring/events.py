"""Bus events of a monitoring session (the call's uuid puts them on the call's timeline)."""

from __future__ import annotations

from dataclasses import dataclass

from callcenter.engine.bus import BusEvent


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorRinging(BusEvent):
    """The supervisor's phone is being rung to eavesdrop on the call."""

    call_uuid: str
    leg_uuid: str
    username: str
    mode: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorAnswered(BusEvent):
    """The supervisor answered: eavesdrop runs on the caller's channel."""

    call_uuid: str
    leg_uuid: str
    username: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorModeChanged(BusEvent):
    """The supervisor switched to another mode on the running leg."""

    call_uuid: str
    leg_uuid: str
    mode: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MonitorEnded(BusEvent):
    """The supervisor's leg is gone (left, not answered, or the call ended)."""

    call_uuid: str
    leg_uuid: str
    reason: str
