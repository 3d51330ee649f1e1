"""Page texts in Chinese and English, chosen by the signed-in user's language setting.

The catalogue is console/i18n_catalogue.py: every msgid has its Chinese text; its English text
is the msgid itself unless the entry gives one ("en", for code values such as ``in_progress``).
With ``CALLCENTER_I18N_MARK_MISSING=1`` (the browser tests set it) a msgid missing from the
catalogue renders as ``⟦msgid⟧``, so a page check can find it.
"""

from __future__ import annotations

import os

from flask import Flask, current_app, has_app_context
from flask_login import current_user

from console.i18n_catalogue import TEXTS
from console.i18n_refusals import ACTION_LABELS

LANGUAGES = ("zh", "en")
MISSING_MARK = "⟦%s⟧"
MARK_MISSING_ENV = "CALLCENTER_I18N_MARK_MISSING"

__all__ = ["LANGUAGES", "MISSING_MARK", "TEXTS", "install_i18n", "translate"]


def translate(text: str, language: str | None = None) -> str:
    """``text`` in ``language`` (default: the current user's), falling back to English."""
    if language is None:
        language = getattr(current_user, "language", None) or "en"
    entry = TEXTS.get(text)
    if entry is None:
        if has_app_context() and current_app.config.get("I18N_MARK_MISSING"):
            return MISSING_MARK % text
        return text
    return entry.get(str(language)) or entry.get("en") or text


def install_i18n(app: Flask) -> None:
    """Make ``_()`` available in templates (marking missing msgids when the env asks to)."""
    app.config.setdefault("I18N_MARK_MISSING", os.environ.get(MARK_MISSING_ENV) == "1")
    app.jinja_env.globals["_"] = translate
    app.jinja_env.globals["action_labels"] = ACTION_LABELS  # the desktop names refused actions
