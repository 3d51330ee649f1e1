"""Which form field an input error is about, so the page shows it next to that field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

# words the engine's and the store's messages use for a field, where they differ from its name
ALIASES: Mapping[str, tuple[str, ...]] = {
    "phones": ("phone number", "phone"),
    "display_name": ("display name",),
    "assignee_id": ("assign", "user with id"),
}


def field_errors(message: object, fields: Iterable[str]) -> dict[str, str]:
    """``{field: message}`` for the first of ``fields`` the message names, else ``{"": message}``.

    An empty message gives ``{}``; the form shows a message without a field above the form.
    The field is found in the English message; the message is shown in the user's language.
    """
    from console.i18n_errors import localized

    if not message:
        return {}
    text = str(message)
    lowered = text.lower()
    for name in fields:
        words = (name.replace("_", " "), *ALIASES.get(name, ()))
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words):
            return {name: localized(text)}
    return {"": localized(text)}
