"""Problems found in flow files and the IVR's exceptions."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["EvaluationError", "ExpressionError", "FlowError", "IvrError", "Pos", "Problem"]


@dataclass(frozen=True, slots=True)
class Pos:
    """A 1-based line and column in a flow file (0, 0: no position)."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.line}:{self.column}"


NOWHERE = Pos(0, 0)


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a flow file, with where it is and what to fix."""

    file: str
    line: int
    column: int
    message: str

    @classmethod
    def at(cls, file: str, pos: Pos, message: str) -> Problem:
        """A problem at ``pos`` of ``file``."""
        return cls(file, pos.line, pos.column, message)

    def __str__(self) -> str:
        if self.line <= 0:
            return f"{self.file}: {self.message}"
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class IvrError(Exception):
    """Base of the IVR's errors; the message says what to fix."""


class FlowError(IvrError):
    """A flow file is invalid; ``problems`` lists every error found in it."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"invalid flow ({len(self.problems)} problem(s)):\n{lines}")


class ExpressionError(IvrError):
    """An expression does not parse; ``column`` is 1-based within the expression text."""

    def __init__(self, message: str, column: int, text: str = "") -> None:
        self.message = message
        self.column = column
        self.text = text
        super().__init__(f"column {column}: {message}")


class EvaluationError(IvrError):
    """An expression parsed but cannot be evaluated with these values (e.g. 'a' < 3)."""
