"""Catalogue entries of the quality scoring pages (console/quality*.py, templates/quality):
page texts, the answers, states and reasons they show, and the services' messages."""

from __future__ import annotations

QUALITY: dict[str, dict[str, str]] = {
    "Quality": {"zh": "质检"},
    "My evaluations": {"zh": "我的质检"},
    "To evaluate": {"zh": "待评分"},
    "Evaluations": {"zh": "质检记录"},
    "Evaluation": {"zh": "质检评分"},
    "Score forms": {"zh": "评分表"},
    "Score form": {"zh": "评分表"},
    "New score form": {"zh": "新建评分表"},
    "No score forms yet.": {"zh": "还没有评分表。"},
    "Calls to evaluate": {"zh": "待评分通话"},
    "Recorded calls without an evaluation: calls flagged for sensitive words and calls with a "
    "low survey score come first.": {
        "zh": "尚未评分的录音通话：含敏感词的通话和满意度评分低的通话排在前面。"
    },
    "Why first": {"zh": "优先原因"},
    "Survey score": {"zh": "满意度评分"},
    "Evaluate": {"zh": "评分"},
    "Evaluate call": {"zh": "通话评分"},
    "No recorded call is waiting for an evaluation.": {"zh": "没有等待评分的录音通话。"},
    "Call record": {"zh": "通话记录"},
    "The call": {"zh": "通话详情"},
    "No recording of this call is kept.": {"zh": "此通话没有保留录音。"},
    "No transcript.": {"zh": "没有转写文本。"},
    "There is no score form yet: an administrator defines one first.": {
        "zh": "还没有评分表：请管理员先创建。"
    },
    "Use this form": {"zh": "使用此评分表"},
    "weight": {"zh": "权重"},
    "critical": {"zh": "致命项"},
    "Critical fail": {"zh": "致命项不合格"},
    "Save evaluation": {"zh": "保存评分"},
    "Evaluation saved": {"zh": "评分已保存"},
    "Score": {"zh": "得分"},
    "Evaluator": {"zh": "评分人"},
    "Section": {"zh": "分组"},
    "Question": {"zh": "评分项"},
    "Questions": {"zh": "评分项数"},
    "Answer": {"zh": "结果"},
    "Agent comment": {"zh": "坐席意见"},
    "All": {"zh": "全部"},
    "No evaluations yet.": {"zh": "还没有质检评分。"},
    "The agent's answer": {"zh": "坐席的答复"},
    "You may acknowledge this evaluation or dispute it, once.": {
        "zh": "您可以确认或申诉此评分，仅限一次。"
    },
    "Your comment (required to dispute)": {"zh": "您的意见（申诉时必填）"},
    "Acknowledge": {"zh": "确认"},
    "Dispute": {"zh": "申诉"},
    "Thank you: your answer is recorded": {"zh": "谢谢，您的答复已记录"},
    "Copy": {"zh": "复制"},
    "Copy it to a new form": {"zh": "复制为新评分表"},
    "A form is frozen once a call was evaluated with it, so old evaluations keep their meaning: "
    "copy it to change it.": {
        "zh": "评分表一旦用于评分即被冻结，以保证已有评分的含义不变；如需修改请复制为新评分表。"
    },
    "This form is frozen: %(count)s evaluation(s) were scored with it.": {
        "zh": "此评分表已冻结：已有 %(count)s 条评分使用了它。"
    },
    "Sections and questions": {"zh": "分组和评分项"},
    "One line each: '# Section', then 'question | weight', and '| critical' for a question "
    "whose 'no' fails the whole call (score 0).": {
        "zh": "每行一项：'# 分组'，然后 '评分项 | 权重'；加上 '| critical' 表示致命项，"
        "该项为「否」时整通电话得 0 分。"
    },
    "line %(line)s: %(problem)s": {"zh": "第 %(line)s 行：%(problem)s"},
    # answers, states and reasons (callcenter/quality)
    "na": {"zh": "不适用", "en": "n/a"},
    "unanswered": {"zh": "待答复", "en": "awaiting the agent"},
    "acknowledged": {"zh": "已确认"},
    "disputed": {"zh": "已申诉"},
    "low survey score": {"zh": "满意度低"},
    # the services' messages (callcenter/quality/forms.py, evaluations.py)
    "write 'question | weight' or add '| critical'": {
        "zh": "请写成 '评分项 | 权重'，或再加 '| critical'"
    },
    "a question has at most 500 characters": {"zh": "评分项最多 500 个字符"},
    "the weight must be a whole number 1-100": {"zh": "权重必须是 1-100 的整数"},
    "the only flag is 'critical'": {"zh": "唯一可用的标记是 'critical'"},
    "a section needs a title": {"zh": "分组需要标题"},
    "start with a section ('# Greeting')": {"zh": "请先写一个分组（如 '# 问候'）"},
    "write a section ('# title') and at least one question in each": {
        "zh": "请至少写一个分组（'# 标题'），每个分组至少一个评分项"
    },
    "a form has at most 100 questions": {"zh": "评分表最多 100 个评分项"},
    "a name of 1-128 characters is required": {"zh": "名称必填，1-128 个字符"},
    "this form has evaluations: copy it to a new form instead": {
        "zh": "此评分表已有评分记录，请复制为新评分表再修改"
    },
    "answer every question": {"zh": "请回答每一个评分项"},
    "answer each question yes, no or n/a": {"zh": "每个评分项请选择 是、否 或 不适用"},
    "answer at least one question yes or no": {"zh": "至少一个评分项须选择 是 或 否"},
    "a comment has at most 4000 characters": {"zh": "意见最多 4000 个字符"},
    "this score form is no longer in use": {"zh": "此评分表已停用"},
    "no agent took this call: there is nobody to evaluate": {"zh": "此通话无坐席接听，无人可评"},
    "acknowledge or dispute": {"zh": "请选择确认或申诉"},
    "this evaluation was already answered": {"zh": "此评分已答复过"},
    "say why you dispute the evaluation": {"zh": "请说明申诉理由"},
    "QA average": {"zh": "质检平均分"},
}
