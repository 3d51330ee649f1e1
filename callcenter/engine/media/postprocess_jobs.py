"""Post-processing after the call: a queue of jobs, each run in a child process.

When a recorded call's record is in the database, :meth:`PostProcessQueue.submit` queues
its uuid; one greenlet runs ``python -m callcenter.recording.job`` per call (pydub, ffmpeg
and SHA-256 stay off the engine's hub; gevent waits for the child cooperatively). A WAV
that is not there yet is retried a few times; whatever still fails stays pending for the
batch command ``callcenter recordings process``.
"""

from __future__ import annotations

import json
import sys

import gevent
from gevent import subprocess
from gevent.queue import Queue

from callcenter.config import Settings
from callcenter.engine.records.recorder import CallRecord
from callcenter.logs import get_logger

log = get_logger(__name__)

JOB_TIMEOUT = 600.0


class PostProcessQueue:
    """Recorded calls waiting for post-processing, worked off by ``workers`` greenlets."""

    def __init__(
        self, settings: Settings, *, workers: int = 1, retries: int = 3, retry_delay: float = 2.0
    ) -> None:
        self.settings = settings
        self.workers = workers
        self.retries = retries
        self.retry_delay = retry_delay
        self._queue: Queue[tuple[str, int]] = Queue()

    def submit(self, record: CallRecord) -> None:
        """After-write hook: queue the call if it was recorded."""
        if record.recording_path:
            self._queue.put((record.call_uuid, 0))

    def start(self) -> list[gevent.Greenlet]:
        """Start the worker greenlets."""
        return [gevent.spawn(self._work) for _ in range(self.workers)]

    def pending(self) -> int:
        """Jobs waiting in the queue."""
        return self._queue.qsize()

    def _work(self) -> None:
        while True:
            call_uuid, attempt = self._queue.get()
            try:
                retry = self.run_job(call_uuid)
            except Exception:
                log.exception("recording post-processing failed", call_uuid=call_uuid)
                retry = True
            if retry and attempt + 1 < self.retries:
                gevent.spawn_later(
                    self.retry_delay * (attempt + 1), self._queue.put, (call_uuid, attempt + 1)
                )
            elif retry:
                log.warning(
                    "recording left for `callcenter recordings process`", call_uuid=call_uuid
                )

    def run_job(self, call_uuid: str) -> bool:
        """Run one job in a child process; True if it should be retried."""
        spec = {
            "database_url": self.settings.database.url,
            "recording": self.settings.recording.model_dump(mode="json"),
            "call_uuid": call_uuid,
        }
        process = subprocess.Popen(
            [sys.executable, "-m", "callcenter.recording.job"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            out, err = process.communicate(json.dumps(spec), timeout=JOB_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            log.warning("recording post-processing timed out", call_uuid=call_uuid)
            return True
        lines = out.strip().splitlines()
        try:
            summary = json.loads(lines[-1]) if lines else None
        except ValueError:
            summary = None
        if summary is None:
            log.warning(
                "recording post-processing crashed",
                call_uuid=call_uuid,
                status=process.returncode,
                stderr=err.strip()[-500:],
            )
            return True
        for done in summary["processed"]:
            log.info(
                "recording processed",
                call_uuid=call_uuid,
                recording_id=done["recording_id"],
                format=done["format"],
                seconds=done["duration_seconds"],
                size=done["size_bytes"],
            )
        for failure in summary["failed"]:
            log.warning("recording not processed", call_uuid=call_uuid, error=failure)
        return bool(summary["failed"])
