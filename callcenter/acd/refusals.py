"""Why an agent's action is refused: a stable code, the values the sentence carries, its text.

The engine tells a refusal to the agent's desktop as ``{"error", "code", "params", "action"}``:
``error`` is the English sentence scripts and logs have always read; the console shows
``code``'s sentence in the user's language with ``params`` put inside it
(console/i18n_refusals.py). Every code here has its Chinese and English text there
(``tests/unit/test_i18n_refusals.py`` enumerates the engine's raise sites).
"""

from __future__ import annotations

from typing import Any

REFUSALS: dict[str, str] = {
    # the agent's state (callcenter/acd/agents.py)
    "unknown_action": "unknown agent action '%(action)s'; use one of: %(actions)s",
    "state_forbids": "agent %(agent)s cannot %(action)s while %(state)s",
    "reason_required": "a not-ready reason is required",
    "extend_not_whole": "extend wrap-up needs whole seconds, not %(seconds)s",
    "extend_range": "extend wrap-up by 1 to %(limit)s seconds, not %(seconds)s",
    "wrap_up_unfinished": "agent %(agent)s cannot finish wrap-up yet: %(why)s",
    # the agents this engine knows (engine/agents)
    "unknown_agent": "no agent '%(agent)s'",
    "agent_deactivated": "agent %(agent)s is deactivated",
    "no_call_here": "agent %(agent)s has no call this engine carries",
    "no_extension": "agent %(agent)s has no extension to ring",
    # transfer, consult, conference (engine/cti)
    "not_cti_action": "agent action '%(action)s' is not a CTI action",
    "in_conference": "agent %(agent)s is in a conference; hang up to leave it first",
    "conference_action": (
        "agent %(agent)s is in a conference: %(action)s is not available there; hang up to leave it"
    ),
    "no_queue": "no queue '%(queue)s'",
    "self_target": "an agent cannot transfer to or consult themselves",
    "target_not_available": "agent %(target)s is not available (%(state)s)",
    "finish_consultation": "finish the consultation first",
    "already_consulting": "agent %(agent)s is already consulting",
    "not_consulting": "agent %(agent)s is not consulting anybody",
    "consultation_ended": "the consultation with %(to)s has ended",
    "consulted_not_answered": (
        "%(to)s has not answered yet; wait for the answer or cancel the consultation"
    ),
    "consulting_first": (
        "agent %(agent)s is consulting; use consult_complete, consult_cancel or conference first"
    ),
    # calls that did not connect (told after the command was accepted)
    "phone_no_answer": "your phone did not answer (%(cause)s)",
    "party_no_answer": "%(number)s did not answer (%(cause)s)",
    # the recording (engine/media/recording_control.py)
    "recording_paused": "the recording is already paused",
    "recording_not_paused": "the recording is not paused",
    "no_recorded_call": "agent %(agent)s has no recorded call on this engine",
    # the switch refused or failed a command
    "switch_error": "the phone system refused the command: %(detail)s",
    # the command's fields (callcenter/agent_actions.py)
    "unknown_command": "unknown action '%(action)s'; use one of: %(actions)s",
    "seconds_not_whole": "seconds must be whole seconds, not %(seconds)s",
    "seconds_range": "seconds must be between 1 and %(limit)s",
    "extend_needs_seconds": 'extend_wrap_up needs whole seconds, e.g. {"seconds": 30}',
    "reason_invalid": (
        "reason must be a string of at most %(limit)s characters without control characters"
    ),
    "reason_not_text": "reason must be a string of at most %(limit)s characters",
    "not_ready_needs_reason": 'not_ready needs a reason, e.g. {"reason": "break"}',
    "ticket_invalid": "ticket must be a ticket number of at most 32 printable characters",
    "ticket_not_text": "ticket must be a ticket number",
    "dial_needs_number": (
        'dial needs a number: it must be 1-32 digits (+, *, #), e.g. {"number": "1390"}'
    ),
    "dtmf_needs_digits": 'dtmf needs digits: 1-64 of 0-9, *, #, A-D, e.g. {"digits": "123#"}',
    "target_shape": "%(action)s needs exactly one target: %(shapes)s",
    "target_not_text": "%(kind)s must be a name or number",
    "number_invalid": "number %(number)s must be 1-32 digits (+, *, # allowed)",
    "name_invalid": (
        "%(kind)s must be an agent id, extension or queue name: 1-64 letters, digits and "
        "_ . @ + - (no spaces, quotes, ${...}, &, | or control characters), not %(value)s"
    ),
}

__all__ = ["REFUSALS", "Refusal"]


class Refusal(Exception):
    """A refused agent action: ``code`` (a key of :data:`REFUSALS`) and the values it names."""

    def __init__(self, code: str, /, **params: object) -> None:
        self.code = code
        self.params = {name: str(value) for name, value in params.items()}
        super().__init__(REFUSALS[code] % self.params)

    def told(self, action: str) -> dict[str, Any]:
        """The message telling the agent: the English sentence, the code and its values."""
        return told(self.code, action, **self.params)


def told(code: str, command: str, /, **params: object) -> dict[str, Any]:
    """The agent-stream message refusing the agent's ``command`` (an action) with ``code``."""
    values = {name: str(value) for name, value in params.items()}
    return {"error": REFUSALS[code] % values, "code": code, "params": values, "action": command}
