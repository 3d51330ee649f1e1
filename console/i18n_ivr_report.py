"""Catalogue entries of the IVR funnel report (/reports/ivr; merged into ``TEXTS``)."""

from __future__ import annotations

IVR_REPORT_TEXTS: dict[str, dict[str, str]] = {
    "IVR report": {"zh": "IVR 报表"},
    "Flow": {"zh": "流程"},
    "All versions": {"zh": "全部版本"},
    "Node": {"zh": "节点"},
    "Node type": {"zh": "节点类型"},
    "Callers reached": {"zh": "到达来电数"},
    "Hung up here": {"zh": "在此挂机"},
    "To a queue": {"zh": "转入队列"},
    "Flow ended": {"zh": "流程结束"},
    "Choices": {"zh": "按键选择"},
    "Exits to": {"zh": "去向"},
    "Callers who entered the flow": {"zh": "进入流程的来电"},
    "Times are in the center time zone. A caller counts once per node; choices count every "
    "key press.": {
        "zh": "时间按呼叫中心时区显示。每个来电在每个节点只计一次；按键选择按每次按键计数。"
    },
}
