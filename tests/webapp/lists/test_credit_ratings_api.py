"""``GET /api/v1/credit/campaigns/<id>/ratings`` is paged (keyset by household): a page holds at most
``per_page`` ratings, ``next_cursor`` leads through every rating once, numbered pages agree, and a bad
cursor is 422; each page conforms to ``RatingPage``."""
from __future__ import annotations

import pytest

from tests.webapp.api.conftest import Api
from tests.workflows.credit_rating import factories as f
from webapp.api import conformance
from webapp.api.openapi import document
from workflows.credit_rating import queries


def conforms(body: dict, schema: str) -> None:
    schemas = document()["components"]["schemas"]
    assert conformance.problems(schemas[schema], body, lambda ref: schemas[ref.rsplit("/", 1)[1]]) == {}


@pytest.fixture
def api(app, login):
    return Api(app.test_client(), login)


@pytest.fixture
def campaign(world):
    households = f.households_in(f.village(), 7)
    campaign = f.rated(world, f.confirmed(world, f.opened(world)), households)
    return campaign, sorted(h.id for h in households)


def test_the_ratings_come_one_page_at_a_time_and_next_reaches_every_one(api, campaign):
    item, household_ids = campaign
    url, pages = f"/credit/campaigns/{item.id}/ratings?per_page=3", []
    while True:
        body = api.get(url, "clerk_hanfeng").json
        conforms(body, "RatingPage")
        assert len(body["items"]) <= 3 and body["total"] == 7 and not body["total_capped"]
        pages.append([rating["household_id"] for rating in body["items"]])
        if not body["next_cursor"]:
            break
        url = f"/credit/campaigns/{item.id}/ratings?per_page=3&cursor={body['next_cursor']}"
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [h for page in pages for h in page] == household_ids
    numbered = api.get(f"/credit/campaigns/{item.id}/ratings?per_page=3&page=2", "clerk_hanfeng").json
    assert [rating["household_id"] for rating in numbered["items"]] == pages[1]


def test_a_bad_cursor_is_422(api, campaign):
    item, _ = campaign
    answer = api.get(f"/credit/campaigns/{item.id}/ratings?cursor=bm90LWEtY3Vyc29y", "clerk_hanfeng")
    assert answer.status_code == 422


def test_the_default_page_is_bounded(api, campaign, monkeypatch):
    item, household_ids = campaign
    monkeypatch.setattr(queries, "RATINGS_PER_PAGE", 2)
    assert len(queries.ratings_page(item).items) == 2
