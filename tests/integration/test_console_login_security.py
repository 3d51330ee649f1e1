"""Sign-in against a hostile client: redirects stay on this site, failed sign-ins lock out
(per user name and per address) until the lock expires or an admin lifts it, and unknown
user names cost the same password hash as known ones. Real SQLite and Redis."""

from __future__ import annotations

import logging
import re
import time

import pytest
from flask import Flask

from callcenter.store import passwords
from callcenter.store.session import session_scope
from callcenter.store.users import User
from tests.support.login import (
    PASSWORD,
    audit_rows,
    client_at,
    csrf_token,
    make_app,
    sign_in,
    signed_in,
    user_row,
)
from tests.support.redirects import stays_on_site


@pytest.fixture
def app(db_url: str, redis_url: str, redis_prefix: str) -> Flask:
    return make_app(db_url, redis_url, redis_prefix)


# -- where sign-in sends the user ------------------------------------------------------------

HOSTILE_NEXT = [
    "//evil.com",
    "/\tevil.com",
    "/\t/evil.com",
    "/\r\n/evil.com",
    "/\\evil.com",
    "\\\\evil.com",
    "https://evil.com",
    "javascript:alert(1)",
    "/%2F%2Fevil.com",
    "/%5C%5Cevil.com",
    "/ /evil.com",
    "\uff0f\uff0fevil.com",  # fullwidth solidus
    "/\uff0f\uff0fevil.com",
    "/\u2215\u2215evil.com",  # division slash
    "/\u3002evil.com",
    "/\u2028/evil.com",
    "/" + "a" * 20000,
    "/\x00/evil.com",
    "\x00",
    "/%00",
    "/%ff%fe",
]


@pytest.mark.parametrize("target", HOSTILE_NEXT, ids=lambda v: repr(v[:24]))
def test_hostile_next_after_sign_in_stays_on_this_site(app: Flask, target: str) -> None:
    client = client_at(app)
    response = sign_in(client, "sup", next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert stays_on_site(location), location
    assert client.get("/supervisor/").status_code == 200  # signed in, no 500 after the session


@pytest.mark.parametrize(
    "raw_query", [b"next=/tickets/%ED%B3%BF", b"next=%FF%FE//evil.com", b"next=/%C0%AF/evil.com"]
)
def test_undecodable_next_bytes_stay_on_this_site(app: Flask, raw_query: bytes) -> None:
    client = client_at(app)
    token = csrf_token(client)
    response = client.post(
        "/login?" + raw_query.decode("ascii"),
        data={"username": "sup", "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302 and stays_on_site(response.headers["Location"])


def test_a_plain_next_path_is_kept(app: Flask) -> None:
    response = sign_in(client_at(app), "sup", next="/tickets/3?x=1")
    assert response.status_code == 302 and response.headers["Location"] == "/tickets/3?x=1"


def test_a_page_that_needs_sign_in_comes_back_after_it(app: Flask) -> None:
    client = client_at(app)
    to_login = client.get("/recordings/")
    assert to_login.status_code == 302 and "/login?next=" in to_login.headers["Location"]
    token = csrf_token(client, to_login.headers["Location"])
    response = client.post(
        to_login.headers["Location"],
        data={"username": "sup", "password": PASSWORD, "csrf_token": token},
    )
    assert response.headers["Location"] == "/recordings/"


# -- lockout ---------------------------------------------------------------------------------


def test_thirty_wrong_passwords_lock_the_name_and_the_right_one_is_then_refused(
    app: Flask,
) -> None:
    client = client_at(app, "10.0.0.1")
    codes = [sign_in(client, "sup", f"guess-{i}").status_code for i in range(30)]
    assert codes == [401] * 5 + [429] * 25  # the 5th failure locks (login.max_failures_per_user)
    refused = sign_in(client, "sup")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Too many failed sign-ins" in page and "ask an administrator" in page
    assert int(refused.headers["Retry-After"]) == 15 * 60
    assert client.get("/supervisor/").status_code == 302  # not signed in
    # the name is locked whatever address tries it; other names still sign in
    assert sign_in(client_at(app, "10.0.0.9"), "sup").status_code == 429
    assert sign_in(client_at(app, "10.0.0.1"), "agent7").status_code == 302


def test_locked_and_unknown_names_get_the_same_answer(app: Flask) -> None:
    client = client_at(app, "10.0.0.1")
    for name in ("sup", "nobody"):
        for _ in range(5):
            sign_in(client, name, "wrong-password")
    answers = [sign_in(client, name, "wrong-password") for name in ("sup", "nobody")]
    assert [a.status_code for a in answers] == [429, 429]
    bodies = [re.sub(r'(value|content)="[^"]*"', "", a.get_data(as_text=True)) for a in answers]
    assert bodies[0] == bodies[1]


def test_failures_over_many_names_lock_the_address_and_not_others(app: Flask) -> None:
    attacker = client_at(app, "10.0.0.66")
    codes = [sign_in(attacker, f"user{i}", "wrong-password").status_code for i in range(20)]
    assert codes == [401] * 20  # one try per name: no name reaches its limit
    assert sign_in(attacker, "sup").status_code == 429  # login.max_failures_per_address
    assert sign_in(client_at(app, "10.0.0.67"), "sup").status_code == 302


def test_forwarded_for_is_ignored_without_a_proxy(app: Flask) -> None:
    attacker = client_at(app, "10.0.0.66")
    for i in range(20):
        attacker.environ_base["HTTP_X_FORWARDED_FOR"] = f"198.51.100.{i}"
        sign_in(attacker, f"user{i}", "wrong-password")
    assert sign_in(attacker, "sup").status_code == 429  # a made-up header changes nothing


def test_behind_a_proxy_each_forwarded_client_counts_on_its_own(
    db_url: str, redis_url: str, redis_prefix: str
) -> None:
    app = make_app(db_url, redis_url, redis_prefix, console={"proxy_hops": 1})
    attacker, colleague = client_at(app, "127.0.0.1"), client_at(app, "127.0.0.1")
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.9"
    colleague.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.10"
    for i in range(20):
        sign_in(attacker, f"user{i}", "wrong-password")
    assert sign_in(attacker, "sup").status_code == 429
    assert sign_in(colleague, "sup").status_code == 302  # the proxy's own address is not locked


def test_a_lock_expires(db_url: str, redis_url: str, redis_prefix: str) -> None:
    app = make_app(db_url, redis_url, redis_prefix, lockout_minutes=1 / 60)  # one second
    client = client_at(app, "10.0.0.1")
    for _ in range(5):
        sign_in(client, "sup", "wrong-password")
    assert sign_in(client, "sup").status_code == 429
    time.sleep(1.6)
    assert sign_in(client, "sup").status_code == 302


def test_good_sign_in_forgets_earlier_failures(app: Flask) -> None:
    client = client_at(app, "10.0.0.1")
    for _ in range(4):
        assert sign_in(client, "sup", "wrong-password").status_code == 401
    assert sign_in(client, "sup").status_code == 302
    other = client_at(app, "10.0.0.1")
    for _ in range(4):
        assert sign_in(other, "sup", "wrong-password").status_code == 401
    assert sign_in(other, "sup").status_code == 302


def _lock_out(app: Flask, address: str, name: str = "sup") -> None:
    client = client_at(app, address)
    for _ in range(5):
        sign_in(client, name, "wrong-password")
    assert sign_in(client, name).status_code == 429


def test_admin_lifts_a_lockout_and_it_is_audited(app: Flask, db_url: str) -> None:
    _lock_out(app, "10.0.0.1")
    sup_id = user_row(db_url, "sup").id
    admin = signed_in(app, "boss", "10.0.0.2")
    page = admin.get(f"/admin/users/{sup_id}").get_data(as_text=True)
    assert 'data-testid="lockout"' in page and 'data-testid="unlock"' in page
    token = csrf_token(admin, f"/admin/users/{sup_id}")
    assert admin.post(f"/admin/users/{sup_id}/unlock").status_code == 400  # no CSRF token
    assert sign_in(client_at(app, "10.0.0.1"), "sup").status_code == 429
    lifted = admin.post(f"/admin/users/{sup_id}/unlock", data={"csrf_token": token})
    assert lifted.status_code == 302
    assert 'data-testid="lockout"' not in admin.get(f"/admin/users/{sup_id}").get_data(as_text=True)
    assert sign_in(client_at(app, "10.0.0.1"), "sup").status_code == 302
    assert audit_rows(db_url, "user.unlock") == [
        ("boss", str(sup_id), {"username": "sup", "addresses": ["10.0.0.1"]})
    ]


def test_lifting_a_name_also_lifts_the_addresses_that_failed_with_it(
    app: Flask, db_url: str
) -> None:
    attacker = client_at(app, "10.0.0.66")
    for i in range(19):
        sign_in(attacker, f"user{i}", "wrong-password")
    sign_in(attacker, "sup", "wrong-password")
    assert sign_in(attacker, "agent7").status_code == 429  # the address is locked
    admin = signed_in(app, "boss", "10.0.0.2")
    sup_id = user_row(db_url, "sup").id
    token = csrf_token(admin, f"/admin/users/{sup_id}")
    assert (
        admin.post(f"/admin/users/{sup_id}/unlock", data={"csrf_token": token}).status_code == 302
    )
    assert sign_in(client_at(app, "10.0.0.66"), "agent7").status_code == 302


@pytest.mark.parametrize(("who", "locked"), [("agent7", "sup"), ("sup", "agent7")])
def test_only_admins_may_lift_a_lockout(app: Flask, db_url: str, who: str, locked: str) -> None:
    _lock_out(app, "10.0.0.1", locked)
    locked_id = user_row(db_url, locked).id
    caller = signed_in(app, who, "10.0.0.3")
    token = csrf_token(caller, "/tickets/")
    response = caller.post(f"/admin/users/{locked_id}/unlock", data={"csrf_token": token})
    assert response.status_code == 403
    assert sign_in(client_at(app, "10.0.0.1"), locked).status_code == 429
    assert audit_rows(db_url, "user.unlock") == []


def test_unlocking_an_unknown_user_is_404(app: Flask) -> None:
    admin = signed_in(app, "boss")
    token = csrf_token(admin, "/admin/users/")
    assert admin.post("/admin/users/999/unlock", data={"csrf_token": token}).status_code == 404


def test_sign_in_still_works_when_redis_is_down(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(db_url, "redis://127.0.0.1:1/0", "down")  # nothing listens on port 1
    caplog.set_level(logging.ERROR, logger="console.throttle")
    assert sign_in(client_at(app), "sup", "wrong-password").status_code == 401
    assert sign_in(client_at(app), "sup").status_code == 302
    assert "login throttle: cannot read lockouts from Redis" in caplog.text
    assert "login throttle: cannot count a failed sign-in in Redis" in caplog.text


def test_lifting_a_lockout_while_redis_is_down_says_so(db_url: str) -> None:
    app = make_app(db_url, "redis://127.0.0.1:1/0", "down")  # nothing listens on port 1
    admin = signed_in(app, "boss")
    sup_id = user_row(db_url, "sup").id
    token = csrf_token(admin, "/admin/users/")
    answer = admin.post(f"/admin/users/{sup_id}/unlock", data={"csrf_token": token})
    assert answer.status_code == 503
    assert "Redis is unreachable" in answer.get_data(as_text=True)
    assert audit_rows(db_url, "user.unlock") == []


# -- unknown user names ----------------------------------------------------------------------


def test_unknown_and_inactive_names_cost_the_same_hash_as_known_ones(
    app: Flask, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    checked: list[str] = []
    real_check = passwords.check_password_hash

    def spy(stored: str, password: str) -> bool:
        checked.append(stored.split("$", 1)[0])  # method and cost, e.g. scrypt:32768:8:1
        return real_check(stored, password)

    monkeypatch.setattr(passwords, "check_password_hash", spy)
    method = user_row(db_url, "sup").password_hash.split("$", 1)[0]
    with session_scope(db_url) as session:
        session.query(User).filter_by(username="agent7").update({"active": False})
    client = client_at(app)
    answers = [sign_in(client, name, "wrong-password") for name in ("sup", "nobody", "agent7")]
    assert [a.status_code for a in answers] == [401, 401, 401]
    assert checked == [method, method, method]
    bodies = {re.sub(r'(value|content)="[^"]*"', "", a.get_data(as_text=True)) for a in answers}
    assert len(bodies) == 1
