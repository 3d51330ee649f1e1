"""The captured scenarios' SIP endpoints, dialplans and replay speeds (for conformance.py).

Each entry is what the capture's SIPp scripts did (``tests/fixtures/freeswitch-traces``:
index.json's steps and sipp/*.xml): callers with their answer/hangup times, softphones that
registered, answered or refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from callcenter.sim.endpoints import audio, press, wait
from callcenter.sim.switch import Switch

Action = Callable[[Switch], Any]


def _caller(script: list, hangup_after: float, dialled: str = "5000", **kw: Any) -> Action:
    return lambda sw: sw.place_call("13800138000", dialled, script, hangup_after=hangup_after,
                                    **kw)  # fmt: skip


def _phone(user: str, **kw: Any) -> Action:
    kw.setdefault("register", "quiet")
    return lambda sw: sw.add_softphone(user, **kw)


def _register(user: str, expires: int = 3600) -> Action:
    def act(sw: Switch) -> None:
        phone = sw.softphones.get(user) or sw.add_softphone(user, register=False)
        phone.register(expires)

    return act


# Per scenario: (simulated time, action) pairs - the SIPp endpoints of the capture.
SCENARIOS: dict[str, list[tuple[float, Action]]] = {
    "S00": [(0.12, _register("1000")), (0.745, _register("1001")),
            (1.35, _register("1002")), (1.97, _register("1003"))],
    "S01": [],
    "S02": [(0.11, _caller([wait(4.5), press("1")], 3.0))],
    "S03": [(0.0, _phone("1000", answer_after=2.0, hangup_after=5.0, audio=True)),
            (0.11, _caller([audio()], 13.0))],
    "S04": [(0.0, _phone("1001", mode="noanswer")),
            (0.0, _phone("1002", mode="busy", answer_after=1.0)),
            (0.0, _phone("1003", mode="decline", answer_after=1.0))],
    "S05a": [(0.0, _phone("1000", answer_after=2.0, hangup_after=6.0)),
             (0.11, _caller([audio()], 14.0))],
    "S05b": [(0.0, _phone("1000", answer_after=2.0, hangup_after=16.0)),
             (0.0, _phone("1001", answer_after=2.0, hangup_after=5.0)),
             (0.0, _phone("1002", answer_after=1.0, hangup_after=4.0)),
             (0.11, _caller([audio()], 28.0))],
    "S05c": [(0.0, _phone("1000", answer_after=2.0, hangup_after=11.0)),
             (0.0, _phone("1001", answer_after=2.0, hangup_after=5.5)),
             (0.11, _caller([audio()], 17.0))],
    "S06": [(0.13, _caller([audio()], 3.0))],
    "S06b": [(0.11, _caller([audio()], 2.5))],
    "S07": [(0.0, _phone("1000", answer_after=2.0, hangup_after=30.0)),
            (0.0, _phone("13900139000", answer_after=1.0, hangup_after=4.0, audio=True,
                         port=5090, rtp_port=6200, register=False))],
    "S08": [(0.0, _phone("1000")), (0.0, _phone("1001")), (0.0, _phone("1002")),
            (0.0, _phone("1003")),
            (0.12, _register("1000", 0)), (0.54, _register("1001", 0)),
            (0.95, _register("1002", 0)), (1.37, _register("1003", 0))],
    "S09a": [(0.11, _caller([], 12.0))],
    "S09b": [(0.11, _caller([], 30.0))],
    "S09c": [(0.11, _caller([], 5.0, "5001", cancel_after=10.0))],
    "S09d": [(0.11, _caller([], 12.0))],
    "S10": [(0.11, _caller([audio()], 30.0))],
    "S11": [(0.0, _phone("1000", answer_after=1.0, hangup_after=40.0, audio=True)),
            (0.0, _phone("1002", answer_after=1.0, hangup_after=40.0)),
            (0.13, _caller([audio()], 40.0))],
}  # fmt: skip


def _hotline(target: str) -> list[tuple[str, str]]:
    return [("set", "hangup_after_bridge=false"), ("set", "park_after_bridge=true"),
            ("socket", f"{target} async full"), ("playback", "local_stream://moh")]  # fmt: skip


# The dialplan of the capture: S00-S08 had the stock hotline (5000: socket only); S09a-S11 a
# temporary extension shaped like the project's hotline, and 5001 whose socket target
# (127.0.0.1:8099) nothing listened on (see the traces' README).
LATER = {"5000": _hotline("127.0.0.1:8084"), "5001": _hotline("127.0.0.1:8099")}
DIALPLANS = dict.fromkeys(("S09a", "S09b", "S09c", "S09d", "S10", "S11"), LATER)


# Slowest replay speed per scenario: S03 has a real 1 ms race (RECORD_START of uuid_record
# before the PLAYBACK_STOP of the uuid_break sent 1 ms earlier, noticed at the next media
# frame) that the replay client's own latency cannot keep at 5x speed. S05a/b/c: uuid_bridge
# 1 ms after uuid_break, before the playback noticed the break at its next frame (so it ends
# "done"/PLAYBACK ERROR by the transfer, not "break").
# S11: the client kills the agent 3 ms after the caller, before the caller's bridge thread
# noticed its own hangup (18 ms in the trace, a frame in the simulator).
MIN_SCALE = {"S03": 0.5, "S05a": 0.5, "S05b": 0.5, "S05c": 0.5, "S11": 0.5}
