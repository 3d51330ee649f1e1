"""Console recordings: Range streaming, who may listen, audit rows, list page and export."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from callcenter.store import models
from callcenter.store.session import session_scope
from tests.support.recordings_console import (  # noqa: F401 - fixtures
    DAY1,
    DAY2,
    PASSWORD,
    app,
    ids,
    root,
    signed_in,
)


def audit_rows(db_url: str) -> list[tuple[str, str, str | None]]:
    with session_scope(db_url) as session:
        rows = session.scalars(
            select(models.AuditLog)
            .where(models.AuditLog.action != "login")
            .order_by(models.AuditLog.id)
        )
        return [(r.actor, r.action, r.object_id) for r in rows]


def test_range_requests_return_the_exact_bytes(app: Flask, ids: dict[str, int], root: Path) -> None:
    data = (root / "2026/03/02/c1.wav").read_bytes()
    client = signed_in(app, "sup")
    url = f"/recordings/{ids['rec']}/audio"

    full = client.get(url)
    assert full.status_code == 200 and full.data == data
    assert full.headers["Accept-Ranges"] == "bytes" and full.mimetype == "audio/wav"

    part = client.get(url, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.data == data[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    assert part.headers["Content-Length"] == "100"

    tail = client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206 and tail.data == data[-50:]
    rest = client.get(url, headers={"Range": f"bytes={len(data) - 10}-"})
    assert rest.status_code == 206 and rest.data == data[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={len(data) + 5}-"})
    assert beyond.status_code == 416


def test_only_supervisors_admins_and_the_agent_of_the_call_may_listen(
    app: Flask, ids: dict[str, int], db_url: str
) -> None:
    url = f"/recordings/{ids['rec']}/audio"
    assert signed_in(app, "agent1007").get(url).status_code == 200
    assert signed_in(app, "agent1008").get(url).status_code == 403
    assert signed_in(app, "boss").get(url, headers={"Range": "bytes=0-9"}).status_code == 206
    download = signed_in(app, "sup").get(url + "?download=1")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment; filename=c1.wav")
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]

    rec = str(ids["rec"])
    assert audit_rows(db_url) == [
        ("agent1007", "recording.listen", rec),
        ("agent1008", "recording.listen_denied", rec),
        ("boss", "recording.listen", rec),
        ("sup", "recording.download", rec),
    ]
    with session_scope(db_url) as session:
        entry = session.scalar(
            select(models.AuditLog).where(
                models.AuditLog.actor == "boss", models.AuditLog.action == "recording.listen"
            )
        )
        assert entry.detail["range"] == "bytes=0-9" and entry.user_id is not None
        assert entry.ts.tzinfo is not None


def test_an_agent_who_transferred_the_call_may_still_listen(
    app: Flask, ids: dict[str, int], db_url: str
) -> None:
    url = f"/recordings/{ids['rec']}/audio"
    with session_scope(db_url) as session:
        recording = session.get(models.Recording, ids["rec"])
        call = recording.call
        first = session.get(models.Agent, call.agent_id)
        second = session.scalar(select(models.Agent).where(models.Agent.number == "1008"))
        # 1007 answered, then handed the caller to 1008, who ended the call.
        session.add(models.CallEvent(call=call, type="call_answered",
                                     data={"agent_id": first.number}))  # fmt: skip
        session.add(models.CallEvent(call=call, type="call_answered",
                                     data={"agent_id": second.number}))  # fmt: skip
        call.agent_id = second.id
    assert signed_in(app, "agent1007").get(url).status_code == 200
    assert signed_in(app, "agent1008").get(url).status_code == 200


def test_recordings_are_addressed_by_id_and_never_served_from_outside_the_store(
    app: Flask, ids: dict[str, int], db_url: str
) -> None:
    client = signed_in(app, "sup")
    for path in (
        "/recordings/..%2F..%2Fetc%2Fpasswd/audio",
        "/recordings/../../etc/passwd/audio",
        "/recordings/%2Fetc%2Fpasswd/audio",
        "/recordings/99999/audio",
    ):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/recordings/{ids['escaped']}/audio").status_code == 404
    assert client.get(f"/recordings/{ids['gone']}/audio").status_code == 410
    actions = [a for _, a, _ in audit_rows(db_url)]
    assert actions == ["recording.listen_missing", "recording.listen_gone"]


def test_list_page_filters_and_plays(app: Flask, ids: dict[str, int]) -> None:
    client = signed_in(app, "sup")
    page = client.get("/recordings/").get_data(as_text=True)
    assert page.count("<tr data-call=") == 3
    assert f'<audio controls preload="none" data-recording="{ids["rec"]}"' in page
    assert f'src="/recordings/{ids["rec"]}/audio"' in page and "환불 해 주세요" in page

    def calls(query: str) -> list[str]:
        html = client.get("/recordings/?" + query).get_data(as_text=True)
        return re.findall(r'<tr data-call="([^"]+)"', html)

    assert calls("text=refund") == ["c1"]
    assert calls("agent=1008") == ["c3"]
    assert calls("queue=support") == ["c3", "c1"]
    assert calls("disposition=abandoned") == ["c2"]
    assert calls("caller=1380") == ["c1"]
    assert calls("date_from=2026-03-03&date_to=2026-03-05") == ["c3", "c2"]
    assert calls("date_to=2026-03-02") == ["c1"]
    assert calls("text=100%25") == []  # LIKE wildcards are literal
    bad = client.get("/recordings/?disposition=lost")
    assert bad.status_code == 400 and "disposition" in bad.get_data(as_text=True)
    assert client.get("/recordings/?date_from=2026-13-01").status_code == 400
    assert 'href="/recordings/"' in page  # the nav link for supervisors
    assert signed_in(app, "agent1007").get("/recordings/").status_code == 403


def test_export_csv_and_json_use_the_same_filters_and_are_audited(
    app: Flask, ids: dict[str, int], db_url: str
) -> None:
    client = signed_in(app, "sup")
    response = client.get("/recordings/export.csv?queue=support&disposition=answered")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["uuid"] for r in rows] == ["c3", "c1"]
    c1 = rows[1]
    assert c1["agent"] == "1007" and c1["queue"] == "support" and c1["talk_seconds"] == "61.0"
    assert c1["recording_id"] == str(ids["rec"]) and c1["ivr_path"] == '["menu", "support"]'
    assert c1["started_at"] == "2026-03-02T09:30:00+00:00"

    data = client.get("/recordings/export.json?text=환불").get_json()
    assert data["filters"] == {"text": "환불"}
    assert [c["uuid"] for c in data["calls"]] == ["c1"]
    assert data["calls"][0]["disposition"] == "answered"
    assert data["calls"][0]["recording_seconds"] == 1.0
    everything = client.get("/recordings/export.json").get_json()["calls"]
    assert {c["uuid"] for c in everything} == {"c1", "c2", "c3"}

    assert signed_in(app, "agent1007").get("/recordings/export.csv").status_code == 403
    assert client.get("/recordings/export.json?date_from=x").status_code == 400
    assert audit_rows(db_url) == [
        ("sup", "calls.export", "csv"),
        ("sup", "calls.export", "json"),
        ("sup", "calls.export", "json"),
    ]
