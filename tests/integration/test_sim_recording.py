"""Recordings are real stereo 8 kHz 16-bit WAV files with signal on both channels."""

from __future__ import annotations

import array
import math
import wave

from callcenter.sim import Switch, audio


def rms(samples: array.array) -> float:
    return math.sqrt(sum(s * s for s in samples) / max(len(samples), 1))


def test_record_session_writes_stereo_wav_with_both_sides(tmp_path):
    path = str(tmp_path / "rec" / "call.wav")
    plan = {"6000": [("answer", ""), ("record_session", path),
                     ("playback", "tone_stream://%(1000,0,440);loops=2")]}  # fmt: skip
    with Switch(dialplan=plan, time_scale=0.05) as fs:
        call = fs.place_call("13800138000", "6000", [audio()])
        assert call.ended.wait(10) or fs.wait_idle(10)
        fs.wait_idle(10)
        assert call.channel is not None
        names = [e.name for e in call.events]
    assert "RECORD_START" in names and "RECORD_STOP" in names
    with wave.open(path) as w:
        assert (w.getnchannels(), w.getframerate(), w.getsampwidth()) == (2, 8000, 2)
        frames = w.readframes(w.getnframes())
        seconds = w.getnframes() / 8000
    assert 1.5 < seconds < 3.0  # the 2 s playback, in simulated time
    pcm = array.array("h", frames)
    left, right = pcm[0::2], pcm[1::2]
    assert rms(left) > 500 and rms(right) > 500


def test_masked_stretch_of_a_recording_is_silent(tmp_path) -> None:
    """uuid_record mask/unmask: the recording keeps time but writes silence in between."""
    import wave as wave_module

    import gevent

    from callcenter.sim import Switch
    from callcenter.switch.inbound import InboundConnection

    path = tmp_path / "masked.wav"
    with Switch(password="pw-mask", dialplan={"6000": [("answer", ""), ("park", "")]}) as fs:
        call = fs.place_call("13800138000", "6000")
        assert call.answered.wait(5)
        esl = InboundConnection("127.0.0.1", fs.port, "pw-mask").connect()
        uuid = call.uuid
        assert esl.api(f"uuid_record {uuid} start {path}").startswith("+OK")
        gevent.sleep(0.5)
        assert esl.api(f"uuid_record {uuid} mask {path}").startswith("+OK")
        gevent.sleep(0.5)
        assert esl.api(f"uuid_record {uuid} unmask {path}").startswith("+OK")
        gevent.sleep(0.5)
        assert esl.api(f"uuid_record {uuid} stop {path}").startswith("+OK")
        failed = esl.api(f"uuid_record {uuid} mask /nope.wav", check=False)
        assert failed == "-ERR Cannot Mask Recording\n"
        esl.close()
    with wave_module.open(str(path)) as wav:
        rate, frames = wav.getframerate(), wav.readframes(wav.getnframes())
    samples = [frames[i : i + 4] for i in range(0, len(frames), 4)]
    middle = samples[int(0.65 * rate) : int(0.85 * rate)]
    start = samples[int(0.1 * rate) : int(0.3 * rate)]
    assert middle and all(s == b"\0\0\0\0" for s in middle)
    assert any(s != b"\0\0\0\0" for s in start)
