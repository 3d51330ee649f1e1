"""An admin change, once committed, is announced on Redis's ``config-changed`` channel (what
the engines follow to reload at once); a change rolled back or refused is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from callcenter.admin import SERVICES
from callcenter.admin.errors import Invalid
from callcenter.admin.notify import announce_changes
from callcenter.config import load_settings
from callcenter.live.messages import Subscription
from callcenter.live.names import CONFIG_CHANGED
from callcenter.live.store import LiveStore
from callcenter.store.repositories import create_user
from callcenter.store.session import session_factory, session_scope
from console import create_app
from tests.support.console import signed_in_client

QUEUE = {"name": "vip", "strategy": "longest-idle-agent"}


@pytest.fixture
def sessions(db_engine: Engine, live: LiveStore) -> sessionmaker[Session]:
    made = session_factory(db_engine)
    announce_changes(made, live.publish)
    return made


@pytest.fixture
def notices(live: LiveStore) -> Iterator[Subscription]:
    with live.subscribe(CONFIG_CHANGED) as subscription:
        yield subscription


def test_a_committed_change_is_announced_with_its_kind_and_id(
    sessions: sessionmaker[Session], notices: Subscription
) -> None:
    with sessions() as session:
        queue_id = SERVICES["queues"].create(session, QUEUE, None)
        assert notices.get(timeout=0.3) is None  # not before the commit
        session.commit()
    assert notices.get(timeout=5).data == {"kind": "queues", "id": queue_id}
    with sessions() as session:
        SERVICES["queues"].update(session, queue_id, {"wrap_up_seconds": 7}, None)
        session.commit()
        SERVICES["queues"].deactivate(session, queue_id, None)
        session.commit()
    assert notices.get(timeout=5).data == {"kind": "queues", "id": queue_id}
    assert notices.get(timeout=5).data == {"kind": "queues", "id": queue_id}


def test_a_change_rolled_back_or_refused_is_not_announced(
    sessions: sessionmaker[Session], notices: Subscription
) -> None:
    with sessions() as session:
        SERVICES["queues"].create(session, QUEUE, None)
        session.rollback()
        with pytest.raises(Invalid):
            SERVICES["queues"].create(session, {"name": ""}, None)
        session.commit()
    assert notices.get(timeout=0.5) is None


def admin(db_url: str, redis_url: str, redis_prefix: str) -> tuple[FlaskClient, dict[str, str]]:
    with session_scope(db_url) as session:
        create_user(session, "boss", "admin-pass-123", "admin", language="en")
    settings = load_settings(
        database={"url": db_url}, redis={"url": redis_url, "prefix": redis_prefix}
    )
    return signed_in_client(create_app(settings, TESTING=True), "boss", "admin-pass-123")


def test_the_json_api_announces_what_it_changed(
    db_url: str, redis_url: str, redis_prefix: str, notices: Subscription
) -> None:
    client, headers = admin(db_url, redis_url, redis_prefix)
    answer = client.post("/api/admin/skills", json={"name": "english"}, headers=headers)
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert notices.get(timeout=5).data == {"kind": "skills", "id": answer.get_json()["id"]}
