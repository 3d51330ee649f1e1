"""Where a call's recording goes and how it starts: one stereo WAV per call, from the answer.

Every kind of call uses this (queue calls, queued callbacks, click-to-call), so they all end
up at ``<recording.path>/YYYY/MM/DD/<call-uuid>.wav`` with the customer on the left and the
agent on the right (``RECORD_STEREO`` on the customer's leg).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Protocol

from callcenter.switch import commands


class SwitchApi(Protocol):
    """The api calls needed to start a recording."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


def recording_path(recordings: Path, call_uuid: str, now: datetime) -> Path:
    """The WAV of a call that is answered at ``now``."""
    return recordings / f"{now:%Y/%m/%d}" / f"{call_uuid}.wav"


def start_stereo_recording(switch: SwitchApi, call_uuid: str, path: Path) -> str:
    """Record the customer's leg in stereo (customer left, agent right) into ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    switch.api(commands.uuid_setvar(call_uuid, "RECORD_STEREO", "true"))
    switch.api(commands.uuid_record(call_uuid, "start", str(path)))
    return str(path)
