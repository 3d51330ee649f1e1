"""Every refusal the engine can send an agent, and every ticket error, reads in zh and en with
its values inside the sentence (issue #18: no English left on a Chinese desktop).

The engine's refusals are found in the source: each ``raise AgentStateError/ActionError(...)``
and each ``told(...)`` names a code of callcenter/acd/refusals.py; a free-text refusal or a
hand-made ``{"error": ...}`` message fails here, and so does a code without zh or en text.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from callcenter.acd.refusals import REFUSALS, Refusal, told
from callcenter.store.enums import TicketStatus
from callcenter.tickets.workflow import ACTIONS, WorkflowError, next_status
from console.i18n import TEXTS, translate
from console.i18n_errors import localized, refusal_message
from console.i18n_refusals import TICKET_TEXTS

ROOT = Path(__file__).resolve().parents[2]
REFUSING = {"AgentStateError", "ActionError", "UnknownAction", "Refusal"}
TICKET_ERRORS = {"TicketError", "WorkflowError", "FieldError", "CallNotYours"}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
CJK = re.compile(r"[\u4e00-\u9fff]")


def _sources() -> list[Path]:
    return [*(ROOT / "callcenter").rglob("*.py"), *(ROOT / "console").glob("*.py")]


def _name(node: ast.expr) -> str:
    return node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")


def refusal_sites() -> list[tuple[str, ast.expr | None]]:
    """The code of every call that refuses an agent's action: raised refusals, ``told(...)``
    and the command checks' ``_text(value, code)`` (a site passing on its ``code`` is not one)."""
    sites = []
    for path in _sources():
        if path.name == "refusals.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = _name(node.func) if isinstance(node.func, ast.Name) else ""
            index = 1 if name == "_text" else 0
            if name in REFUSING | {"told"} or (name == "_text" and path.name == "agent_actions.py"):
                code = node.args[index] if len(node.args) > index else None
                if not (isinstance(code, ast.Name) and code.id == "code"):
                    sites.append((f"{path.relative_to(ROOT)}:{node.lineno}", code))
    return sites


def test_every_engine_refusal_names_a_known_code() -> None:
    sites = refusal_sites()
    assert len(sites) > 40
    free = [
        where
        for where, code in sites
        if not isinstance(code, ast.Constant) or code.value not in REFUSALS
    ]
    assert free == []
    used = {code.value for _, code in sites if isinstance(code, ast.Constant)}
    assert used == set(REFUSALS)  # and no code is left that nothing raises


def test_no_agent_message_is_a_hand_made_error() -> None:
    """The engine tells refusals through ``told``, never ``{"error": "..."}`` of its own."""
    made = []
    for path in (ROOT / "callcenter" / "engine").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) in ("tell", "_tell"):
                for arg in node.args:
                    keys = arg.keys if isinstance(arg, ast.Dict) else []
                    if any(isinstance(k, ast.Constant) and k.value == "error" for k in keys):
                        made.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert made == []


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_each_refusal_reads_in_both_languages_with_its_values(code: str) -> None:
    msgid = REFUSALS[code]
    assert msgid in TEXTS and TEXTS[msgid].get("zh")
    names = sorted(set(PLACEHOLDER.findall(msgid)))
    for language in ("zh", "en"):
        assert sorted(set(PLACEHOLDER.findall(translate(msgid, language)))) == names
    values = {name: f"v{index}7" for index, name in enumerate(names)}
    message = told(code, "hold", **values)
    assert message["error"] == msgid % values  # the English sentence scripts read
    zh, en = refusal_message(message, "zh"), refusal_message(message, "en")
    assert CJK.search(zh) and not CJK.search(en)
    assert all(value in zh and value in en for value in values.values())
    assert localized(message["error"], "zh") == zh  # an older engine's text reads the same


def test_states_and_actions_inside_a_refusal_are_translated() -> None:
    refused = Refusal("state_forbids", agent="1001", action="extend wrap up", state="on_call")
    assert str(refused) == "agent 1001 cannot extend wrap up while on_call"
    message = refused.told("extend_wrap_up")
    assert refusal_message(message, "zh") == "坐席 1001 当前为“通话中”，不能执行“延长话后处理”"
    assert refusal_message(message, "en") == 'agent 1001 cannot use "Extend wrap-up" while on call'
    why = Refusal("wrap_up_unfinished", agent="1001", why="a not-ready reason is required")
    assert (
        refusal_message(why.told("ready"), "zh") == "坐席 1001 还不能结束话后处理：请选择未就绪原因"
    )


@pytest.mark.parametrize("action", ACTIONS)
def test_each_refused_ticket_move_names_the_status_in_chinese(action: str) -> None:
    refused = 0
    for status in TicketStatus:
        try:
            next_status(status, action, has_assignee=True, reason="back")
        except WorkflowError as exc:
            refused += 1
            zh, en = localized(str(exc), "zh"), localized(str(exc), "en")
            assert CJK.search(zh) and translate(status.value, "zh") in zh, zh
            assert not CJK.search(en) and translate(status.value, "en") in en, en
    assert refused > 0


def _sample(node: ast.expr) -> str | None:
    """The message of a raise site with each value replaced by a sample (None: not literal)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if not isinstance(node, ast.JoinedStr):
        return None
    text = ""
    for part in node.values:
        if isinstance(part, ast.Constant):
            text += str(part.value)
        elif isinstance(part, ast.FormattedValue) and isinstance(
            part.value, ast.Name | ast.Attribute
        ):
            text += repr("v7") if part.conversion == ord("r") else "v7"
        else:
            return None  # an expression (the workflow's hints): tested by the test above
    return text


def test_every_ticket_error_with_a_literal_message_reads_in_chinese() -> None:
    paths = [
        *(ROOT / "callcenter" / "tickets").glob("*.py"),
        *(ROOT / "console").glob("ticket*.py"),
    ]
    untranslated, checked = [], 0
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                if _name(node.exc.func) in TICKET_ERRORS and node.exc.args:
                    sample = _sample(node.exc.args[0])
                    if sample is not None:
                        checked += 1
                        if not CJK.search(localized(sample, "zh")):
                            untranslated.append(f"{path.name}:{node.lineno}: {sample}")
    assert checked > 20 and untranslated == []


@pytest.mark.parametrize("msgid", sorted(TICKET_TEXTS))
def test_each_ticket_error_keeps_its_values_in_chinese(msgid: str) -> None:
    names = sorted(PLACEHOLDER.findall(msgid))
    assert sorted(PLACEHOLDER.findall(TEXTS[msgid]["zh"])) == names
