"""The audit search page and ``GET /api/v1/audit`` are keyset-paged, newest first: a page holds at
most ``per_page`` events, "Next" (``next_cursor``) leads through every event once, the count is
``keyset.capped_count``'s (it stops at ``keyset.CAP``), and a made-up cursor is refused."""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, db
from tests.webapp.api.conftest import Api
from workflows import audit, keyset

from .paging import walk


def _events(count: int) -> list[int]:
    for number in range(count):
        audit.record("list_paging_probe", after={"n": number})
    db.session.commit()
    return list(db.session.scalars(sa.select(AuditEvent.id).where(AuditEvent.action == "list_paging_probe")
                                   .order_by(AuditEvent.id.desc())))


def test_the_audit_page_holds_one_page_and_next_reaches_every_event(login):
    ids = _events(8)
    pages = walk(login("supervisor"), "/audit?action=list_paging_probe&per_page=3", "audit-table", "data-event-id", 3)
    assert [len(page) for page in pages] == [3, 3, 2]
    assert [int(i) for page in pages for i in page] == ids


def test_the_api_pages_by_cursor_and_counts_with_keyset_capped_count(app, login, monkeypatch):
    ids = _events(5)
    counted = []
    monkeypatch.setattr(keyset, "capped_count", lambda query, cap=4: counted.append(cap) or (4, True))
    api, url, seen = Api(app.test_client(), login), "/audit?action=list_paging_probe&per_page=2", []
    while url:
        body = api.get(url, "supervisor").json
        assert len(body["items"]) <= 2 and (body["total"], body["total_capped"]) == (4, True)  # "4+"
        seen += [item["id"] for item in body["items"]]
        url = body["next_cursor"] and f"/audit?action=list_paging_probe&per_page=2&cursor={body['next_cursor']}"
    assert seen == ids and len(counted) == 3
    assert api.get("/audit?cursor=bm90LWEtY3Vyc29y", "supervisor").status_code == 422
    assert login("supervisor").get("/audit?cursor=bm90LWEtY3Vyc29y").status_code == 422
