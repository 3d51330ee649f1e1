"""Errors of the flow store; the message says what to fix."""

from __future__ import annotations

from callcenter.ivr.errors import Problem

__all__ = ["FlowNotFound", "FlowStoreError", "PublishRefused"]


class FlowStoreError(Exception):
    """A request on stored flows that cannot be done as asked (a bad name, text or number)."""


class FlowNotFound(FlowStoreError):
    """No such flow or version."""


class PublishRefused(FlowStoreError):
    """The version has problems, so it cannot be published; ``problems`` lists them."""

    def __init__(self, name: str, number: int, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            f"version {number} of flow '{name}' has {len(problems)} problem(s) and cannot be "
            "published; fix them and save a new version"
        )
