"""``uuid_send_dtmf`` and ``uuid_recv_dtmf`` (mod_commands), as captured in S10 and S11.

``uuid_send_dtmf`` sends the digits out to the channel's SIP endpoint: no DTMF event (S10,
S11); ``last_dtmf_duration`` is the digits' ms plus a 250 ms pause each (S10: ``12#`` ->
1500). ``uuid_recv_dtmf`` queues them on the channel as if its endpoint had sent them
(``switch_channel_queue_dtmf_string``: 2000 ms each, source APP); the DTMF event fires when
an application reads a digit (S11: eavesdrop, 21 ms later).
"""

from __future__ import annotations

from typing import Any

from callcenter.sim.api import Api, api
from callcenter.sim.numbers import ascii_int

NO_SESSION = "-ERR Cannot locate session!\n"
USAGE = "-USAGE: <uuid> <dtmf_data>\n"
APP_DURATION = 2000  # switch_channel_queue_dtmf_string's default, DTMF-Duration in S11
DTMF_KEYS = "0123456789*#ABCDabcdwW"
DEFAULT_MS, MIN_MS, PAUSE_MS = 250, 50, 250  # core defaults; 250 ms pause after each digit


def _target(a: Api, arg: str) -> tuple[Any, str, str] | str:
    """``<uuid> <digits>``: the channel, its uuid and the digits, or the error reply."""
    words = arg.split(" ")  # switch_separate_string(' ', argv[2]): the rest is the digits
    if len(words) < 2 or not words[0] or not words[1]:
        return USAGE
    ch = a.channel(words[0])
    if ch is None:
        return NO_SESSION
    return ch, words[0], words[1]


@api("uuid_send_dtmf")
def _uuid_send_dtmf(a: Api, arg: str, conn: Any) -> str:
    target = _target(a, arg)
    if isinstance(target, str):
        return target
    ch, uuid, dtmf = target
    digits = []
    total_ms = 0
    for group in dtmf.split("+"):  # switch_core_session_send_dtmf_string
        keys, _, ms = group.partition("@")
        length = ascii_int(ms) or 0
        length = length if length > MIN_MS else DEFAULT_MS
        for key in (k for k in keys if k in DTMF_KEYS):
            digits.append(key)
            total_ms += length + PAUSE_MS
    if not digits:
        return "-ERR Operation failed\n"
    ch.set_var("last_dtmf_duration", str(total_ms))  # S10: "12#" -> 1500
    received = getattr(ch.endpoint, "received_dtmf", None)
    if received is not None:
        received.extend(d for d in digits if d not in "wW")
    return f"+OK {uuid} sent DTMF {dtmf}.\n"


@api("uuid_recv_dtmf")
def _uuid_recv_dtmf(a: Api, arg: str, conn: Any) -> str:
    target = _target(a, arg)
    if isinstance(target, str):
        return target
    ch, uuid, dtmf = target
    for digit in dtmf.split("@", 1)[0]:
        if digit in "wW":
            continue
        ch.dtmf.append((digit, APP_DURATION, "APP"))
    ch.poke()
    return f"+OK {uuid} received DTMF {dtmf}.\n"
