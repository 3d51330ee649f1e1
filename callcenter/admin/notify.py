"""Tell the engines an admin change was committed: ``config-changed`` on Redis, after commit.

Services note each change on the SQL session (:func:`changed`); a session made by a factory
given to :func:`announce_changes` publishes them once the transaction is committed (nothing
on rollback). A lost notice is caught up by the engine's periodic reload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from callcenter.live.names import CONFIG_CHANGED
from callcenter.logs import get_logger

log = get_logger(__name__)

Publish = Callable[[str, Any], object]
_PENDING = "callcenter.config_changes"
_PUBLISH = "callcenter.config_publish"


def changed(session: Session, kind: str, obj_id: int) -> None:
    """Note that object ``kind``/``obj_id`` changed in this session's transaction."""
    session.info.setdefault(_PENDING, []).append({"kind": kind, "id": int(obj_id)})


def announce_changes(sessions: sessionmaker[Session], publish: Publish) -> None:
    """Sessions of ``sessions`` publish their committed changes with ``publish(channel, data)``
    (e.g. ``LiveStore.publish``)."""
    info = dict(sessions.kw.get("info") or {})
    info[_PUBLISH] = publish
    sessions.configure(info=info)


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, [])
    publish = session.info.get(_PUBLISH)
    if publish is None:
        return
    for change in pending:
        try:
            publish(CONFIG_CHANGED, change)
        except Exception as exc:  # Redis down: the engines' periodic reload picks it up
            log.warning("admin change not announced", error=str(exc), **change)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous_transaction: object) -> None:
    session.info.pop(_PENDING, None)
