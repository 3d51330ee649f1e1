"""Every voicemail becomes a ticket: the IVR's voicemail node and a queue's voicemail overflow.

A bus consumer opens the ticket off the call's greenlet: subject "Voicemail from <caller>",
the caller's customer when the number is known, category and department from the mailbox when
it names one (else the first category, no department: the shared pool every agent sees), the
message's path and length in the description, and the call linked by uuid (the link becomes a
``ticket_calls`` row once the call record is written). A database outage loses no message: the
file stays on disk and the ``voicemail_recorded`` event stays on the call's record.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import gevent
from sqlalchemy.orm import Session, sessionmaker

from callcenter.config import TicketSettings
from callcenter.engine.bus import Bus, CallArrived, CallEnded, VoicemailRecorded
from callcenter.logs import get_logger
from callcenter.tickets.service import create_ticket

log = get_logger(__name__)

RETRY_DELAYS = (1.0, 5.0, 30.0, 120.0, 0.0)  # seconds after each failed attempt


class VoicemailTickets:
    """Bus consumer that opens a ticket for each voicemail left."""

    def __init__(
        self,
        bus: Bus,
        sessions: sessionmaker[Session],
        settings: TicketSettings,
        customer_for: Callable[[str], dict[str, Any] | None],
    ) -> None:
        self.sessions = sessions
        self.settings = settings
        self.customer_for = customer_for
        self._callers: dict[str, str] = {}  # call uuid -> caller number, while the call lasts
        self.opened: list[str] = []  # ticket numbers, newest last (for logs and tests)
        bus.subscribe(CallArrived, self._arrived)
        bus.subscribe(CallEnded, self._ended)
        bus.subscribe(VoicemailRecorded, self._voicemail)

    def _arrived(self, event: CallArrived) -> None:
        self._callers[event.call_uuid] = event.caller_number

    def _ended(self, event: CallEnded) -> None:
        self._callers.pop(event.call_uuid, None)

    def _voicemail(self, event: VoicemailRecorded) -> None:
        caller = self._callers.get(event.call_uuid, "")
        gevent.spawn(self._open_with_retries, event, caller)

    def _open_with_retries(self, event: VoicemailRecorded, caller: str) -> None:
        # A busy SQLite file or a database blip must not lose the ticket: try a few times.
        for delay in RETRY_DELAYS:
            if self.open_ticket(event, caller):
                return
            gevent.sleep(delay)
        log.error("voicemail ticket given up", call_uuid=event.call_uuid, path=event.path)

    def open_ticket(self, event: VoicemailRecorded, caller: str) -> str:
        """Open the ticket for one message; its number ('' if the database refused)."""
        mailbox = event.mailbox or ""
        category = mailbox if mailbox in self.settings.categories else None
        department = mailbox if mailbox in self.settings.departments else None
        seconds = event.milliseconds / 1000
        description = f"Voicemail ({seconds:.0f} s) in mailbox {mailbox or '-'}: {event.path}"
        try:
            customer = self.customer_for(caller) if caller else None
            with self.sessions.begin() as session:
                ticket = create_ticket(
                    session,
                    self.settings,
                    subject=f"Voicemail from {caller or 'unknown caller'}",
                    customer_id=customer["id"] if customer else None,
                    category=category or self.settings.categories[0],
                    description=description,
                    department=department,
                    call={"call_uuid": event.call_uuid, "caller_number": caller},
                )
                number = ticket.number
        except Exception as exc:  # database down: the message and its event are kept
            log.error(
                "voicemail ticket not opened", call_uuid=event.call_uuid, path=event.path,
                error=str(exc),
            )  # fmt: skip
            return ""
        self.opened.append(number)
        log.info("voicemail ticket opened", call_uuid=event.call_uuid, ticket=number)
        return number
