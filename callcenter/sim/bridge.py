"""uuid_bridge, hold, transfer and eavesdrop."""

from __future__ import annotations

from callcenter.sim.channel import Channel


def uuid_bridge(a: Channel, b: Channel) -> None:
    """Bridge two live channels (to be written)."""
    raise NotImplementedError


def hold(ch: Channel, on: bool) -> None:
    """uuid_hold (to be written)."""
    raise NotImplementedError


def transfer(ch: Channel, dest: str, dialplan: str, context: str, leg: str) -> None:
    """uuid_transfer (to be written)."""
    raise NotImplementedError


def eavesdrop(ch: Channel, target: str) -> None:
    """eavesdrop app (to be written)."""
    raise NotImplementedError
