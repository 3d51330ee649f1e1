"""Tickets: workflow (``workflow``), SLA clock (``sla``), the SQL service (``service``: create,
act, assign, comment), call links (``call_links``), follow-up callbacks (``callbacks``),
search (``search``), SLA escalation (``escalation``), who may see which ticket (``access``),
customers (``customers``), the callback and call-link tables (``models``), calls dialled from
a ticket (``dial_links``), the periodic escalation job (``scheduler``), alerts on Redis
(``alerts``) and the ``callcenter tickets`` command (``cli``); ``common`` holds the helpers
the SQL modules share.

``workflow`` and ``sla`` are pure: no SQL, no Redis; time is passed in.
"""
