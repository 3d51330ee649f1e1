"""Tickets: workflow (``workflow``), SLA clock and escalation (``sla``), the SQL service
(``service``), who may see which ticket (``access``), customers (``customers``), follow-up
callbacks and call links (``models``), the periodic escalation job (``scheduler``), alerts
on Redis (``alerts``) and the ``callcenter tickets`` command (``cli``).

``workflow`` and ``sla`` are pure: no SQL, no Redis; time is passed in.
"""
