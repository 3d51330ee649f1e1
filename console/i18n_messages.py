"""Catalogue entries for the console's messages: the engine's refusals shown on the desktop,
the JSON APIs' error reasons and the date/duration formats (merged into ``TEXTS``)."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {
    "ended": {"zh": "已结束"},
    # Not-ready reasons the engine sets (callcenter/acd/agents.py).
    "login": {"zh": "刚签入", "en": "just signed in"},
    "missed": {"zh": "漏接来电", "en": "missed a call"},
    "unregistered": {"zh": "话机未注册", "en": "phone not registered"},
    "no_answer": {"zh": "未接听", "en": "no answer"},
    # The desktop: "<action> refused: <why>" for the engine's asynchronous refusals.
    "%(action)s refused: %(reason)s": {"zh": "%(action)s未执行：%(reason)s"},
    "finish the consultation first": {"zh": "请先结束咨询"},
    "the recording is already paused": {"zh": "录音已暂停"},
    "the recording is not paused": {"zh": "录音未暂停"},
    "a not-ready reason is required": {"zh": "请选择未就绪原因"},
    "an agent cannot transfer to or consult themselves": {"zh": "不能转接或咨询自己"},
    "your phone did not answer": {"zh": "您的话机未接听"},
    # JSON error reasons (console/i18n_errors.py adds them translated as "message").
    "no agent %(value)s": {"zh": "没有坐席 %(value)s"},
    "no live or recorded call %(value)s": {"zh": "没有进行中或已记录的通话 %(value)s"},
    "no call %(value)s": {"zh": "没有通话 %(value)s"},
    "no customer %(value)s": {"zh": "没有客户 %(value)s"},
    "no customer with id %(value)s": {"zh": "没有编号为 %(value)s 的客户"},
    "no ticket %(value)s": {"zh": "没有工单 %(value)s"},
    "no monitoring session %(value)s": {"zh": "没有监听会话 %(value)s"},
    "call %(value)s is not live": {"zh": "通话 %(value)s 已不在进行中"},
    "CSRF check failed: %(value)s": {"zh": "安全校验失败：%(value)s"},
    "field %(name)s must be text of at most %(limit)s characters": {
        "zh": "字段 %(name)s 必须是不超过 %(limit)s 个字符的文本"
    },
    "field %(name)s must not contain NUL characters": {"zh": "字段 %(name)s 不能包含 NUL 字符"},
    "field %(name)s must be a whole number (an id)": {"zh": "字段 %(name)s 必须是整数（编号）"},
    "the JSON body nests deeper than %(value)s levels": {"zh": "JSON 请求体嵌套超过 %(value)s 层"},
    "the body must be a JSON object (it is not valid JSON: %(value)s)": {
        "zh": "请求体必须是 JSON 对象（不是有效的 JSON：%(value)s）"
    },
    "%(name)s must be a whole number from %(low)s to %(high)s": {
        "zh": "%(name)s 必须是 %(low)s 到 %(high)s 之间的整数"
    },
    "mode must be one of %(value)s": {"zh": "模式必须是以下之一：%(value)s"},
    "extension %(extension)s is not agent %(agent)s's phone; use %(phone)s": {
        "zh": "分机 %(extension)s 不是坐席 %(agent)s 的话机，请使用 %(phone)s"
    },
    "sign in first": {"zh": "请先登录"},
    "the request is larger than the limit of %(value)s bytes": {
        "zh": "请求大小超过 %(value)s 字节的上限"
    },
    "the body must be a JSON object": {"zh": "请求体必须是 JSON 对象"},
    "agents may only open their own desktop": {"zh": "坐席只能打开自己的工作台"},
    "agents may only see their own state": {"zh": "坐席只能查看自己的状态"},
    "agents may only act for themselves": {"zh": "坐席只能为自己操作"},
    "agents may only wrap up their own calls": {"zh": "坐席只能对自己的通话做话后处理"},
    "no such call": {"zh": "没有该通话"},
    "this call is not offered to you": {"zh": "该通话未分配给您"},
    'sign in needs your extension, e.g. {"extension": "1001"}': {
        "zh": '签入需要您的分机，例如 {"extension": "1001"}'
    },
    "this ticket belongs to another department or agent": {"zh": "该工单属于其他部门或坐席"},
    "another version was saved at the same time; save again": {
        "zh": "另一版本已同时保存，请重新保存"
    },
    "give both versions: ?from=N&to=M": {"zh": "请给出两个版本：?from=N&to=M"},
    "field version must be a version number": {"zh": "字段 version 必须是版本号"},
    "field numbers must be a list of {number, flow, comment}": {
        "zh": "字段 numbers 必须是 {number, flow, comment} 的列表"
    },
    "field yaml must be the flow's YAML text": {"zh": "字段 yaml 必须是流程的 YAML 文本"},
    "field name must be a flow name: a letter, then letters, digits, _ or -": {
        "zh": "字段 name 必须是流程名：以字母开头，后接字母、数字、_ 或 -"
    },
    "call_uuid is required": {"zh": "需要 call_uuid", "en": "call_uuid is required"},
    "you have no phone extension to ring; an admin sets it": {
        "zh": "您没有可振铃的话机分机，请管理员设置"
    },
    "this monitoring session is another supervisor's": {"zh": "该监听会话属于其他班长"},
    "this monitoring session has ended": {"zh": "该监听会话已结束"},
    "your phone has not answered yet": {"zh": "您的话机尚未接听"},
    "a ticket needs a subject": {"zh": "工单需要主题"},
    "a comment needs some text": {"zh": "备注需要内容"},
    "a customer needs a name": {"zh": "客户需要姓名"},
    "assign needs an agent or a department": {"zh": "分派需要坐席或部门"},
    "reopen needs a reason: say why the problem is back": {
        "zh": "重新打开需要原因：请说明问题为何再次出现"
    },
    "say what came of the callback (e.g. 'reached, problem solved')": {
        "zh": "请填写回呼结果（例如“已联系，问题已解决”）"
    },
}
