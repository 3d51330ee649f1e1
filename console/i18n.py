"""Page texts in Chinese and English, chosen by the signed-in user's language setting."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

TEXTS: dict[str, dict[str, str]] = {
    "Call center": {"zh": "呼叫中心"},
    "Sign in": {"zh": "登录"},
    "Sign out": {"zh": "退出"},
    "Username": {"zh": "用户名"},
    "Password": {"zh": "密码"},
    "Wrong username or password": {"zh": "用户名或密码错误"},
    "Wallboard": {"zh": "监控大屏"},
    "Agents": {"zh": "坐席"},
    "Calls": {"zh": "通话"},
    "Waiting": {"zh": "排队中"},
    "Agent": {"zh": "坐席"},
    "State": {"zh": "状态"},
    "Since": {"zh": "开始时间"},
    "Caller": {"zh": "主叫"},
    "Queue": {"zh": "队列"},
    "live": {"zh": "实时"},
    "reconnecting": {"zh": "重新连接中"},
}


def translate(text: str, language: str | None = None) -> str:
    """``text`` in ``language`` (default: the current user's), falling back to English."""
    if language is None:
        language = getattr(current_user, "language", None) or "en"
    return TEXTS.get(text, {}).get(str(language), text)


def install_i18n(app: Flask) -> None:
    """Make ``_()`` available in templates."""
    app.jinja_env.globals["_"] = translate
