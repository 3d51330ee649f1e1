"""Settings of tickets: categories, departments, SLA rules and escalation."""

from __future__ import annotations

from pydantic import Field, field_validator

from callcenter.settings.base import Section


class SlaRuleSettings(Section):
    """One SLA rule: tickets of ``category`` and ``priority`` ("*" = any); first match wins."""

    category: str = "*"
    priority: str = "*"
    response_minutes: float = Field(240, gt=0, description="first response due after")
    resolve_hours: float = Field(24, gt=0, description="resolution due after")
    escalate_after_minutes: list[float] = Field(
        default_factory=list,
        description="untouched for this long -> escalation level 1, 2, ... (ascending)",
    )

    @field_validator("escalate_after_minutes")
    @classmethod
    def _ascending(cls, value: list[float]) -> list[float]:
        if any(b <= a for a, b in zip(value, value[1:], strict=False)) or any(
            v <= 0 for v in value
        ):
            raise ValueError("escalation times must be positive and ascending, e.g. [30, 60]")
        return value


def _default_sla() -> list[SlaRuleSettings]:
    return [
        SlaRuleSettings(
            category="complaint",
            response_minutes=30,
            resolve_hours=24,
            escalate_after_minutes=[30, 60],
        ),
        SlaRuleSettings(
            category="repair",
            response_minutes=120,
            resolve_hours=48,
            escalate_after_minutes=[240, 480],
        ),
        SlaRuleSettings(
            priority="urgent",
            response_minutes=15,
            resolve_hours=8,
            escalate_after_minutes=[15, 60],
        ),
        SlaRuleSettings(response_minutes=240, resolve_hours=24, escalate_after_minutes=[480]),
    ]


class TicketSettings(Section):
    """Ticket categories, departments, SLA rules and escalation targets."""

    categories: list[str] = Field(
        default_factory=lambda: ["inquiry", "complaint", "repair", "suggestion"], min_length=1
    )
    departments: list[str] = Field(
        default_factory=lambda: ["customer_service", "technical", "billing"]
    )
    escalation_targets: list[str] = Field(
        default_factory=lambda: ["team supervisor", "manager"],
        description="who escalation level 1, 2, ... goes to",
    )
    sla: list[SlaRuleSettings] = Field(default_factory=_default_sla, min_length=1)
    number_prefix: str = Field("T", pattern=r"^[A-Za-z]{0,8}$")
    escalate_interval_seconds: float = Field(
        60.0,
        ge=0,
        description="how often the console process applies SLA escalations and sends "
        "overdue alerts to the desktops (0: never; then run 'callcenter tickets escalate')",
    )
