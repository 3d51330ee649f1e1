"""Catalogue entries for refusals that carry values: the engine's refusals to an agent
(callcenter/acd/refusals.py, by their English sentence) and the ticket and customer errors
(callcenter/tickets), each with ``%(name)s`` where the value goes (merged into ``TEXTS``).

A value named ``state`` or ``status`` is itself translated (an agent state, a ticket status),
``action`` is shown as the desktop's label of that action, ``why`` as a translated reason
(console/i18n_errors.py ``fill``).
"""

from __future__ import annotations

# The desktop's label of each agent action (desktop.html shows them; refusals name them).
ACTION_LABELS: dict[str, str] = {
    "login": "Sign in",
    "logout": "Log out of phone",
    "ready": "Ready",
    "not_ready": "Not ready",
    "hangup": "Hang up",
    "hold": "Hold",
    "unhold": "Unhold",
    "record_pause": "Pause recording",
    "record_resume": "Resume recording",
    "dial": "Dial",
    "transfer": "transfer",
    "consult": "consult",
    "consult_complete": "Complete transfer",
    "consult_cancel": "Cancel consult",
    "conference": "conference",
    "dtmf": "dtmf",
    "extend_wrap_up": "Extend wrap-up",
    "callback": "Callback",
    "finish_wrap_up": "Finish wrap-up",
}

REFUSAL_TEXTS: dict[str, dict[str, str]] = {
    "Callback": {"zh": "回呼"},
    "Finish wrap-up": {"zh": "结束话后处理"},
    "unknown agent action '%(action)s'; use one of: %(actions)s": {
        "zh": "未知的坐席操作“%(action)s”，可用操作：%(actions)s"
    },
    "agent %(agent)s cannot %(action)s while %(state)s": {
        "zh": "坐席 %(agent)s 当前为“%(state)s”，不能执行“%(action)s”",
        "en": 'agent %(agent)s cannot use "%(action)s" while %(state)s',
    },
    "a not-ready reason is required": {"zh": "请选择未就绪原因"},
    "extend wrap-up needs whole seconds, not %(seconds)s": {
        "zh": "延长话后处理需要整数秒，而不是 %(seconds)s"
    },
    "extend wrap-up by 1 to %(limit)s seconds, not %(seconds)s": {
        "zh": "话后处理只能延长 1 到 %(limit)s 秒，而不是 %(seconds)s 秒"
    },
    "agent %(agent)s cannot finish wrap-up yet: %(why)s": {
        "zh": "坐席 %(agent)s 还不能结束话后处理：%(why)s"
    },
    "no agent '%(agent)s'": {"zh": "没有坐席 '%(agent)s'"},
    "agent %(agent)s is deactivated": {"zh": "坐席 %(agent)s 已停用"},
    "agent %(agent)s has no call this engine carries": {"zh": "坐席 %(agent)s 在本引擎上没有通话"},
    "agent %(agent)s has no extension to ring": {"zh": "坐席 %(agent)s 没有可振铃的分机"},
    "agent action '%(action)s' is not a CTI action": {"zh": "坐席操作“%(action)s”不是 CTI 操作"},
    "agent %(agent)s is in a conference; hang up to leave it first": {
        "zh": "坐席 %(agent)s 正在会议中，请先挂断以离开会议"
    },
    "agent %(agent)s is in a conference: %(action)s is not available there; hang up to leave it": {
        "zh": "坐席 %(agent)s 正在会议中，不能执行“%(action)s”；挂断即可离开会议",
        "en": 'agent %(agent)s is in a conference: "%(action)s" is not available there; '
        "hang up to leave it",
    },
    "no queue '%(queue)s'": {"zh": "没有队列 '%(queue)s'"},
    "an agent cannot transfer to or consult themselves": {"zh": "不能转接或咨询自己"},
    "agent %(target)s is not available (%(state)s)": {
        "zh": "坐席 %(target)s 当前不可用（%(state)s）"
    },
    "finish the consultation first": {"zh": "请先结束咨询"},
    "agent %(agent)s is already consulting": {"zh": "坐席 %(agent)s 已在咨询中"},
    "agent %(agent)s is not consulting anybody": {"zh": "坐席 %(agent)s 没有在咨询"},
    "the consultation with %(to)s has ended": {"zh": "与 %(to)s 的咨询已结束"},
    "%(to)s has not answered yet; wait for the answer or cancel the consultation": {
        "zh": "%(to)s 尚未接听；请等待接听或取消咨询"
    },
    "agent %(agent)s is consulting; use consult_complete, consult_cancel or conference first": {
        "zh": "坐席 %(agent)s 正在咨询；请先完成转接、取消咨询或发起会议"
    },
    "your phone did not answer (%(cause)s)": {"zh": "您的话机未接听（%(cause)s）"},
    "%(number)s did not answer (%(cause)s)": {"zh": "%(number)s 未接听（%(cause)s）"},
    "the recording is already paused": {"zh": "录音已暂停"},
    "the recording is not paused": {"zh": "录音未暂停"},
    "agent %(agent)s has no recorded call on this engine": {
        "zh": "坐席 %(agent)s 在本引擎上没有正在录音的通话"
    },
    "the phone system refused the command: %(detail)s": {"zh": "电话系统拒绝了该操作：%(detail)s"},
    "unknown action '%(action)s'; use one of: %(actions)s": {
        "zh": "未知操作“%(action)s”，可用操作：%(actions)s"
    },
    "seconds must be whole seconds, not %(seconds)s": {"zh": "秒数必须是整数，而不是 %(seconds)s"},
    "seconds must be between 1 and %(limit)s": {"zh": "秒数必须在 1 到 %(limit)s 之间"},
    'extend_wrap_up needs whole seconds, e.g. {"seconds": 30}': {
        "zh": '延长话后处理需要整数秒，例如 {"seconds": 30}'
    },
    "reason must be a string of at most %(limit)s characters without control characters": {
        "zh": "原因必须是不超过 %(limit)s 个字符且不含控制字符的文本"
    },
    "reason must be a string of at most %(limit)s characters": {
        "zh": "原因必须是不超过 %(limit)s 个字符的文本"
    },
    'not_ready needs a reason, e.g. {"reason": "break"}': {
        "zh": '未就绪需要原因，例如 {"reason": "break"}'
    },
    "ticket must be a ticket number of at most 32 printable characters": {
        "zh": "工单必须是不超过 32 个可打印字符的工单号"
    },
    "ticket must be a ticket number": {"zh": "工单必须是工单号"},
    'dial needs a number: it must be 1-32 digits (+, *, #), e.g. {"number": "1390"}': {
        "zh": '拨号需要号码：1-32 位数字（可含 +、*、#），例如 {"number": "1390"}'
    },
    'dtmf needs digits: 1-64 of 0-9, *, #, A-D, e.g. {"digits": "123#"}': {
        "zh": '按键需要 1-64 个 0-9、*、#、A-D，例如 {"digits": "123#"}'
    },
    "%(action)s needs exactly one target: %(shapes)s": {
        "zh": "“%(action)s”需要且只需要一个目标：%(shapes)s",
        "en": '"%(action)s" needs exactly one target: %(shapes)s',
    },
    "%(kind)s must be a name or number": {"zh": "%(kind)s 必须是名称或号码"},
    "number %(number)s must be 1-32 digits (+, *, # allowed)": {
        "zh": "号码 %(number)s 必须是 1-32 位数字（可含 +、*、#）"
    },
    "%(kind)s must be an agent id, extension or queue name: 1-64 letters, digits and "
    "_ . @ + - (no spaces, quotes, ${...}, &, | or control characters), not %(value)s": {
        "zh": "%(kind)s 必须是坐席编号、分机或队列名：1-64 个字母、数字及 _ . @ + -"
        "（不能有空格、引号、${...}、&、| 或控制字符），而不是 %(value)s"
    },
}

# Ticket and customer errors (callcenter/tickets, console/ticket*.py) with their values.
TICKET_TEXTS: dict[str, dict[str, str]] = {
    "cannot close a ticket that is %(status)s: resolve it first": {
        "zh": "工单状态为“%(status)s”，不能关闭：请先解决"
    },
    "cannot wait customer a ticket that is %(status)s: start working on it first": {
        "zh": "工单状态为“%(status)s”，不能设为待客户反馈：请先开始处理"
    },
    "cannot resume a ticket that is %(status)s: it is not waiting for the customer": {
        "zh": "工单状态为“%(status)s”，不能恢复处理：它并未在等待客户"
    },
    "cannot start a ticket that is %(status)s: use resume for a ticket pending the customer, "
    "reopen for a resolved/closed one": {
        "zh": "工单状态为“%(status)s”，不能开始处理：待客户反馈的工单请用恢复处理，"
        "已解决或已关闭的工单请重新打开"
    },
    "cannot resolve a ticket that is %(status)s: reopen it if the problem came back": {
        "zh": "工单状态为“%(status)s”，不能解决：如果问题再次出现请重新打开"
    },
    "cannot assign a ticket that is %(status)s: reopen it first": {
        "zh": "工单状态为“%(status)s”，不能分派：请先重新打开"
    },
    "cannot reopen a ticket that is %(status)s: only resolved or closed tickets can be reopened": {
        "zh": "工单状态为“%(status)s”，不能重新打开：只有已解决或已关闭的工单可以重新打开"
    },
    "unknown ticket action %(action)s; use one of: %(choices)s": {
        "zh": "未知的工单操作 %(action)s，可用操作：%(choices)s"
    },
    "ticket %(number)s is %(status)s: reopen it to plan a callback": {
        "zh": "工单 %(number)s 状态为“%(status)s”：请重新打开后再安排回呼"
    },
    "callback #%(id)s is %(status)s; schedule a new one": {
        "zh": "回呼 #%(id)s 状态为“%(status)s”，请新建一个回呼"
    },
    "callback #%(id)s is already %(status)s": {"zh": "回呼 #%(id)s 已是“%(status)s”"},
    "callback #%(id)s was just taken by another user": {"zh": "回呼 #%(id)s 刚被其他用户接手"},
    "the callback time needs a time zone (e.g. 2026-01-02T10:00+08:00)": {
        "zh": "回呼时间需要时区（例如 2026-01-02T10:00+08:00）"
    },
    "callback time %(value)s is not a date and time (ISO 8601)": {
        "zh": "回呼时间 %(value)s 不是有效的日期时间（ISO 8601）"
    },
    "no such callback on this ticket": {"zh": "该工单上没有这个回呼"},
    "no callback %(id)s on ticket %(number)s": {"zh": "工单 %(number)s 上没有回呼 %(id)s"},
    "unknown change %(value)s": {"zh": "未知的修改 %(value)s"},
    "linking a call needs its uuid (at most 64 characters)": {
        "zh": "关联通话需要通话 uuid（不超过 64 个字符）"
    },
    "unknown priority %(value)s; use one of: %(choices)s": {
        "zh": "未知的优先级 %(value)s，可选：%(choices)s"
    },
    "unknown status %(value)s": {"zh": "未知的状态 %(value)s"},
    "unknown %(what)s %(value)s; use one of: %(choices)s": {
        "zh": "未知的%(what)s %(value)s，可选：%(choices)s"
    },
    "no user with id %(value)s; pick an existing user to assign": {
        "zh": "没有编号为 %(value)s 的用户，请选择已有用户来分派"
    },
    "use assign() with an agent or department": {"zh": "请用分派指定坐席或部门"},
    "phone number %(value)s is not valid: use digits": {
        "zh": "电话号码 %(value)s 无效：请使用数字"
    },
    "phone number %(value)s is not valid: use digits, optionally a leading +": {
        "zh": "电话号码 %(value)s 无效：请使用数字，可以 + 开头"
    },
    "number %(number)s already belongs to customer #%(customer)s; remove it there first": {
        "zh": "号码 %(number)s 已属于客户 #%(customer)s，请先从该客户处移除"
    },
    "field %(name)s must be a list of texts": {"zh": "字段 %(name)s 必须是文本列表"},
    "call %(value)s is not one you took": {"zh": "通话 %(value)s 不是您接听的"},
    "field %(name)s must have at most %(limit)s entries": {
        "zh": "字段 %(name)s 最多只能有 %(limit)s 项"
    },
}
