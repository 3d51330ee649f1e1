"""Quality scoring tables: score forms (frozen once used) and evaluations of recorded calls."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow
from callcenter.store.calls import Call
from callcenter.store.routing import Agent

__all__ = ["QaEvaluation", "QaForm"]


class QaForm(Base):
    """A score form: sections of weighted questions, some critical; frozen once used."""

    __tablename__ = "qa_forms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    definition: Mapped[dict[str, Any]] = mapped_column(
        doc='{"sections": [{"title", "questions": [{"text", "weight", "critical"}]}]}'
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class QaEvaluation(Base):
    """A supervisor's evaluation of one call with one form, and the agent's answer to it."""

    __tablename__ = "qa_evaluations"
    __table_args__ = (Index("ix_qa_evaluations_agent_call", "agent_id", "call_id", "score"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("calls.id", ondelete="CASCADE"), index=True)
    form_id: Mapped[int] = mapped_column(ForeignKey("qa_forms.id", ondelete="RESTRICT"))
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id", ondelete="SET NULL"))
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    evaluator: Mapped[str] = mapped_column(String(64), doc="username at the time")
    answers: Mapped[list[Any]] = mapped_column(doc="per question, in form order: yes / no / na")
    score: Mapped[float] = mapped_column(doc="weighted percentage, 0 on a critical fail")
    critical_failed: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(
        String(16), default="unanswered", doc="unanswered, acknowledged or disputed"
    )
    agent_comment: Mapped[str | None] = mapped_column(Text)
    responded_at: Mapped[datetime | None]

    call: Mapped[Call] = relationship()
    form: Mapped[QaForm] = relationship()
    agent: Mapped[Agent | None] = relationship()
