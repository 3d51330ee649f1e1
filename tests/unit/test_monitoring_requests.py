"""Monitoring requests as the engine reads them, and the eavesdrop variables / keys per mode."""

from __future__ import annotations

import pytest

from callcenter.engine.monitoring.modes import mode_key, start_variables
from callcenter.engine.monitoring.requests import BadRequest, parse_request
from callcenter.switch import commands

START = {
    "action": "start", "leg_uuid": "leg-1", "call_uuid": "call-1", "mode": "whisper",
    "extension": "1002", "username": "sup", "caller_number": "13800138000",
}  # fmt: skip


def test_a_start_request_is_read_with_every_field() -> None:
    request = parse_request(START)
    assert (request.action, request.leg_uuid, request.call_uuid) == ("start", "leg-1", "call-1")
    assert (request.mode, request.extension, request.username) == ("whisper", "1002", "sup")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"action": "shout"}, "unknown monitoring action"),
        ({"mode": "shout"}, "unknown monitoring mode"),
        ({"leg_uuid": ""}, "names the call and the supervisor's leg"),
        ({"call_uuid": None}, "names the call and the supervisor's leg"),
        ({"extension": ""}, "no extension"),
    ],
)
def test_bad_requests_are_refused(change: dict, reason: str) -> None:
    with pytest.raises(BadRequest, match=reason):
        parse_request(START | change)


def test_leave_needs_no_mode_and_a_non_object_is_refused() -> None:
    leave = parse_request({"action": "leave", "leg_uuid": "leg-1", "call_uuid": "call-1"})
    assert leave.action == "leave"
    with pytest.raises(BadRequest):
        parse_request(["start"])


def test_modes_as_eavesdrop_sees_them() -> None:
    # S11's whisper: whisper_aleg=false, whisper_bleg=true, keys on
    assert start_variables("whisper") == {
        "eavesdrop_enable_dtmf": "true",
        "eavesdrop_whisper_aleg": "false",
        "eavesdrop_whisper_bleg": "true",
    }
    assert start_variables("listen")["eavesdrop_whisper_bleg"] == "false"
    assert start_variables("barge")["eavesdrop_whisper_aleg"] == "true"
    assert [mode_key(m) for m in ("listen", "whisper", "barge")] == ["0", "2", "3"]


def test_uuid_recv_dtmf_command() -> None:
    assert commands.uuid_recv_dtmf("leg-1", "3") == "uuid_recv_dtmf leg-1 3"
    with pytest.raises(ValueError, match="DTMF digits"):
        commands.uuid_recv_dtmf("leg-1", "3 x")
