"""Score forms: the definition's text format, its validation, and the audited form service.

A form is written as text, one line each::

    # Greeting                         <- a section
    Greets the caller by name | 10     <- a question and its weight (1-100)
    Verifies the caller | 20 | critical   <- a critical question: "no" fails the whole call

A form is **frozen once used**: after its first evaluation it cannot be edited (so every
old evaluation keeps the questions and weights it was scored with); an admin copies it to a
new form and deactivates the old one. Deactivated forms are kept and stay readable.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from callcenter.admin.audit import record
from callcenter.admin.errors import Invalid, NotFound
from callcenter.store.quality import QaEvaluation, QaForm
from callcenter.store.users import User

__all__ = [
    "BadLine",
    "FormFrozen",
    "Question",
    "create_form",
    "deactivate_form",
    "definition_text",
    "form_values",
    "get_form",
    "parse_definition",
    "questions",
    "update_form",
    "uses",
]

MAX_QUESTIONS = 100
MAX_TEXT = 500
MAX_WEIGHT = 100


class FormFrozen(Invalid):
    """The form has evaluations: it cannot change any more."""


class BadLine(Invalid):
    """A line of the definition text the admin must fix; ``line`` is its number (from 1)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__("definition", message)
        self.line = line


@dataclass(frozen=True)
class Question:
    """One question of a form, flattened: its section, text, weight and critical flag."""

    section: str
    text: str
    weight: int
    critical: bool


def _question(number: int, line: str) -> dict[str, Any]:
    parts = [p.strip() for p in line.split("|")]
    if len(parts) not in (2, 3) or not parts[0]:
        raise BadLine(number, "write 'question | weight' or add '| critical'")
    if len(parts[0]) > MAX_TEXT:
        raise BadLine(number, "a question has at most 500 characters")
    if not parts[1].isdigit() or not 1 <= int(parts[1]) <= MAX_WEIGHT:
        raise BadLine(number, "the weight must be a whole number 1-100")
    if len(parts) == 3 and parts[2].lower() != "critical":
        raise BadLine(number, "the only flag is 'critical'")
    return {"text": parts[0], "weight": int(parts[1]), "critical": len(parts) == 3}


def parse_definition(text: str) -> dict[str, Any]:
    """The form definition of ``text`` (see the module doc); Invalid names the bad line."""
    sections: list[dict[str, Any]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            title = line.lstrip("#").strip()
            if not title or len(title) > MAX_TEXT:
                raise BadLine(number, "a section needs a title")
            sections.append({"title": title, "questions": []})
        elif not sections:
            raise BadLine(number, "start with a section ('# Greeting')")
        else:
            sections[-1]["questions"].append(_question(number, line))
    empty = [s["title"] for s in sections if not s["questions"]]
    if not sections or empty:
        raise Invalid("definition", "write a section ('# title') and at least one question in each")
    if sum(len(s["questions"]) for s in sections) > MAX_QUESTIONS:
        raise Invalid("definition", "a form has at most 100 questions")
    return {"sections": sections}


def definition_text(definition: dict[str, Any]) -> str:
    """The definition written back as the text an admin edits."""
    lines = []
    for section in definition.get("sections", []):
        lines.append(f"# {section['title']}")
        for q in section["questions"]:
            lines.append(f"{q['text']} | {q['weight']}" + (" | critical" if q["critical"] else ""))
    return "\n".join(lines)


def questions(definition: dict[str, Any]) -> list[Question]:
    """Every question of the definition, in form order."""
    return [
        Question(section["title"], q["text"], int(q["weight"]), bool(q["critical"]))
        for section in definition.get("sections", [])
        for q in section["questions"]
    ]


def uses(session: Session, form_id: int) -> int:
    """How many evaluations were scored with the form."""
    query = select(func.count()).where(QaEvaluation.form_id == form_id)
    return int(session.scalar(query) or 0)


def form_values(form: QaForm) -> dict[str, Any]:
    """The form as plain values (list, edit form, audit before/after)."""
    return {"name": form.name, "definition": definition_text(form.definition),
            "active": form.active}  # fmt: skip


def _apply(form: QaForm, name: str, text: str) -> None:
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise Invalid("name", "a name of 1-128 characters is required")
    form.definition = parse_definition(text or "")
    form.name = name


def create_form(session: Session, name: str, text: str, actor: User | None) -> QaForm:
    """A new active form (audited ``qa_form.create``)."""
    form = QaForm(active=True)
    _apply(form, name, text)
    session.add(form)
    session.flush()
    record(session, actor, "qa_form.create", "qa_form", form.id, None, form_values(form))
    return form


def get_form(session: Session, form_id: int) -> QaForm:
    """The form, or NotFound."""
    form = session.get(QaForm, form_id)
    if form is None:
        raise NotFound(f"no score form {form_id}")
    return form


def update_form(session: Session, form_id: int, name: str, text: str, actor: User | None) -> None:
    """Change an unused form (audited); FormFrozen once it has evaluations."""
    form = get_form(session, form_id)
    if uses(session, form_id):
        raise FormFrozen("definition", "this form has evaluations: copy it to a new form instead")
    before = form_values(form)
    _apply(form, name, text)
    session.flush()
    if form_values(form) != before:
        record(session, actor, "qa_form.update", "qa_form", form_id, before, form_values(form))


def deactivate_form(session: Session, form_id: int, actor: User | None) -> None:
    """Offer the form no more for new evaluations (kept with its evaluations; audited)."""
    form = get_form(session, form_id)
    before = form_values(form)
    form.active = False
    session.flush()
    record(session, actor, "qa_form.deactivate", "qa_form", form_id, before, form_values(form))
