"""Every IVR node type on live calls: the real engine process, the simulator, Redis, SQLite.

Flows are tests/fixtures/ivr_nodes/*.yaml, one hotline number each. Scripted callers press
keys, stay silent or hang up; the tests read what a user can see: the call record's
``ivr_path``/disposition in SQLite, the applications the switch ran on the caller's channel
(what the caller heard), and the calls the switch placed for a transfer. One engine serves
the whole module (each call has its own caller number and is found by its uuid).

Already covered elsewhere and not repeated here: the main menu's right/wrong digits, menu
timeouts to a default, customer lookup, queue, blacklist and flood limit, voicemail file and
event, survey score (test_engine_ivr.py); speech recognised / not recognised / silent
(test_ivr_speech.py).
"""

from __future__ import annotations

import json
import threading
import time
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import redis
from sqlalchemy import select

from callcenter.sim import Caller, hangup, press, wait, wait_for
from callcenter.store import models
from callcenter.store.migrate import upgrade
from callcenter.store.session import session_scope
from tests.support.calls import eventually
from tests.support.center import Center
from tests.support.engine_process import free_port
from tests.support.flows import NODE_FLOWS, node_flows, write_flow

NUMBERS = {
    "7101": "media",
    "7102": "menu",
    "7103": "order",
    "7104": "hook",
    "7105": "hook_down",
    "7106": "hours",
    "7107": "xfer",
    "7108": "rate",
    "7109": "lang",
}
VOICES = {"zh": ["tts_commandline", "zh-CN-female"], "en": ["flite", "slt"]}
EXTERNAL = "13900139000"


class _Webhook(BaseHTTPRequestHandler):
    """A CRM: ``...404`` callers are unknown, ``...555`` callers get a slow answer."""

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        number = parse_qs(urlparse(self.path).query).get("number", [""])[0]
        if number.endswith("404"):
            self.send_error(404)
            return
        if number.endswith("555"):
            time.sleep(4)  # the flow's timeout is 1 s
        body = json.dumps({"data": {"tier": "platinum", "number": number}}).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the engine gave up waiting

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def center(tmp_path_factory: pytest.TempPathFactory, redis_server: str) -> Iterator[Center]:
    tmp = tmp_path_factory.mktemp("ivr_nodes")
    db_url = f"sqlite:///{tmp / 'callcenter.db'}"
    upgrade(db_url)
    prompts = tmp / "prompts"
    prompts.mkdir()
    with wave.open(str(prompts / "hello.wav"), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(8000)
        wav.writeframes(b"\0\0" * 4000)
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Webhook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    flows = node_flows(
        tmp / "flows",
        HOOK_PORT=str(hook.server_address[1]),
        CLOSED_PORT=str(free_port()),
        TZ="UTC",
        HOURS="00:00-24:00",
        HOLIDAYS="[]",
    )
    prefix = f"nodes{int(time.time() * 1000)}"
    env = {
        "IVR__PROMPTS": str(prompts),
        "IVR__RELOAD_INTERVAL": "0",
        "IVR__FLOOD_MAX_CALLS": "0",
        "IVR__TTS_VOICES": json.dumps(VOICES),
    }
    try:
        with Center(
            tmp,
            db_url,
            f"{redis_server}/0",
            prefix,
            agents=[],
            flows=flows,
            numbers=NUMBERS,
            default_flow="media",
            env=env,
            hotlines=NUMBERS,
            start=False,
        ) as built:
            switch = built.switch
            switch.add_softphone("1000", answer_after=0.5, hangup_after=2.0)
            switch.add_softphone(
                EXTERNAL, port=5090, register=False, answer_after=0.5, hangup_after=2.0
            )
            switch.dialplan["1000"] = [("bridge", "user/1000")]
            switch.dialplan[EXTERNAL] = [("bridge", f"sofia/internal/{EXTERNAL}@127.0.0.1:5090")]
            built.start_engine()
            yield built
    finally:
        hook.shutdown()
        client = redis.Redis.from_url(f"{redis_server}/0")
        for key in client.scan_iter(f"{prefix}*"):
            client.delete(key)
        client.close()


# -- helpers ----------------------------------------------------------------------------------


def call(center: Center, caller: str, number: str, script: list, **kw: object) -> Caller:
    """Place a call and wait until it is over."""
    placed = center.switch.place_call(caller, number, script, **kw)
    eventually(lambda: placed.ended.is_set(), timeout=60, what=f"call from {caller} ended")
    return placed


def record(center: Center, caller: Caller) -> models.Call:
    """The call's record in SQLite (waits for the engine to write it)."""

    def find() -> models.Call | None:
        with session_scope(center.db_url) as session:
            return session.scalars(
                select(models.Call).where(models.Call.uuid == caller.uuid)
            ).first()

    return eventually(find, timeout=30, what=f"call record of {caller.number}")  # type: ignore[return-value]


def ivr_ended(center: Center, row: models.Call) -> dict:
    """The data of the call's ``ivr_ended`` event."""
    with session_scope(center.db_url) as session:
        (event,) = session.scalars(
            select(models.CallEvent).where(
                models.CallEvent.call_id == row.id, models.CallEvent.type == "ivr_ended"
            )
        ).all()
        return dict(event.data or {})


def path(row: models.Call) -> list[tuple[str, str]]:
    return [(step["node"], step["value"]) for step in row.ivr_path]


def apps(caller: Caller) -> list[tuple[str, str]]:
    """The applications the switch ran on the caller's channel, with their arguments."""
    return [
        (e.get("Application") or "", e.get("Application-Data") or "")
        for e in caller.events
        if e.name == "CHANNEL_EXECUTE"
    ]


def spoken(caller: Caller) -> list[str]:
    """The text of every TTS prompt the caller heard."""
    return [data.split("|", 2)[2] for app, data in apps(caller) if app == "speak"]


def pgd() -> tuple:
    """Script step: wait until the switch waits for keys (play_and_get_digits)."""
    return wait_for("CHANNEL_EXECUTE", Application="play_and_get_digits")


# -- play / hangup ----------------------------------------------------------------------------


def test_play_a_file_a_tone_and_tts_then_hang_up(center: Center) -> None:
    caller = call(center, "13700000001", "7101", [])
    row = record(center, caller)
    assert path(row) == [
        ("file", "played"), ("tone", "played"), ("tts", "played"), ("bye", "NORMAL_CLEARING")
    ]  # fmt: skip
    assert row.disposition == "ivr_completed" and row.hangup_by == "system"
    heard = [(app, data) for app, data in apps(caller) if app in ("playback", "speak")]
    assert heard[0] == ("playback", str(center.tmp / "prompts" / "hello.wav"))
    assert heard[1] == ("playback", "tone_stream://%(300,0,440)")
    assert heard[2][0] == "speak" and heard[2][1].startswith("flite|kal|This is a long")
    assert heard[3] == ("speak", "flite|kal|Goodbye.")


def test_caller_hanging_up_mid_prompt_ends_the_flow(center: Center) -> None:
    script = [wait_for("CHANNEL_EXECUTE", Application="speak"), wait(0.5), hangup()]
    caller = call(center, "13700000002", "7101", script)
    row = record(center, caller)
    assert path(row) == [("file", "played"), ("tone", "played")]  # tts never finished
    assert row.hangup_by == "caller" and row.disposition == "ivr_completed"
    assert ivr_ended(center, row)["outcome"] == "gone"
    assert "Goodbye." not in spoken(caller)


# -- menu -------------------------------------------------------------------------------------


def test_menu_silence_then_the_right_key(center: Center) -> None:
    caller = call(center, "13700000003", "7102", [pgd(), wait_for("CHANNEL_EXECUTE",
                  Application="play_and_get_digits"), press("1")])  # fmt: skip
    row = record(center, caller)
    assert path(row) == [("choose", "timeout"), ("choose", "1"), ("chosen", "NORMAL_CLEARING")]
    assert spoken(caller) == [
        "Press 1 for yes.", "I did not hear a key.", "Press 1 for yes.", "You chose yes."
    ]  # fmt: skip


def test_menu_wrong_keys_until_the_tries_run_out_hangs_up(center: Center) -> None:
    caller = call(center, "13700000004", "7102", [pgd(), press("7"), pgd(), press("8")])
    row = record(center, caller)
    assert path(row) == [("choose", "invalid:7"), ("choose", "invalid:8"), ("choose", "hangup")]
    assert row.disposition == "ivr_completed" and row.hangup_by == "system"
    assert ivr_ended(center, row) | {"destination": ""} == {
        "flow": "menu", "outcome": "hangup", "node": "choose", "reason": "no_input",
        "destination": "", "exit_flow": "menu", "exit_version": 0, "exit_node": "choose",
    }  # fmt: skip
    assert spoken(caller).count("That key is not on the menu.") == 1  # not after the last try


# -- collect, condition, set, goto into a sub-flow --------------------------------------------


def test_collect_checks_the_regex_then_set_and_goto_a_sub_flow(center: Center) -> None:
    caller = call(center, "13700000005", "7103", [pgd(), press("0123#"), pgd(), press("4321#")])
    row = record(center, caller)
    assert path(row) == [
        ("ask", "invalid:0123"),
        ("ask", "4321"),
        ("big", "else"),
        ("standard", "set"),
        ("to_sub", "sub:"),
        ("sub:announce", "played"),
        ("sub:done", "NORMAL_CLEARING"),
    ]
    assert "That is not an order number." in spoken(caller)
    assert spoken(caller)[-1] == "Your order 4321 is standard."
    digits = [data for app, data in apps(caller) if app == "play_and_get_digits"]
    assert all(data.split()[4] == "#" for data in digits)  # the terminator reached the switch


def test_collect_input_ended_by_max_digits_takes_the_then_branch(center: Center) -> None:
    # 8 digits (max_digits) end the input without '#'; the regex wants 4 -> invalid; then 7000#
    caller = call(center, "13700000006", "7103", [pgd(), press("12345678"), pgd(), press("7000#")])
    row = record(center, caller)
    assert path(row)[:4] == [
        ("ask", "invalid:12345678"), ("ask", "7000"), ("big", "then"), ("gold", "set")
    ]  # fmt: skip
    assert spoken(caller)[-1] == "Your order 7000 is gold."


def test_collect_too_few_digits_then_silence_uses_the_default(center: Center) -> None:
    caller = call(center, "13700000010", "7103", [pgd(), press("12#")], hangup_after=60)
    row = record(center, caller)
    assert path(row) == [
        ("ask", "invalid:12"), ("ask", "timeout"), ("ask", "default"), ("no_order", "CALL_REJECTED")
    ]  # fmt: skip
    assert "That is not an order number." in spoken(caller)


def test_collect_silence_uses_the_default(center: Center) -> None:
    caller = call(center, "13700000007", "7103", [], hangup_after=60)
    row = record(center, caller)
    assert path(row) == [
        ("ask", "timeout"), ("ask", "timeout"), ("ask", "default"), ("no_order", "CALL_REJECTED")
    ]  # fmt: skip
    assert row.hangup_cause == "CALL_REJECTED" and row.hangup_by == "system"


# -- lookup: webhook found / not found / slow / down -------------------------------------------


@pytest.mark.parametrize(
    ("caller_number", "number", "step", "heard"),
    [
        ("13700000008", "7104", "found", "Your tier is platinum."),
        ("13700000404", "7104", "not_found", "We do not know your number."),
        ("13700000555", "7104", "fallback", "Our records are not available right now."),
        ("13700000009", "7105", "fallback", "Our records are not available right now."),
    ],
    ids=["found", "404", "slow", "closed-port"],
)
def test_webhook_lookup_branches(
    center: Center, caller_number: str, number: str, step: str, heard: str
) -> None:
    caller = call(center, caller_number, number, [])
    row = record(center, caller)
    assert path(row)[0] == ("crm", step)
    assert heard in spoken(caller)
    assert row.disposition == "ivr_completed"


# -- schedule ---------------------------------------------------------------------------------


def _midday_zone(now: datetime) -> str:
    """An Etc/GMT zone where ``now`` is between 11:00 and 13:00 (no midnight nearby)."""
    offset = 12 - now.hour  # hours east of UTC
    offset = offset - 24 if offset > 14 else offset + 24 if offset < -12 else offset
    return "UTC" if offset == 0 else f"Etc/GMT{-offset:+d}"  # Etc/GMT-8 is UTC+8


def _hours_flow(center: Center, *, hours: str, holidays: str, zone: str) -> None:
    text = (NODE_FLOWS / "hours.yaml").read_text(encoding="utf-8")
    write_flow(center.flows / "hours.yaml", text, TZ=zone, HOURS=hours, HOLIDAYS=holidays)


def _local(zone: str) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime.now(UTC).astimezone(ZoneInfo(zone))


@pytest.mark.parametrize("case", ["before_closing", "after_closing", "holiday"])
def test_schedule_edges(center: Center, case: str) -> None:
    """Hours written relative to now in a zone where it is about noon (the engine runs with
    the real clock): closing in 1-2 minutes, closed 0-59 s ago, or today a holiday."""
    zone = _midday_zone(datetime.now(UTC))
    now = _local(zone).replace(second=0, microsecond=0)
    if case == "before_closing":
        _hours_flow(center, hours=f"09:00-{now + timedelta(minutes=2):%H:%M}", holidays="[]",
                    zone=zone)  # fmt: skip
        expected, heard = "open", "We are open."
    elif case == "after_closing":
        _hours_flow(center, hours=f"09:00-{now:%H:%M}", holidays="[]", zone=zone)
        expected, heard = "closed", "We are closed."
    else:
        _hours_flow(center, hours="00:00-24:00", holidays=f'["{now:%Y-%m-%d}"]', zone=zone)
        expected, heard = "holiday", "Happy holidays."
    caller = call(center, f"1370000010{len(case)}", "7106", [])
    row = record(center, caller)
    assert path(row) == [("check", expected), (f"is_{expected}", "NORMAL_CLEARING")]
    assert spoken(caller) == [heard]


# -- transfer ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "destination", "phone"), [("1", "1000", "1000"), ("2", EXTERNAL, EXTERNAL)]
)
def test_transfer_to_an_extension_and_to_an_external_number(
    center: Center, key: str, destination: str, phone: str
) -> None:
    softphone = center.switch.softphones[phone]
    before = len(softphone.calls)
    caller = call(center, f"137000002{key}0", "7107", [pgd(), press(key)], hangup_after=30)
    row = record(center, caller)
    assert path(row)[-1] == ("reception" if key == "1" else "partner", destination)
    assert ivr_ended(center, row)["outcome"] == "transfer"
    assert ivr_ended(center, row)["destination"] == destination
    assert row.disposition == "ivr_completed"
    # the switch routed the caller's channel to the destination and bridged it to that phone
    assert ("bridge", dict(center.switch.dialplan[destination])["bridge"]) in apps(caller)
    assert any(e.name == "CHANNEL_BRIDGE" for e in caller.events)
    assert len(softphone.calls) == before + 1
    if key == "1":
        assert "Transferring you to reception." in spoken(caller)


# -- survey -----------------------------------------------------------------------------------


def test_survey_after_a_wrong_key_stores_the_rating(center: Center) -> None:
    caller = call(center, "13700000301", "7108", [pgd(), press("7"), pgd(), press("5")])
    row = record(center, caller)
    assert path(row) == [("ask", "invalid:7"), ("ask", "5")]
    assert row.survey_score == 5 and row.disposition == "ivr_completed"
    assert spoken(caller)[-1] == "Thank you."


def test_survey_without_an_answer_stores_no_rating(center: Center) -> None:
    caller = call(center, "13700000302", "7108", [], hangup_after=60)
    row = record(center, caller)
    assert path(row) == [("ask", "timeout"), ("ask", "timeout")]
    assert row.survey_score is None and row.hangup_by == "system"


# -- TTS voice by language --------------------------------------------------------------------


def test_tts_speaks_each_prompt_in_its_language_voice(center: Center) -> None:
    caller = call(center, "13700000401", "7109", [pgd(), press("1")])
    row = record(center, caller)
    assert path(row)[-1] == ("bye", "NORMAL_CLEARING")
    assert [data for app, data in apps(caller) if app == "speak"] == [
        "tts_commandline|zh-CN-female|您好，欢迎致电。",
        "flite|slt|Welcome.",  # the node's en-US -> en
        "tts_commandline|zh-CN-female|请按一。",
        "tts_commandline|zh-CN-female|再见。",
    ]
