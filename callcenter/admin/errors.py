"""Errors of the admin services: a bad value of one field, an unknown object."""

from __future__ import annotations

from callcenter.store.base import StoreError


class Invalid(StoreError):
    """A value the admin can fix; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFound(StoreError):
    """No object of that kind with that id."""
