"""The error of a bad configuration file: which file, which object, which field."""

from __future__ import annotations


class ConfigFileError(Exception):
    """Bad input in a configuration file; the message reads ``file: kind[key].field: why``."""

    def __init__(self, source: str, where: str, message: str) -> None:
        super().__init__(f"{source}: {where}: {message}" if where else f"{source}: {message}")
        self.source = source
        self.where = where
