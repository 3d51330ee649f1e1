"""Tickets: workflow (``workflow``), SLA clock and escalation (``sla``), the SQL service
(``service``), customers (``customers``), follow-up callbacks and call links (``models``),
and the ``callcenter tickets`` command (``cli``).

``workflow`` and ``sla`` are pure: no SQL, no Redis; time is passed in.
"""
