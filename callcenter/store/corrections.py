"""Admin corrections of call records: each one a new ``call_corrections`` row, never an update.

The call row keeps what the engine recorded. The *effective* value of a corrected field is the
newest correction's value; reports, the call page and the exports show that, and the history
(old value, new value, who, why, when) stays next to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from callcenter.store.calls import Call, CallCorrection
from callcenter.store.enums import Disposition
from callcenter.store.repositories import audit
from callcenter.store.users import User

__all__ = [
    "CORRECTABLE",
    "CorrectionError",
    "correct_call",
    "corrected_fields",
    "correction_dict",
    "effective_values",
]

MAX_REASON = 2000
MAX_NOTE = 2000


class CorrectionError(ValueError):
    """A correction that cannot be made; the message says what to fix."""


def _disposition(value: Any) -> str | None:
    allowed = [d.value for d in Disposition]
    if not isinstance(value, str) or value not in allowed:
        raise CorrectionError(f"disposition must be one of {', '.join(allowed)}")
    return value


def _score(value: Any) -> str | None:
    if value is None or value == "":
        return None  # the caller gave no (valid) rating
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit() or not 1 <= int(text) <= 5:
        raise CorrectionError("survey_score must be a whole number from 1 to 5, or null")
    return str(int(text))


def _hangup_by(value: Any) -> str | None:
    if value not in ("caller", "agent", "system"):
        raise CorrectionError("hangup_by must be one of caller, agent, system")
    return str(value)


def _text(name: str, limit: int) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str):
            raise CorrectionError(f"{name} must be text")
        text = value.strip()
        if len(text) > limit:
            raise CorrectionError(f"{name} must be at most {limit} characters")
        return text or None

    return parse


@dataclass(frozen=True)
class Correctable:
    """How a field's correction is checked (to its stored text) and read back."""

    parse: Callable[[Any], str | None]
    load: Callable[[str | None], Any] = lambda text: text
    column: str | None = None  # the calls column holding the engine's value (None: none)


CORRECTABLE: dict[str, Correctable] = {
    "disposition": Correctable(_disposition, column="disposition"),
    "survey_score": Correctable(
        _score, lambda text: int(text) if text is not None else None, column="survey_score"
    ),
    "hangup_by": Correctable(_hangup_by, column="hangup_by"),
    "caller_name": Correctable(_text("caller_name", 128), column="caller_name"),
    "note": Correctable(_text("note", MAX_NOTE)),  # an admin's remark; no engine value
}
"""Fields an admin may correct. Times and durations come from the switch and are not among
them: a wrong duration is a bug to fix, not a value to type in."""


def _original(call: Call, field: str) -> Any:
    column = CORRECTABLE[field].column
    value = getattr(call, column) if column else None
    return str(value) if field == "disposition" and value is not None else value


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


def effective_values(call: Call) -> dict[str, Any]:
    """Every correctable field's current value: the newest correction's, else the call's."""
    values = {field: _original(call, field) for field in CORRECTABLE}
    for correction in sorted(call.corrections, key=lambda c: c.id):
        if correction.field in CORRECTABLE:
            values[correction.field] = CORRECTABLE[correction.field].load(correction.new_value)
    return values


def corrected_fields(call: Call) -> list[str]:
    """Names of the fields with at least one correction, in the order first corrected."""
    return list(dict.fromkeys(c.field for c in sorted(call.corrections, key=lambda c: c.id)))


def correction_dict(correction: CallCorrection) -> dict[str, Any]:
    """One correction as JSON values."""
    return {
        "id": correction.id,
        "field": correction.field,
        "old_value": correction.old_value,
        "new_value": correction.new_value,
        "reason": correction.reason,
        "actor": correction.actor,
        "at": correction.created_at.isoformat() if correction.created_at else None,
    }


def correct_call(
    session: Session, call: Call, field: Any, value: Any, reason: Any, user: User
) -> CallCorrection:
    """Add a correction of ``field`` to ``value`` (the call row is left as it is).

    :class:`CorrectionError` when the field may not be corrected, the value is not valid for
    it, the reason is missing, or the value is already the effective one.
    """
    if not isinstance(field, str) or field not in CORRECTABLE:
        raise CorrectionError(
            f"field {field!r} cannot be corrected; allowed: {', '.join(CORRECTABLE)}"
        )
    if not isinstance(reason, str) or not reason.strip():
        raise CorrectionError("a reason is required: say why the record is corrected")
    if len(reason.strip()) > MAX_REASON:
        raise CorrectionError(f"reason must be at most {MAX_REASON} characters")
    new = CORRECTABLE[field].parse(value)
    old = _as_text(effective_values(call)[field])
    if new == old:
        raise CorrectionError(f"{field} is already {old!r}; nothing to correct")
    correction = CallCorrection(
        call_id=call.id,
        field=field,
        old_value=old,
        new_value=new,
        reason=reason.strip(),
        user_id=user.id,
        actor=user.username,
    )
    session.add(correction)
    call.corrections.append(correction)
    session.flush()
    audit(
        session,
        "call.corrected",
        user=user,
        object_type="call",
        object_id=call.uuid,
        detail={"field": field, "old_value": old, "new_value": new, "correction": correction.id},
    )
    return correction
