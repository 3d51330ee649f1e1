"""The events a caller's outbound session subscribes to: only those the engine reads.

``myevents`` alone sends every CHANNEL_* event and DTMF of the caller's channel, each with the
whole channel (some 150 headers, 6-10 kB in S02/S05a); most are never read. The outbound server
narrows the subscription to these with ``filter Event-Name`` (see the simulator's conformance
notes), which at thousands of calls is most of the engine's reading and parsing work.
"""

from __future__ import annotations

__all__ = ["AFTER_HANGUP_HEADERS", "SESSION_EVENTS"]

SESSION_EVENTS: tuple[str, ...] = (
    "CHANNEL_EXECUTE_COMPLETE",  # every app's end (switch/session.py Execution, ivr_io record)
    "CHANNEL_HANGUP",  # the caller is gone: wakes every waiter (switch/session.py)
    "CHANNEL_HANGUP_COMPLETE",  # cause and who hung up (calls/handler.py _ended)
    "CHANNEL_PARK",  # the survey's transfer parked the caller (calls/post_call.py)
    "DTMF",  # ways out of the queue by key (routing/queue_wait.py)
)

AFTER_HANGUP_HEADERS: tuple[str, ...] = (
    "Event-Name",
    "Unique-ID",
    "Hangup-Cause",  # calls/handler.py _ended
    "variable_sip_hangup_disposition",  # who hung up (Event.far_end_hung_up)
    "variable_sip_term_status",  # ... as CHANNEL_HANGUP says it (no HANGUP_COMPLETE in time)
    "Application",
    "Application-UUID",  # an app that completed around the hang-up (switch/session.py)
    "Application-Response",
    "variable_record_ms",  # a voicemail recorded up to the hang-up (calls/ivr_io.py)
)
"""What the engine reads of a caller's events once the caller is gone: the rest of each
(the whole channel) is not kept while thousands of ending calls wait for their handlers."""
