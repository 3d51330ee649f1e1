"""Channel registry: what FreeSWITCH's channels look like now, built from events.

Tracks each channel from CHANNEL_CREATE (or the first event that shows it) to
CHANNEL_DESTROY: Channel-State, Channel-Call-State, Answer-State, variables, hold, and the
bridge partner. Partners come from ``Bridge-A-Unique-ID`` / ``Bridge-B-Unique-ID``: the
CHANNEL_BRIDGE fires once, on the A side (the B leg gets none, S03), and on a re-bridge the
CHANNEL_UNBRIDGE's ``Other-Leg-Unique-ID`` already names the *new* partner (S05b), so it is
not used. After a reconnect :meth:`ChannelRegistry.resync` replaces the picture with the
rows of ``show channels as json`` / ``show calls as json`` (which lag events by about a
second, so events seen later still win).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from callcenter.switch.handlers import ALL, Subscription
from callcenter.switch.protocol import Event

__all__ = ["Channel", "ChannelRegistry"]

_ENDED_STATES = frozenset({"CS_HANGUP", "CS_REPORTING", "CS_DESTROY"})
_FORGET_AFTER = 4096  # destroyed uuids remembered, so late events do not resurrect them


@dataclass(slots=True)
class Channel:
    """One FreeSWITCH channel (a call leg) as last seen."""

    uuid: str
    name: str = ""
    direction: str = ""
    state: str = ""
    call_state: str = ""
    answer_state: str = ""
    caller_number: str = ""
    caller_name: str = ""
    destination_number: str = ""
    partner: str | None = None
    held: bool = False
    application: str = ""
    hangup_cause: str = ""
    created_us: int = 0
    answered_us: int = 0
    variables: dict[str, str] = field(default_factory=dict)

    @property
    def answered(self) -> bool:
        """True once the channel was answered."""
        return self.answered_us > 0 or self.answer_state == "answered"

    @property
    def hung_up(self) -> bool:
        """True once the channel is hanging up (it stays until CHANNEL_DESTROY)."""
        return bool(self.hangup_cause) or self.state in _ENDED_STATES


class ChannelRegistry:
    """Live channels by uuid, kept current by feeding it every event (in order)."""

    def __init__(self) -> None:
        self._channels: dict[str, Channel] = {}
        self._destroyed: OrderedDict[str, None] = OrderedDict()

    # -- queries ---------------------------------------------------------------------------

    def get(self, uuid: str) -> Channel | None:
        """The channel with this uuid, or None."""
        return self._channels.get(uuid)

    def __contains__(self, uuid: object) -> bool:
        return uuid in self._channels

    def __len__(self) -> int:
        return len(self._channels)

    def __iter__(self) -> Iterator[Channel]:
        return iter(list(self._channels.values()))

    def partner_of(self, uuid: str) -> str | None:
        """The uuid of the channel bridged to ``uuid`` (None if not bridged)."""
        channel = self._channels.get(uuid)
        return channel.partner if channel else None

    # -- feeding ---------------------------------------------------------------------------

    def attach(self, connection: object) -> Subscription:
        """Register on a connection (or supervisor) as an ordered handler for all events."""
        return connection.on(ALL, self.handle)  # type: ignore[attr-defined]

    def handle(self, event: Event) -> None:
        """Apply one event (events without a Unique-ID are ignored)."""
        headers = event.headers
        uuid = headers.get("Unique-ID")
        if not uuid:
            return
        name = headers.get("Event-Name", "")
        if name == "CHANNEL_DESTROY":
            self._destroy(uuid)
            return
        channel = self._channels.get(uuid)
        if channel is None:
            if not self._adoptable(uuid, name, headers):
                return
            channel = self._channels[uuid] = Channel(uuid)
        self._update(channel, headers)
        if name == "CHANNEL_BRIDGE":
            self._bridge(headers)
        elif name == "CHANNEL_UNBRIDGE":
            self._unbridge(headers)
        elif name == "CHANNEL_HOLD":
            channel.held = True
        elif name == "CHANNEL_UNHOLD":
            channel.held = False
        elif name == "CHANNEL_ANSWER" and not channel.answered_us:
            channel.answered_us = _int(headers.get("Caller-Channel-Answered-Time")) or _int(
                headers.get("Event-Date-Timestamp")
            )
        elif name == "CHANNEL_HANGUP" or name == "CHANNEL_HANGUP_COMPLETE":
            channel.hangup_cause = headers.get("Hangup-Cause", channel.hangup_cause)

    def resync(
        self,
        channel_rows: Iterable[Mapping[str, str]],
        call_rows: Iterable[Mapping[str, str]] = (),
    ) -> None:
        """Replace the picture with ``show channels as json`` (+ ``show calls``) rows.

        Channels missing from the rows ended while we were not looking and are dropped;
        rows seed state, caller id and partners (``b_uuid`` of ``show calls``).
        """
        fresh: dict[str, Channel] = {}
        for row in channel_rows:
            uuid = row.get("uuid", "")
            if uuid:
                fresh[uuid] = _apply_row(self._channels.get(uuid) or Channel(uuid), row)
        for channel in fresh.values():
            if channel.partner and channel.partner not in fresh:
                channel.partner = None
        self._channels = fresh
        self._apply_calls(call_rows)

    def seed(
        self,
        channel_rows: Iterable[Mapping[str, str]],
        call_rows: Iterable[Mapping[str, str]] = (),
    ) -> None:
        """Add channels from ``show channels`` rows that the registry does not know yet."""
        for row in channel_rows:
            uuid = row.get("uuid", "")
            if uuid and uuid not in self._channels and uuid not in self._destroyed:
                self._channels[uuid] = _apply_row(Channel(uuid), row)
        self._apply_calls(call_rows)

    def _apply_calls(self, call_rows: Iterable[Mapping[str, str]]) -> None:
        channels = self._channels
        for row in call_rows:
            a, b = row.get("uuid", ""), row.get("b_uuid", "")
            if a in channels and b in channels:
                channels[a].partner = b
                channels[b].partner = a

    # -- internals -------------------------------------------------------------------------

    def _adoptable(self, uuid: str, name: str, headers: Mapping[str, str]) -> bool:
        if uuid in self._destroyed:
            return False  # FreeSWITCH sends CHANNEL_STATE CS_DESTROY after CHANNEL_DESTROY
        if name == "CHANNEL_CREATE":
            return True
        # Seen mid-call (we connected late): adopt channel events of live channels only.
        state = headers.get("Channel-State")
        return bool(state) and state not in _ENDED_STATES and "Channel-Name" in headers

    def _update(self, channel: Channel, headers: Mapping[str, str]) -> None:
        get = headers.get
        channel.state = get("Channel-State", channel.state)
        channel.call_state = get("Channel-Call-State", channel.call_state)
        channel.answer_state = get("Answer-State", channel.answer_state)
        if not channel.name:
            channel.name = get("Channel-Name", "")
            channel.direction = get("Call-Direction", "")
            channel.caller_number = get("Caller-Caller-ID-Number", "")
            channel.caller_name = get("Caller-Caller-ID-Name", "")
            channel.destination_number = get("Caller-Destination-Number", "")
            channel.created_us = _int(get("Caller-Channel-Created-Time"))
        application = get("variable_current_application")
        if application is not None:
            channel.application = application
        variables = channel.variables
        for key, value in headers.items():
            if key.startswith("variable_"):
                variables[key[9:]] = value

    def _bridge(self, headers: Mapping[str, str]) -> None:
        a = headers.get("Bridge-A-Unique-ID") or headers.get("Unique-ID", "")
        b = headers.get("Bridge-B-Unique-ID") or headers.get("Other-Leg-Unique-ID", "")
        if not a or not b:
            return
        for uuid, partner in ((a, b), (b, a)):
            channel = self._channels.get(uuid)
            if channel is not None:
                channel.partner = partner

    def _unbridge(self, headers: Mapping[str, str]) -> None:
        a = headers.get("Bridge-A-Unique-ID") or headers.get("Unique-ID", "")
        b = headers.get("Bridge-B-Unique-ID", "")
        for uuid, partner in ((a, b), (b, a)):
            channel = self._channels.get(uuid)
            if channel is not None and (not partner or channel.partner == partner):
                channel.partner = None

    def _destroy(self, uuid: str) -> None:
        channel = self._channels.pop(uuid, None)
        self._destroyed[uuid] = None
        if len(self._destroyed) > _FORGET_AFTER:
            self._destroyed.popitem(last=False)
        if channel is not None and channel.partner:
            partner = self._channels.get(channel.partner)
            if partner is not None and partner.partner == uuid:
                partner.partner = None


def _apply_row(channel: Channel, row: Mapping[str, str]) -> Channel:
    """Copy the columns of a ``show channels`` row onto a channel."""
    channel.name = row.get("name", channel.name)
    channel.direction = row.get("direction", channel.direction)
    channel.state = row.get("state", channel.state)
    channel.call_state = row.get("callstate", channel.call_state)
    channel.caller_number = row.get("cid_num", channel.caller_number)
    channel.caller_name = row.get("cid_name", channel.caller_name)
    channel.destination_number = row.get("dest", channel.destination_number)
    channel.application = row.get("application", channel.application)
    channel.held = channel.call_state == "HELD"
    if not channel.created_us:
        channel.created_us = _int(row.get("created_epoch")) * 1_000_000
    return channel


def _int(value: str | None) -> int:
    try:
        return int(value) if value else 0
    except ValueError:
        return 0
