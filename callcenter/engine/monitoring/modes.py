"""The monitoring modes as eavesdrop sees them: start variables and the mode key.

S11: the whisper variables ride on the originate (``eavesdrop_whisper_aleg`` /
``eavesdrop_whisper_bleg``; the capture's whisper used ``bleg=true``: the target is the caller,
so the b-leg is the agent), and a key reaches eavesdrop only through ``uuid_recv_dtmf`` on
the supervisor's leg. Eavesdrop's keys (switch_ivr_eavesdrop_session): 0 neither, 1 a-leg
only, 2 b-leg only, 3 both. Who hears whom was not captured (S11 notes it).
"""

from __future__ import annotations

from callcenter.switch import commands

WHISPER_LEGS: dict[str, tuple[bool, bool]] = {
    "listen": (False, False),
    "whisper": (False, True),  # the agent (b-leg of the caller's bridge) hears the supervisor
    "barge": (True, True),  # both hear the supervisor
}
"""Mode -> (whisper to the a-leg, whisper to the b-leg)."""

MODE_KEYS = {"listen": "0", "whisper": "2", "barge": "3"}
"""Mode -> the eavesdrop key that sets the same flags on a running leg."""


def start_variables(mode: str) -> dict[str, str]:
    """Channel variables of the supervisor's leg for ``mode`` (keys on, to switch later)."""
    aleg, bleg = WHISPER_LEGS[mode]
    return commands.eavesdrop_variables(whisper_aleg=aleg, whisper_bleg=bleg, enable_dtmf=True)


def mode_key(mode: str) -> str:
    """The key to inject into the supervisor's leg to switch to ``mode``."""
    return MODE_KEYS[mode]
