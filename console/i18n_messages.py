"""Catalogue entries for the console's messages: the engine's refusals shown on the desktop,
the JSON APIs' error reasons and the date/duration formats (merged into ``TEXTS``)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "ended": {"zh": "已结束"},
    # The desktop: "<action> refused: <why>" for the engine's asynchronous refusals.
    "%(action)s refused: %(reason)s": {"zh": "%(action)s未执行：%(reason)s"},
    "finish the consultation first": {"zh": "请先结束咨询"},
    "the recording is already paused": {"zh": "录音已暂停"},
    "the recording is not paused": {"zh": "录音未暂停"},
    "a not-ready reason is required": {"zh": "请选择未就绪原因"},
    "an agent cannot transfer to or consult themselves": {"zh": "不能转接或咨询自己"},
    "your phone did not answer": {"zh": "您的话机未接听"},
}
