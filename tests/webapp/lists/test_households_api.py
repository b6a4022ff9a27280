"""``GET /api/v1/households`` is keyset-paged by id: a page holds at most ``per_page`` households,
``next_cursor`` leads through every one once, numbered pages agree, and a made-up cursor is 422."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Household, db
from tests.factories import make_household
from tests.webapp.api.conftest import Api


@pytest.fixture
def api(app, login):
    return Api(app.test_client(), login)


def test_next_cursor_reaches_every_household_one_page_at_a_time(api, world):
    for _ in range(7):
        make_household()
    db.session.commit()
    ids = list(db.session.scalars(sa.select(Household.id).order_by(Household.id)))
    url, pages = "/households?per_page=3", []
    while url:
        body = api.get(url, "bureau").json
        assert 0 < len(body["items"]) <= 3 and body["total"] == len(ids) and not body["total_capped"]
        pages.append([item["id"] for item in body["items"]])
        url = body["next_cursor"] and f"/households?per_page=3&cursor={body['next_cursor']}"
    assert [h for page in pages for h in page] == ids and len(pages) == -(-len(ids) // 3)
    second = api.get("/households?per_page=3&page=2", "bureau").json
    assert [item["id"] for item in second["items"]] == pages[1]
    assert api.get("/households?cursor=bm90LWEtY3Vyc29y", "bureau").status_code == 422
