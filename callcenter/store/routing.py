"""Agents, queues, skills, memberships and the agent state log."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from callcenter.store.base import Base, utcnow
from callcenter.store.enums import AgentState, enum_column

if TYPE_CHECKING:
    from callcenter.store.users import User

__all__ = ["Agent", "AgentQueue", "AgentSkill", "AgentStateLog", "Queue", "QueueSkill", "Skill"]


class Agent(Base):
    """A person who takes calls: agent number, SIP endpoint and ring behaviour."""

    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), unique=True
    )
    number: Mapped[str] = mapped_column(String(32), unique=True, doc="agent number, e.g. 1001")
    sip_user: Mapped[str] = mapped_column(
        String(64), unique=True, doc="SIP extension / directory user id the agent registers as"
    )
    sip_a1_hash: Mapped[str | None] = mapped_column(
        String(32), doc="md5 of sip_user:domain:password, FreeSWITCH's a1-hash (never plaintext)"
    )
    display_name: Mapped[str] = mapped_column(String(128))
    max_no_answer: Mapped[int] = mapped_column(
        default=3, doc="unanswered offers in a row before the agent is set not_ready"
    )
    wrap_up_seconds: Mapped[int | None] = mapped_column(doc="None: use the queue's wrap-up time")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User | None] = relationship(back_populates="agent")
    memberships: Mapped[list[AgentQueue]] = relationship(
        back_populates="agent", cascade="all, delete-orphan"
    )
    skills: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"Agent(id={self.id!r}, number={self.number!r}, sip_user={self.sip_user!r})"


class Queue(Base):
    """A call queue: routing strategy, music on hold, limits, overflow and announcements."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    strategy: Mapped[str] = mapped_column(
        String(32), default="longest-idle-agent", doc="routing strategy name, checked by the ACD"
    )
    moh: Mapped[str | None] = mapped_column(String(255), doc="music on hold sound or stream")
    max_wait_seconds: Mapped[int] = mapped_column(default=300)
    service_level_seconds: Mapped[int] = mapped_column(
        default=20, server_default="20", doc="answered within this many seconds: in service level"
    )
    overflow_target: Mapped[str | None] = mapped_column(
        String(128), doc="where callers go after max wait, e.g. 'queue:sales' or 'voicemail:100'"
    )
    wrap_up_seconds: Mapped[int] = mapped_column(default=10)
    wrap_up_codes: Mapped[str | None] = mapped_column(
        Text, doc="disposition codes an agent picks in wrap-up, one per line"
    )
    wrap_up_code_required: Mapped[bool] = mapped_column(
        default=False, doc="a code must be saved before the agent finishes wrap-up"
    )
    announce_position: Mapped[bool] = mapped_column(default=True)
    announce_wait_time: Mapped[bool] = mapped_column(default=False)
    announce_interval_seconds: Mapped[int] = mapped_column(default=60)
    announce_sound: Mapped[str | None] = mapped_column(String(255))
    max_wait_no_agent_seconds: Mapped[int] = mapped_column(
        default=0, doc="leave for the overflow target after this long with no agent signed in"
    )
    exit_key: Mapped[str | None] = mapped_column(
        String(1), doc="key that takes a waiting caller to the overflow target"
    )
    callback_key: Mapped[str | None] = mapped_column(
        String(1), doc="key that turns a waiting caller into a queued callback"
    )
    widening: Mapped[str | None] = mapped_column(
        String(255), doc="skill widening steps 'after seconds:minimum', comma separated"
    )
    tier_wait_seconds: Mapped[int] = mapped_column(
        default=0, doc="0: every tier level at once; else level L opens after (L-1)*this"
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[AgentQueue]] = relationship(
        back_populates="queue", cascade="all, delete-orphan"
    )
    required_skills: Mapped[list[QueueSkill]] = relationship(
        back_populates="queue", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"Queue(id={self.id!r}, name={self.name!r}, strategy={self.strategy!r})"


class Skill(Base):
    """A named skill (language, product line) agents have and queues ask for."""

    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)


class AgentQueue(Base):
    """An agent's membership of a queue; lower level and position are tried first."""

    __tablename__ = "agent_queues"

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    queue_id: Mapped[int] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    level: Mapped[int] = mapped_column(default=1)
    position: Mapped[int] = mapped_column(default=1)

    agent: Mapped[Agent] = relationship(back_populates="memberships")
    queue: Mapped[Queue] = relationship(back_populates="members")


class AgentSkill(Base):
    """A skill an agent has, with proficiency 1 (basic) to 10 (expert)."""

    __tablename__ = "agent_skills"
    __table_args__ = (CheckConstraint("proficiency BETWEEN 1 AND 10", name="proficiency"),)

    agent_id: Mapped[int] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    proficiency: Mapped[int] = mapped_column(default=5)

    agent: Mapped[Agent] = relationship(back_populates="skills")
    skill: Mapped[Skill] = relationship()


class QueueSkill(Base):
    """A skill a queue asks for, with the least proficiency an agent needs."""

    __tablename__ = "queue_skills"
    __table_args__ = (CheckConstraint("min_proficiency BETWEEN 1 AND 10", name="min_proficiency"),)

    queue_id: Mapped[int] = mapped_column(
        ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    min_proficiency: Mapped[int] = mapped_column(default=1)

    queue: Mapped[Queue] = relationship(back_populates="required_skills")
    skill: Mapped[Skill] = relationship()


class AgentStateLog(Base):
    """One stretch of time an agent spent in one state (``until`` is None while it lasts)."""

    __tablename__ = "agent_state_log"
    __table_args__ = (
        Index("ix_agent_state_log_agent_since", "agent_id", "since"),
        Index(  # covers the agent report (0015)
            "ix_agent_state_log_since_agent", "since", "agent_id", "state", "reason", "until"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id", ondelete="CASCADE"))
    state: Mapped[AgentState] = mapped_column(enum_column(AgentState))
    reason: Mapped[str | None] = mapped_column(String(64), doc="not_ready reason")
    since: Mapped[datetime] = mapped_column(index=True)
    until: Mapped[datetime | None]

    agent: Mapped[Agent] = relationship()
