"""Where to send a user after sign-in: only paths on this site, never another host."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

__all__ = ["MAX_NEXT_LENGTH", "safe_next"]

MAX_NEXT_LENGTH = 2048
_DECODE_ROUNDS = 3


def _plain_path(value: str) -> bool:
    # A single leading "/", then only printable characters (no tab, CR, LF, NUL, other
    # control or format characters, no line separators) and no backslash, which browsers
    # read as "/"; and nothing urlsplit takes for a scheme or a host.
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value or not value.isprintable():
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc and "//" not in parts.path


def safe_next(target: object, home: str = "/") -> str:
    """``target`` if it is a plain path on this site (also once percent-decoded), else ``home``.

    An allow rule, not a list of known tricks: "/tickets/?q=1" passes; "//evil",
    "/\\evil", "/\\t/evil", "https://evil", "/%2F%2Fevil", "/%5Cevil" and any control
    character do not.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT_LENGTH:
        return home
    value = target
    for _ in range(_DECODE_ROUNDS):
        if not _plain_path(value):
            return home
        try:
            decoded = unquote(value, errors="strict")
        except UnicodeDecodeError:
            return home
        if decoded == value:
            return target
        value = decoded
    return home  # still encoded after several rounds: nobody needs that
