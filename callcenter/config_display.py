"""Settings as they may be shown to a person: every secret masked, in keys and in URLs."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
_SECRET_KEY = re.compile(r"password|secret|token|api_?key|credential", re.IGNORECASE)


def mask_secrets(value: Any, key: str = "") -> Any:
    """A copy of ``value`` (dumped settings) with secret-named fields and URL passwords masked."""
    if isinstance(value, dict):
        return {name: mask_secrets(item, str(name)) for name, item in value.items()}
    if isinstance(value, list):
        return [mask_secrets(item, key) for item in value]
    if isinstance(value, str):
        if _SECRET_KEY.search(key):
            return MASK if value else ""
        return mask_url_password(value)
    return value


def mask_url_password(text: str) -> str:
    """``scheme://user:secret@host/...`` -> ``scheme://user:***@host/...``; other text as is."""
    if "://" not in text or "@" not in text:
        return text
    try:
        parts = urlsplit(text)
        password = parts.password
    except ValueError:
        return MASK  # unparseable URL carrying '@': show nothing rather than a secret
    if not password:
        return text
    userinfo, _, host = parts.netloc.rpartition("@")
    user = userinfo.split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:{MASK}@{host}"))
