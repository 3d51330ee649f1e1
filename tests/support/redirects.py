"""How a browser and urllib read a redirect target: whether a Location stays on this site."""

from __future__ import annotations

from urllib.parse import urlsplit


def browser_view(location: str) -> str:
    """What a browser makes of a Location value before parsing it: leading and trailing
    C0 controls and spaces dropped, tab/CR/LF removed anywhere, backslash read as slash."""
    value = location.strip("".join(map(chr, range(0x21))))
    for ch in "\t\r\n":
        value = value.replace(ch, "")
    return value.replace("\\", "/")


def stays_on_site(location: str) -> bool:
    """A path on this site: one leading slash, no scheme or host for urllib or a browser."""
    for value in (location, browser_view(location)):
        parts = urlsplit(value)
        if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//"):
            return False
    return True
