"""The engine's :class:`~callcenter.ivr.callio.CallIO`: IVR media on the outbound session.

Prompts: ``say:`` text goes to FreeSWITCH's TTS through the ``speak`` app
(``<engine>|<voice>|<text>``, the engine and voice picked for the prompt's language from
``tts_voices``, else ``tts_engine``/``tts_voice``); tones, silence, local streams and files
go to ``playback`` (file names relative to the prompts folder). Barge-in: the call's
``playback_terminators`` is ``any``, so a key ends a prompt and is reported in
``playback_terminator_used`` (cleared after reading, FreeSWITCH keeps it). Keys are
gathered with ``play_and_get_digits``, one try per call (the runner counts tries and plays
the apologies), into a fresh variable each time. Every wait is bounded; a caller hanging
up raises :class:`~callcenter.ivr.callio.CallerGone`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from callcenter.ivr.callio import CallerGone, Recorded
from callcenter.ivr.voices import TtsVoices
from callcenter.logs import CallLog, get_logger
from callcenter.switch import commands
from callcenter.switch.errors import CommandTimeout, SessionGone, SwitchError
from callcenter.switch.outbound import OutboundSession
from callcenter.switch.protocol import Event

log = get_logger(__name__)

SILENCE = "silence_stream://10"
ANY_KEY = "[0-9*#]*"
RECORD_SILENCE = ("200", "5")  # record app: energy threshold, seconds of silence that end it


class SwitchApi(Protocol):
    """The api calls the IO needs (the inbound connection provides ``api``)."""

    def api(self, command: str, *, timeout: float | None = None, check: bool = True) -> str:
        """Run an api command and return its body."""


class SessionCallIO:
    """CallIO on one outbound session; ``prepare()`` once after answering."""

    def __init__(
        self,
        session: OutboundSession,
        switch: SwitchApi,
        *,
        prompts_dir: Path,
        tts_engine: str = "flite",
        tts_voice: str = "kal",
        tts_voices: Mapping[str, tuple[str, str]] | None = None,
        transfer_context: str = "default",
        input_margin: float = 60.0,
        prompt_timeout: float = 300.0,
    ) -> None:
        self.session = session
        self.switch = switch
        self.prompts_dir = prompts_dir
        self.voices = TtsVoices(tts_engine, tts_voice, dict(tts_voices or {}))
        self.transfer_context = transfer_context
        self.input_margin = input_margin
        self.prompt_timeout = prompt_timeout
        self._inputs = 0
        self.log = CallLog(log, call_uuid=session.uuid)

    # -- CallIO ---------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Let any key end a prompt (barge-in)."""
        with self._gone():
            self.session.execute("set", "playback_terminators=any")

    def play(self, prompt: str, *, language: str | None = None) -> str:
        """Play a prompt; the key that cut it short ('' if none)."""
        app, arg = self.media(prompt, language)
        with self._gone():
            complete = self._execute(app, arg, self.prompt_timeout)
            return self._terminator(complete)

    def collect(
        self,
        prompt: str | None,
        *,
        min_digits: int,
        max_digits: int,
        terminators: str,
        timeout: float,
        language: str | None = None,
    ) -> str:
        """Prompt (barge-in) and gather keys with play_and_get_digits."""
        with self._gone():
            first = ""
            if prompt is not None and prompt.startswith("say:"):
                first = self.play(prompt, language=language)
                prompt = None
                if first and terminators and first in terminators:
                    return ""
                if len(first) >= max_digits:
                    return first[:max_digits]
            if first:
                min_digits, max_digits = max(min_digits - len(first), 0), max_digits - len(first)
            return first + self._digits(
                prompt or SILENCE, min_digits, max_digits, terminators, timeout
            )

    def record(
        self,
        path: str,
        *,
        max_seconds: int,
        silence_seconds: int | None = None,
        silence_threshold: int | None = None,
    ) -> Recorded:
        """Record the caller with the ``record`` app (ends on max time, silence, key, hangup).

        ``record <path> <max> <threshold> <hits>``: FreeSWITCH ends it after ``hits`` seconds
        of frames below ``threshold`` energy (counted from the start and after each sound).
        """
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        threshold = str(silence_threshold) if silence_threshold else RECORD_SILENCE[0]
        hits = str(int(silence_seconds)) if silence_seconds else RECORD_SILENCE[1]
        arg = " ".join((path, str(int(max_seconds)), threshold, hits))
        execution = None
        try:
            execution = self.session.execute_async("record", arg)
            complete = execution.wait(max_seconds + self.input_margin)
        except SessionGone:
            # Hanging up is how most callers end a message: FreeSWITCH keeps the file.
            ms = self._record_ms_after_hangup(execution.event_uuid if execution else "")
            return Recorded(path, ms)
        except CommandTimeout:
            self._break()
            return Recorded(path, max_seconds * 1000)
        ms = _int(complete.variable("record_ms"))
        key = self._terminator(complete)
        return Recorded(path, ms, key)

    def set_variable(self, name: str, value: str) -> None:
        """Set a channel variable (uuid_setvar)."""
        with self._gone():
            self.switch.api(commands.uuid_setvar(self.session.uuid, name, value))

    def hangup(self, cause: str = "NORMAL_CLEARING") -> None:
        """Hang the call up."""
        self.session.hangup(cause)

    def transfer(self, destination: str, kind: str = "extension") -> None:
        """Transfer through the dialplan (``transfer_context``), which routes extensions and
        external numbers alike."""
        with self._gone():
            self.switch.api(
                commands.uuid_transfer(self.session.uuid, destination, "XML", self.transfer_context)
            )

    # -- helpers --------------------------------------------------------------------------------

    def media(self, prompt: str, language: str | None = None) -> tuple[str, str]:
        """The app and argument that play ``prompt`` (``say:`` in ``language``'s voice)."""
        if prompt.startswith("say:"):
            text = " ".join(prompt[4:].split()) or "."
            engine, voice = self.voices.for_language(language)
            return "speak", commands.speak_args(engine, voice, text)
        if "://" in prompt or Path(prompt).is_absolute():
            return "playback", prompt
        return "playback", str((self.prompts_dir / prompt).resolve())

    def _digits(
        self, prompt: str, min_digits: int, max_digits: int, terminators: str, timeout: float
    ) -> str:
        if max_digits <= 0:
            return ""
        self._inputs += 1
        var = f"cc_ivr_input_{self._inputs}"
        # One key is enough for FreeSWITCH: it would drop shorter input than min_digits (the
        # variable stays unset, as if nothing came); the runner checks the minimum and reports
        # short input as invalid. Input still ends on max_digits, a terminator or the timeout.
        arg = commands.play_and_get_digits_arg(
            prompt if " " not in prompt else SILENCE,
            var_name=var,
            min_digits=1 if min_digits else 0,
            max_digits=max_digits,
            tries=1,
            timeout_ms=int(timeout * 1000),
            terminators=terminators or "none",
            invalid_prompt=SILENCE,
            regexp=ANY_KEY,
        )
        wait = self.input_margin + timeout * (max_digits + 1)
        complete = self._execute("play_and_get_digits", arg, wait)
        return complete.variable(var, "") or ""

    def _execute(self, app: str, arg: str, timeout: float) -> Event:
        try:
            return self.session.execute(app, arg, timeout=timeout)
        except CommandTimeout:
            self.log.warning("ivr app did not complete in time; stopping it", app=app)
            self._break()
            raise

    def _terminator(self, complete: Event) -> str:
        key = complete.variable("playback_terminator_used", "") or ""
        if key:
            self.session.execute("unset", "playback_terminator_used")
        return key

    def _break(self) -> None:
        try:
            self.switch.api(commands.uuid_break(self.session.uuid, all_queued=True))
        except SwitchError as exc:
            self.log.warning("uuid_break failed", error=str(exc))

    def _record_ms_after_hangup(self, event_uuid: str) -> int:
        try:
            complete = self.session.wait_event(
                "CHANNEL_EXECUTE_COMPLETE",
                timeout=2.0,
                even_if_gone=True,
                include_past=True,
                predicate=lambda e: e.headers.get("Application-UUID") == event_uuid,
            )
        except (SessionGone, CommandTimeout):
            return 0
        return _int(complete.variable("record_ms"))

    @contextmanager
    def _gone(self) -> Iterator[None]:
        try:
            yield
        except SessionGone as exc:
            raise CallerGone(str(exc)) from exc
        except CommandTimeout as exc:
            # An app that never completed: treat the input as missing, keep the call going.
            raise _Stuck(str(exc)) from exc


class _Stuck(CallerGone):
    """An application did not complete in time; the call is treated as lost."""


def _int(text: str | None) -> int:
    try:
        return int(text or 0)
    except ValueError:
        return 0
