"""Settings of how calls reach agents: ring times, outbound dialling, callbacks, miss delays."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from callcenter.settings.base import Section


class RoutingSettings(Section):
    """How calls reach agents until the IVR and ACD issues make this per flow and queue."""

    domain: str = Field("", description="agents' SIP domain (user/<ext>@domain); empty = default")
    ring_timeout: float = Field(15.0, gt=0, le=300)
    max_no_answer: int = Field(3, ge=1, le=100)
    wrap_up_seconds: float = Field(5.0, ge=0, le=3600)
    menu: dict[str, str] = Field(
        default_factory=lambda: {"1": "sales", "2": "support", "3": "complaints"},
        description="unused since IVR flows decide (ivr_flows/); kept so old files still load",
    )
    default_queue: str = Field(
        "support", description="queue for calls whose IVR flow cannot be loaded"
    )
    music: str = "local_stream://moh"
    outbound_caller_id: str = Field(
        "",
        pattern=r"^[0-9+*#]*$",
        description="caller id number customers see on click-to-call (empty: agent's extension)",
    )
    outbound_dial_string: str = Field(
        "user/{number}",
        description="FreeSWITCH dial string for numbers agents dial, transfer or consult to; "
        "{number} is replaced, e.g. sofia/gateway/carrier/{number}",
    )
    outbound_timeout: float = Field(
        30.0, gt=0, le=300, description="ring time for a dialled number"
    )
    queue_reload_seconds: float = Field(
        30.0, ge=1, le=3600,
        description="how often queues and agents are re-read from SQL anyway (an admin's change "
        "is announced on Redis and applied at once; this is the safety net)",
    )  # fmt: skip
    unserved_sweep_seconds: float = Field(
        5.0, ge=0.5, le=300,
        description="how often callers waiting in the hotline's fallback (no engine took "
        "them) are looked for and taken back",
    )  # fmt: skip
    callback_attempts: int = Field(
        3, ge=1, le=10, description="times a queued callback dials the customer"
    )
    callback_retry_seconds: float = Field(
        300.0, ge=1, le=86400, description="wait before dialling an unanswered callback again"
    )
    default_handle_seconds: float = Field(
        180.0, gt=0, le=7200, description="handle time assumed before a queue has any calls"
    )
    # After a missed offer the agent is skipped for a while, by the cause (mod_callcenter's
    # reject-delay-time, busy-delay-time, no-answer-delay-time); their state is unchanged.
    reject_delay_seconds: float = Field(
        10.0, ge=0, le=3600, description="agent declined the offer (CALL_REJECTED): skip them"
    )
    busy_delay_seconds: float = Field(
        60.0, ge=0, le=3600, description="agent's phone was busy (USER_BUSY): skip them"
    )
    unregistered_delay_seconds: float = Field(
        30.0,
        ge=0,
        le=3600,
        description="agent's phone not registered (USER_NOT_REGISTERED, SUBSCRIBER_ABSENT): "
        "skip them (USER_NOT_REGISTERED also makes them not ready)",
    )
    no_answer_delay_seconds: float = Field(
        0.0, ge=0, le=3600, description="agent let it ring (NO_ANSWER and any other cause)"
    )

    def miss_delays(self) -> Any:
        """The delays after a missed offer as :class:`callcenter.acd.agents.MissDelays`."""
        from callcenter.acd.agents import MissDelays  # the domain value the dispatcher takes

        return MissDelays(
            reject=self.reject_delay_seconds,
            busy=self.busy_delay_seconds,
            unregistered=self.unregistered_delay_seconds,
            no_answer=self.no_answer_delay_seconds,
        )

    @field_validator("outbound_dial_string")
    @classmethod
    def _dial_template(cls, value: str) -> str:
        if "{number}" not in value or any(ch.isspace() for ch in value) or "," in value:
            raise ValueError(
                "outbound_dial_string must contain {number} and no spaces or commas, "
                "e.g. sofia/gateway/carrier/{number}"
            )
        try:
            value.format(number="1")
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(f"outbound_dial_string may only use {{number}}: {exc}") from None
        return value

    @field_validator("menu")
    @classmethod
    def _single_digits(cls, value: dict[str, str]) -> dict[str, str]:
        for digit in value:
            if len(digit) != 1 or digit not in "0123456789*#":
                raise ValueError(f"menu key {digit!r} must be one DTMF digit (0-9, * or #)")
        return value
