"""Every model in one namespace; importing this module registers all tables on the metadata."""

from __future__ import annotations

from callcenter.store.base import Base, UTCDateTime, utcnow
from callcenter.store.blacklist import BlacklistEntry
from callcenter.store.calls import Call, CallAgentLeg, CallCorrection, CallEvent, Recording
from callcenter.store.canned import CannedAnswer
from callcenter.store.customers import Customer, CustomerPhone
from callcenter.store.flows import FlowVersion, HotlineNumber, IvrFlow
from callcenter.store.ivr_steps import IvrStep
from callcenter.store.monitoring import MonitorSession
from callcenter.store.quality import QaEvaluation, QaForm
from callcenter.store.routing import (
    Agent,
    AgentQueue,
    AgentSkill,
    AgentStateLog,
    Queue,
    QueueSkill,
    Skill,
)
from callcenter.store.setup import Calendar, NotReadyReason
from callcenter.store.ticket_links import TicketCallback, TicketCallRef
from callcenter.store.tickets import Ticket, TicketCall, TicketComment, TicketHistory
from callcenter.store.transcripts import Transcript, TranscriptSegment
from callcenter.store.users import AuditLog, User
from callcenter.store.wrapups import CallWrapUp

__all__ = [
    "Agent",
    "AgentQueue",
    "AgentSkill",
    "AgentStateLog",
    "AuditLog",
    "Base",
    "BlacklistEntry",
    "Calendar",
    "CannedAnswer",
    "Call",
    "CallAgentLeg",
    "CallCorrection",
    "CallEvent",
    "CallWrapUp",
    "Customer",
    "CustomerPhone",
    "FlowVersion",
    "HotlineNumber",
    "IvrFlow",
    "IvrStep",
    "MonitorSession",
    "NotReadyReason",
    "QaEvaluation",
    "QaForm",
    "Queue",
    "QueueSkill",
    "Recording",
    "Skill",
    "Ticket",
    "TicketCall",
    "TicketCallRef",
    "TicketCallback",
    "TicketComment",
    "TicketHistory",
    "Transcript",
    "TranscriptSegment",
    "UTCDateTime",
    "User",
    "utcnow",
]
