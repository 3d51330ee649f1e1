"""Every text the console shows through ``_()`` is in both catalogues (zh and en).

The msgids are read from the source: each literal ``_('...')`` in console/templates and each
``_()`` / ``translate()`` literal in console/*.py, plus the code values templates pass through
``_(value)`` (ticket statuses, priorities, workflow and history actions, roles, agent and call
states, dispositions, the default categories and departments, correctable call fields).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callcenter.acd.agents import AgentState
from callcenter.config import TicketSettings
from callcenter.store.corrections import CORRECTABLE
from callcenter.store.enums import Disposition, Role, TicketPriority, TicketStatus
from callcenter.tickets.workflow import ACTIONS
from console.i18n import MISSING_MARK, TEXTS, translate
from console.navigation import NAV

ROOT = Path(__file__).resolve().parents[2]
LITERAL = re.compile(r"""\b(?:_|translate)\(\s*(['"])((?:\\.|(?!\1).)+)\1\s*[,)]""")
HISTORY_ACTION = re.compile(r'record_history\(\s*session,\s*[\w.]+,\s*[\w.]+,\s*"([a-z_]+)"')
HISTORY_FIELD = re.compile(
    r'record_history\(\s*session,\s*[\w.]+,\s*[\w.]+,\s*[\w."]+,\s*"([a-z_]+)"'
)
UPDATABLE = ("subject", "description", "category", "priority", "customer_id")  # update_fields
CODE_VALUE = re.compile(r"^[a-z]+(_[a-z]+)+$")  # in_progress: a key, not English for a user
PLACEHOLDER = re.compile(r"%\((\w+)\)s")
STATES_IN_WALLBOARD = re.compile(r"\{% set states = \[([^\]]*)\]")


def template_msgids() -> set[str]:
    """Literal msgids of the templates and of the console's Python modules."""
    found: set[str] = set()
    sources = [*(ROOT / "console" / "templates").rglob("*.html"), *(ROOT / "console").glob("*.py")]
    for path in sources:
        if path.name.startswith("i18n"):
            continue
        text = path.read_text(encoding="utf-8")
        found |= {m.group(2).replace("\\'", "'") for m in LITERAL.finditer(text)}
    return found


ADMIN_TEXT = re.compile(
    r'(?:Field\(\s*"[a-z_]+",\s*|hint=|title = |(?<!Invalid)\(\s*"[a-z_]+",\s*)"([^"]+)"'
)


def admin_msgids() -> set[str]:
    """Labels, hints and titles of the admin set-up services (callcenter/admin) and the
    administration index (console/admin_setup.py PAGES), which templates pass to ``_()``."""
    sources = [*(ROOT / "callcenter" / "admin").glob("*.py"), ROOT / "console" / "admin_setup.py"]
    found: set[str] = set()
    for path in sources:
        found |= set(ADMIN_TEXT.findall(path.read_text(encoding="utf-8")))
    return {m for m in found if re.search("[A-Za-z]", m) and not CODE_VALUE.match(m)}


def code_values() -> set[str]:
    """Values the templates translate with ``_(value)``: taken from the code that makes them."""
    history = set()
    for path in (ROOT / "callcenter" / "tickets").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        history |= set(HISTORY_ACTION.findall(source)) | set(HISTORY_FIELD.findall(source))
    wallboard = (ROOT / "console" / "templates" / "wallboard.html").read_text(encoding="utf-8")
    (states,) = STATES_IN_WALLBOARD.findall(wallboard)
    durations = {"wait_seconds", "ring_seconds", "talk_seconds", "hold_seconds"}
    defaults = TicketSettings()
    return (
        {s.value for s in TicketStatus}
        | {p.value for p in TicketPriority}
        | {r.value for r in Role}
        | {s.value for s in AgentState}
        | {d.value for d in Disposition}
        | set(ACTIONS)
        | history
        | set(UPDATABLE)
        | set(defaults.categories)
        | set(defaults.departments)
        | set(CORRECTABLE)
        | durations
        | {"wrap_up_seconds", "caller", "agent"}  # call page durations, transcript speakers
        | set(re.findall(r"'([a-z_]+)'", states))
        | {item.label for item in NAV}
        | admin_msgids()
    )


def problems(msgids: set[str]) -> list[str]:
    """What is wrong with the catalogue for ``msgids`` (empty when every one is complete)."""
    wrong = []
    for msgid in sorted(msgids):
        entry = TEXTS.get(msgid)
        if entry is None:
            wrong.append(f"{msgid!r}: in neither catalogue")
            continue
        zh, en = entry.get("zh"), entry.get("en") or msgid
        if not zh:
            wrong.append(f"{msgid!r}: no zh text")
        if CODE_VALUE.match(en):
            wrong.append(f"{msgid!r}: no en text (the msgid is a code value)")
        wanted = set(PLACEHOLDER.findall(msgid))
        for language, text in (("zh", zh or ""), ("en", en)):
            if set(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{msgid!r}: {language} text has other placeholders")
    return wrong


def test_the_extractor_finds_the_console_texts() -> None:
    found = template_msgids()
    assert {"Sign in", "No tickets yet", "Page %(page)s", "Agent desktop"} <= found
    assert len(found) > 150
    values = code_values()
    assert {"in_progress", "wrap_up", "answered", "customer_service", "escalate"} <= values
    assert {"assignee", "call", "escalation_level"} <= values  # history fields


def test_every_console_text_is_in_both_catalogues() -> None:
    assert problems(template_msgids() | code_values()) == []


def test_a_text_missing_from_the_catalogue_is_reported() -> None:
    assert problems({"A text nobody translated"}) == [
        "'A text nobody translated': in neither catalogue"
    ]
    assert problems({"in_progress"}) == []


@pytest.mark.parametrize(
    ("msgid", "language", "shown"),
    [
        ("in_progress", "en", "in progress"),
        ("in_progress", "zh", "处理中"),
        ("Sign in", "en", "Sign in"),
    ],
)
def test_translate_picks_the_language_and_the_english_text(
    msgid: str, language: str, shown: str
) -> None:
    assert translate(msgid, language) == shown


def test_missing_msgids_are_marked_in_test_mode() -> None:
    from flask import Flask

    app = Flask(__name__)
    app.config["I18N_MARK_MISSING"] = True
    with app.app_context():
        assert translate("Not in the catalogue", "zh") == MISSING_MARK % "Not in the catalogue"
        assert translate("Sign in", "zh") == "登录"
    assert translate("Not in the catalogue", "zh") == "Not in the catalogue"  # outside: as is
