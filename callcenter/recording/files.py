"""Locating recording files: index paths resolve inside the recording store or not at all."""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["RecordingFileError", "resolve_path", "sha256_file", "sibling"]

_CHUNK = 1 << 20


class RecordingFileError(Exception):
    """A recording's file is missing or its path points outside the recording store."""


def resolve_path(root: Path, stored: str, *, must_exist: bool = True) -> Path:
    """The absolute file for index path ``stored``, checked to lie under ``root``.

    The engine writes ``<recording.path>/YYYY/MM/DD/<uuid>.wav``; a relative path is taken
    from the working directory, as the engine wrote it. Anything that resolves outside the
    store (``..``, symlinks, absolute paths elsewhere) is refused.
    """
    base = root.resolve()
    candidate = Path(stored)
    if not candidate.is_absolute():
        candidate = Path.cwd() / candidate
    resolved = candidate.resolve()
    if not resolved.is_relative_to(base):
        raise RecordingFileError(
            f"recording path {stored!r} is outside the recording store {base}; "
            "check recording.path (the engine and the console must use the same one)"
        )
    if must_exist and not resolved.is_file():
        raise RecordingFileError(f"recording file {resolved} does not exist")
    return resolved


def sibling(stored: str, suffix: str) -> str:
    """The index path ``stored`` with another extension, in the same style (relative stays)."""
    return str(Path(stored).with_suffix(suffix))


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
