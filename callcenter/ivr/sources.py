"""Where a FlowRegistry reads flows from: a folder of files here, the database in
callcenter/flows/source.py. A source lists its flows with a cheap signature each; the
registry reads again only the ones whose signature changed."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Protocol

from callcenter.ivr.checks import read_draft, sibling_flows
from callcenter.ivr.limits import FlowLimits
from callcenter.ivr.loader import Draft

__all__ = ["FlowSource", "FolderSource", "Signature"]

Signature = tuple[int, int]
FlowNodes = Callable[[str], Collection[str] | None]
_SUFFIXES = (".yaml", ".yml")


class FlowSource(Protocol):
    """What a FlowRegistry needs from where the flows are kept."""

    def scan(self) -> dict[str, Signature]:
        """Every flow entry (a file, a flow name) with a value that changes when it does."""

    def read(self, key: str, limits: FlowLimits) -> Draft:
        """The draft of one entry of :meth:`scan`."""

    def resolver(self, known: dict[str, Draft], limits: FlowLimits) -> FlowNodes:
        """Node ids of another flow by name: among ``known``, else from the source."""

    def numbers(self) -> Mapping[str, str] | None:
        """Dialled number -> flow kept by the source (as of the last scan), or None."""

    def version(self, signature: Signature) -> int:
        """The version number of an entry with this signature (0: the source has none)."""

    def __str__(self) -> str:
        """Where the flows are, for messages."""


class FolderSource:
    """Flow files ``folder/*.yaml``; the signature is (mtime_ns, size)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def scan(self) -> dict[str, Signature]:
        """Every flow file with its (mtime_ns, size)."""
        found: dict[str, Signature] = {}
        for path in sorted(self.folder.glob("*")):
            if path.suffix in _SUFFIXES and path.is_file():
                try:
                    stat = path.stat()
                except OSError:
                    continue
                found[str(path)] = (stat.st_mtime_ns, stat.st_size)
        return found

    def read(self, key: str, limits: FlowLimits) -> Draft:
        """The file's draft (an unreadable file is a problem in it)."""
        return read_draft(Path(key), limits)

    def resolver(self, known: dict[str, Draft], limits: FlowLimits) -> FlowNodes:
        """Another flow among ``known``, else ``folder/<name>.yaml``."""
        return sibling_flows(self.folder, known, limits)

    def numbers(self) -> Mapping[str, str] | None:
        """Files keep no numbers (they come from the setting ivr.numbers)."""
        return None

    def version(self, signature: Signature) -> int:
        """Files have no version numbers."""
        return 0

    def __str__(self) -> str:
        return str(self.folder)
