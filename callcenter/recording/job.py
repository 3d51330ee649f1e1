"""One post-processing job in its own process: ``python -m callcenter.recording.job``.

The engine starts this after a recorded call's record is in the database, so the CPU-heavy
part (pydub, ffmpeg, SHA-256) never runs on the engine's hub. Input on stdin, one JSON
object: ``database_url``, ``recording`` (the recording settings) and ``call_uuid``. The
last line on stdout is a JSON object: ``processed`` (one entry per converted file) and
``failed`` (messages). Exit status 0 if nothing failed, 3 if a file was missing or refused.
"""

from __future__ import annotations

import json
import sys
from typing import Any

__all__ = ["main", "run_job"]


def run_job(spec: dict[str, Any]) -> dict[str, Any]:
    """Post-process the pending recordings of ``spec["call_uuid"]``; returns the summary."""
    import callcenter.store.models  # noqa: F401 - registers every table
    from callcenter.config import RecordingSettings
    from callcenter.recording.files import RecordingFileError
    from callcenter.recording.postprocess import process_pending
    from callcenter.store.session import make_engine, session_factory

    settings = RecordingSettings.model_validate(spec["recording"])
    engine = make_engine(spec["database_url"])
    failed: list[str] = []

    def report(outcome: object) -> None:
        if isinstance(outcome, RecordingFileError):
            failed.append(str(outcome))

    try:
        results = process_pending(
            session_factory(engine), settings, call_uuid=spec["call_uuid"], on_done=report
        )
    finally:
        engine.dispose()
    return {
        "call_uuid": spec["call_uuid"],
        "processed": [
            {
                "recording_id": r.recording_id,
                "path": r.path,
                "format": r.format,
                "duration_seconds": r.duration_seconds,
                "size_bytes": r.size_bytes,
                "sha256": r.sha256,
            }
            for r in results
        ],
        "failed": failed,
    }


def main() -> int:
    """Read the job from stdin, run it, print the summary as the last line."""
    from callcenter.logs import configure_logging

    configure_logging("warning", "json")  # logs to stderr; stdout carries the summary
    summary = run_job(json.load(sys.stdin))
    print(json.dumps(summary), flush=True)
    return 3 if summary["failed"] else 0


if __name__ == "__main__":  # pragma: no cover - run by the engine
    sys.exit(main())
