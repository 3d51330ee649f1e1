"""Recordings after the call: post-processing, retention, transcription, listing.

- :mod:`callcenter.recording.files`: where a recording's file is (never outside the store).
- :mod:`callcenter.recording.audio`: pydub/ffmpeg helpers (silence paused stretches, export).
- :mod:`callcenter.recording.postprocess`: WAV -> configured format, duration, size, SHA-256.
- :mod:`callcenter.recording.retention`: delete old files except flagged calls, audited.
- :mod:`callcenter.recording.transcribe`: vosk per channel (caller left, agent right).
- :mod:`callcenter.recording.sensitive`: sensitive-word matching, flagging, alerts.
- :mod:`callcenter.recording.query`: call-record filters shared by the console page and export.
- :mod:`callcenter.recording.cli`: ``callcenter recordings process|retention|transcribe``.

The engine only starts the WAV and inserts the index row; everything here runs later, in a
worker or a batch command, never on the call path.
"""
