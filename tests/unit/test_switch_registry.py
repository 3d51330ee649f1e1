"""ChannelRegistry fed with the recorded events of real calls."""

from __future__ import annotations

from collections.abc import Iterator

from callcenter.switch.commands import parse_show_json
from callcenter.switch.protocol import Event, FrameParser, decode_event
from callcenter.switch.registry import ChannelRegistry
from tests.support.trace_replay import load_trace


def events(name: str) -> Iterator[Event]:
    parser = FrameParser()
    for record in load_trace(name):
        if record.dir != "recv":
            continue
        for frame in parser.feed(record.raw.encode()):
            event = decode_event(frame)
            if event is not None:
                yield event


def feed_until(registry: ChannelRegistry, stream: Iterator[Event], name: str, uuid: str) -> Event:
    for event in stream:
        registry.handle(event)
        if event.name == name and event.uuid == uuid:
            return event
    raise AssertionError(f"no {name} for {uuid}")


S03_CALLER = "6504b07d-32dd-4917-ba5f-85a06a5464db"
S03_AGENT = "fd669dca-feb0-4148-ab4c-89685485a4ad"


def test_s03_bridge_partners_states_and_removal() -> None:
    registry = ChannelRegistry()
    stream = events("S03-inbound")
    feed_until(registry, stream, "CHANNEL_CREATE", S03_AGENT)
    agent = registry.get(S03_AGENT)
    assert agent is not None and agent.direction == "outbound"
    assert agent.caller_number == "13800138000" and agent.state == "CS_INIT"
    feed_until(registry, stream, "CHANNEL_ANSWER", S03_AGENT)
    assert agent.answered and agent.answer_state == "answered"
    feed_until(registry, stream, "CHANNEL_BRIDGE", S03_CALLER)
    caller = registry.get(S03_CALLER)
    assert caller is not None
    # CHANNEL_BRIDGE fires once, on the caller; the agent leg still learns its partner.
    assert registry.partner_of(S03_CALLER) == S03_AGENT
    assert registry.partner_of(S03_AGENT) == S03_CALLER
    assert caller.call_state == "ACTIVE"
    assert caller.variables["RECORD_STEREO"] == "true"
    feed_until(registry, stream, "CHANNEL_HANGUP", S03_AGENT)
    assert agent.hung_up and agent.hangup_cause == "NORMAL_CLEARING"
    feed_until(registry, stream, "CHANNEL_UNBRIDGE", S03_CALLER)
    assert registry.partner_of(S03_CALLER) is None
    for event in stream:
        registry.handle(event)
    assert S03_CALLER not in registry and S03_AGENT not in registry
    assert len(registry) == 0


S05B_CALLER = "d5519555-8d86-489a-a543-acb07fefb343"
S05B_AGENT = "513263fc-4af1-44fc-8ee6-40e9c151cdfe"
S05B_SPY = "331e8974-962e-4bd0-9b8a-f080241cdb61"
S05B_CONSULT = "e150512f-cdd6-45ab-bf4e-bf1230dddb99"


def test_s05b_rebridge_uses_bridge_ids_not_other_leg() -> None:
    registry = ChannelRegistry()
    stream = events("S05b-inbound")
    feed_until(registry, stream, "CHANNEL_BRIDGE", S05B_CALLER)
    assert registry.partner_of(S05B_CALLER) == S05B_AGENT
    feed_until(registry, stream, "CHANNEL_ANSWER", S05B_SPY)
    assert registry.partner_of(S05B_SPY) is None  # eavesdrop is no bridge
    assert registry.partner_of(S05B_CALLER) == S05B_AGENT
    unbridge = feed_until(registry, stream, "CHANNEL_UNBRIDGE", S05B_CALLER)
    # The gotcha: Other-Leg-Unique-ID already names the new partner here.
    assert unbridge["Other-Leg-Unique-ID"] == S05B_CONSULT
    assert unbridge["Bridge-B-Unique-ID"] == S05B_AGENT
    assert registry.partner_of(S05B_CALLER) is None
    assert registry.partner_of(S05B_AGENT) is None
    feed_until(registry, stream, "CHANNEL_DESTROY", S05B_AGENT)  # FreeSWITCH hung agent up
    assert S05B_AGENT not in registry
    feed_until(registry, stream, "CHANNEL_BRIDGE", S05B_CALLER)
    assert registry.partner_of(S05B_CALLER) == S05B_CONSULT
    assert registry.partner_of(S05B_CONSULT) == S05B_CALLER
    for event in stream:
        registry.handle(event)
    assert len(registry) == 0


def test_s05a_hold_and_unhold() -> None:
    sends = [r.raw.split()[-1] for r in load_trace("S05a-inbound") if "uuid_hold" in r.raw]
    agent = sends[0]
    registry = ChannelRegistry()
    stream = events("S05a-inbound")
    feed_until(registry, stream, "CHANNEL_HOLD", agent)
    channel = registry.get(agent)
    assert channel is not None and channel.held and channel.call_state == "HELD"
    feed_until(registry, stream, "CHANNEL_UNHOLD", agent)
    assert not channel.held and channel.call_state == "ACTIVE"


def test_late_events_do_not_resurrect_destroyed_channels() -> None:
    # S01: FreeSWITCH sends CHANNEL_STATE (CS_DESTROY) after CHANNEL_DESTROY.
    registry = ChannelRegistry()
    for event in events("S01-inbound"):
        registry.handle(event)
    assert len(registry) == 0


def test_channels_seen_mid_call_are_adopted() -> None:
    registry = ChannelRegistry()
    stream = events("S03-inbound")
    for event in stream:
        if event.name == "CHANNEL_BRIDGE":
            break
    registry.handle(event)  # connected late: the first thing we see is the bridge
    assert S03_CALLER in registry
    assert registry.partner_of(S03_CALLER) is None or registry.partner_of(S03_CALLER) == S03_AGENT
    feed_until(registry, stream, "CHANNEL_STATE", S03_AGENT)
    assert S03_AGENT in registry


def show_bodies() -> list[str]:
    records = load_trace("S03-inbound")
    bodies = []
    for i, record in enumerate(records):
        if record.dir == "send" and record.raw.startswith("api show"):
            bodies.append(records[i + 1].raw.split("\n\n", 1)[1])
    return bodies


def test_resync_from_show_channels_and_calls() -> None:
    channels_body, calls_early, calls_late = show_bodies()
    registry = ChannelRegistry()
    registry.handle(
        Event({"Event-Name": "CHANNEL_CREATE", "Unique-ID": "stale", "Channel-State": "CS_INIT"})
    )
    assert "stale" in registry
    registry.resync(parse_show_json(channels_body), parse_show_json(calls_early))
    assert "stale" not in registry  # ended while we were away
    caller = registry.get(S03_CALLER)
    agent = registry.get(S03_AGENT)
    assert caller is not None and agent is not None
    assert caller.state == "CS_EXECUTE" and caller.call_state == "ACTIVE"
    assert caller.caller_number == "13800138000" and caller.destination_number == "5000"
    assert caller.application == "playback"
    assert agent.direction == "outbound" and agent.call_state == "RINGING"
    assert registry.partner_of(S03_CALLER) is None  # show calls lags: no b_uuid yet
    registry.resync(parse_show_json(channels_body), parse_show_json(calls_late))
    assert registry.partner_of(S03_CALLER) == S03_AGENT
    assert registry.partner_of(S03_AGENT) == S03_CALLER


def test_seed_only_adds_unknown_channels() -> None:
    channels_body, _, calls_late = show_bodies()
    registry = ChannelRegistry()
    stream = events("S03-inbound")
    feed_until(registry, stream, "CHANNEL_CREATE", S03_AGENT)
    before = registry.get(S03_AGENT)
    registry.seed(parse_show_json(channels_body), parse_show_json(calls_late))
    assert registry.get(S03_AGENT) is before and before.state == "CS_INIT"
    assert S03_CALLER in registry
    assert registry.partner_of(S03_CALLER) == S03_AGENT
