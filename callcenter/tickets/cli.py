"""``callcenter tickets``: apply due SLA escalations and publish overdue alerts."""

from __future__ import annotations

import json

import click


@click.group("tickets")
def tickets() -> None:
    """Ticket SLA tools."""


@tickets.command("escalate")
@click.option("--url", default=None, help="Database URL (default: setting database.url).")
@click.option("--no-publish", is_flag=True, help="Do not publish alerts on Redis.")
@click.pass_context
def escalate(ctx: click.Context, url: str | None, no_publish: bool) -> None:
    """Raise due escalation levels (with history) and publish overdue alerts (run from cron)."""
    from callcenter.config import load_settings
    from callcenter.live.errors import LiveError
    from callcenter.store.session import session_scope
    from callcenter.tickets.escalation import escalate_due

    settings = load_settings()
    with session_scope(url or settings.database.url) as session:
        escalations = escalate_due(session, settings.tickets)
    published = 0
    if not no_publish and escalations:
        from callcenter.live.store import LiveStore
        from callcenter.tickets.alerts import publish_alerts

        try:
            with LiveStore.from_settings(settings) as live:
                published = publish_alerts(live, escalations)
        except LiveError as exc:
            raise click.ClickException(
                f"escalations saved, but alerts not published: {exc}"
            ) from None
    for escalation in escalations:
        click.echo(json.dumps(escalation.as_alert(), ensure_ascii=False))
    raised = sum(e.new_level > e.old_level for e in escalations)
    click.echo(f"{raised} escalated, {len(escalations)} alerts, {published} published")
