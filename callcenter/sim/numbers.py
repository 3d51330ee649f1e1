"""Numbers in text a client sent (commands, app arguments, variables): ASCII digits only.

``str.isdigit`` also accepts superscripts and other scripts' digits, which ``int`` then
refuses; FreeSWITCH's ``atoi`` reads only ASCII digits. These helpers never raise.
"""

from __future__ import annotations

__all__ = ["MAX_DIGITS", "ascii_int"]

MAX_DIGITS = 18  # fits a signed 64-bit integer, as the C code the simulator mimics


def ascii_int(text: str | None, *, signed: bool = False) -> int | None:
    """``text`` (stripped) as an int if it is ASCII digits (with ``signed``, an optional
    leading ``-``) and at most :data:`MAX_DIGITS` long, else ``None``."""
    if text is None:
        return None
    digits = text.strip()
    negative = signed and digits.startswith("-")
    if negative:
        digits = digits[1:]
    if not digits or len(digits) > MAX_DIGITS or not (digits.isascii() and digits.isdigit()):
        return None
    value = int(digits)
    return -value if negative else value
