"""The unserved-caller sweep reads the channel list without decoding it when every channel
playing is served here (``playing_uuids``), and decodes it as before otherwise."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from callcenter.engine.restart.readopt import LeftCaller, find_left_callers, playing_uuids
from callcenter.switch import commands

TRACES = Path(__file__).resolve().parent.parent / "fixtures" / "freeswitch-traces"


def captured_listing(trace: str) -> str:
    """The first ``show channels as json`` reply body of a captured trace."""
    for line in (TRACES / trace).read_text().splitlines():
        for text in strings(json.loads(line)):
            if '{"row_count"' in text and '"rows"' in text:
                return text[text.index('{"row_count"') :].strip()
    raise AssertionError(f"no listing in {trace}")


def strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [s for item in value for s in strings(item)] if isinstance(value, list) else []


def listing(*rows: dict[str, str]) -> str:
    """A listing as FreeSWITCH writes it: compact, the uuid first in each row."""
    return json.dumps({"row_count": len(rows), "rows": list(rows)}, separators=(",", ":"))


def row(uuid: str, application: str, **more: str) -> dict[str, str]:
    return {"uuid": uuid, "name": f"sofia/internal/{uuid}", "dest": "5000",
            "application": application, "context": "public", **more}  # fmt: skip


class Switch:
    """FreeSWITCH's replies: the listing, and channel variables by uuid."""

    def __init__(self, body: str, variables: dict[str, dict[str, str]]) -> None:
        self.body = body
        self.variables = variables
        self.asked: list[str] = []

    def api(self, command: str, check: bool = True) -> str:
        self.asked.append(command)
        if command == commands.show_channels():
            return self.body
        _verb, uuid, name = command.split()
        return self.variables.get(uuid, {}).get(name, "_undef_")


def test_the_playing_channels_of_a_captured_listing_are_found_without_decoding() -> None:
    body = captured_listing("S03-inbound.jsonl")
    rows = commands.parse_show_json(body)
    assert playing_uuids(body) == {r["uuid"] for r in rows if r["application"] == "playback"}
    assert playing_uuids(body)


def test_a_row_not_laid_out_as_expected_means_decoding_the_list() -> None:
    odd = listing(row("a", "park"), {"name": "x}", "uuid": "b", "application": "playback"})
    assert playing_uuids(odd) is None
    assert playing_uuids(listing(row("a", "park"))) == set()


def test_the_sweep_reads_nothing_more_when_every_caller_playing_is_served() -> None:
    switch = Switch(listing(row("a", "playback"), row("b", "bridge"), row("c", "playback")), {})
    assert find_left_callers(switch, "n1/p1", skip={"a", "c"}, playing_only=True) == []
    assert switch.asked == [commands.show_channels()]


def test_a_caller_in_the_fallback_is_still_found() -> None:
    unserved: dict[str, Any] = {"cc_unserved": "true"}
    switch = Switch(listing(row("a", "playback"), row("d", "playback")), {"d": unserved})
    found = find_left_callers(switch, "n1/p1", skip={"a"}, playing_only=True)
    assert found == [LeftCaller("d", "5000", "public", "")]
