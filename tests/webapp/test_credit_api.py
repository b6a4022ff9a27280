"""The credit API: campaigns, bulk ratings, bulk approvals, designations; answers as documented."""
from __future__ import annotations

import pytest

from webapp.api import conformance
from webapp.api.openapi import document

from tests.webapp.api.conftest import Api
from tests.workflows.credit_rating import factories as f


@pytest.fixture
def api(app, login):
    return Api(app.test_client(), login)


def conforms(body: dict, schema: str) -> None:
    schemas = document()["components"]["schemas"]

    def resolve(item):
        return schemas[item["$ref"].rsplit("/", 1)[1]] if "$ref" in item else item

    assert conformance.problems(resolve({"$ref": f"#/components/schemas/{schema}"}), body, resolve) == {}


def test_a_campaign_is_opened_rated_and_approved_over_the_api(world, api):
    dual = f.dual_user(world)
    place = f.village()
    households = f.households_in(place, 3)
    answer = api.post("/credit/campaigns", "officer_rcb", json={"township_id": place.township_id,
                                                                 "village_ids": [place.id]})
    assert answer.status_code == 201
    campaign = answer.json["campaign"]
    conforms(campaign, "Campaign")
    assert campaign["progress"] == {"roster": 3, "excluded": 0, "rated": 0, "approved": 0}
    f.confirmed(world, f.campaigns_by_id(campaign["id"]))
    rows = [{"household_id": h.id, "grade": "A", "credit_line": "30000"} for h in households]
    rows[2]["credit_line"] = "30000.50"
    saved = api.post(f"/credit/campaigns/{campaign['id']}/ratings", dual, json={"rows": rows[:1]}).json
    conforms(saved, "RatingOutcome")
    saved = api.post(f"/credit/campaigns/{campaign['id']}/ratings", "officer_rcb", json={"rows": rows[1:]}).json
    assert saved["refused"] == [{"household_id": households[2].id, "codes": ["credit_line_over_grade"]}]
    assert api.post(f"/credit/campaigns/{campaign['id']}/ratings", "officer_rcb",
                    json={"rows": [{"household_id": households[2].id, "grade": "A", "credit_line": "29000"}]}
                    ).json["refused"] == []
    f.rated(world, f.campaigns_by_id(campaign["id"]), [])
    approved = api.post(f"/credit/campaigns/{campaign['id']}/approvals", dual, json={}).json
    conforms(approved, "ApprovalOutcome")
    assert [r["codes"] for r in approved["refused"]] == [["four_eyes"]] and len(approved["approved"]) == 2
    listed = api.get(f"/credit/campaigns/{campaign['id']}/ratings", "clerk_hanfeng").json["items"]
    assert sorted(r["status"] for r in listed) == ["approved", "approved", "proposed"]
    for item in listed:
        conforms(item, "Rating")
    history = api.get(f"/credit/households/{households[0].id}/ratings", "bureau").json["items"]
    assert [r["grade"] for r in history] == ["A"]


def test_campaigns_are_listed_in_scope_only(world, api):
    f.households_in(f.village(), 1)
    campaign = f.opened(world)
    assert [c["id"] for c in api.get("/credit/campaigns", "approver_rcb").json["items"]] == [campaign.id]
    assert api.get("/credit/campaigns", "officer_psbc").json["items"] == []
    assert api.get(f"/credit/campaigns/{campaign.id}", "officer_psbc").status_code == 403
    assert api.get(f"/credit/campaigns/{campaign.id}", "clerk_dade").status_code == 403


def test_the_bureau_proposes_designations_and_lists_them(world, api):
    households = f.households_in(f.village(), 2)
    f.valid_campaign(world, households)
    township_id = households[0].township_id
    answer = api.post(f"/credit/townships/{township_id}/designations", "bureau", json={})
    assert answer.status_code == 201
    listed = api.get(f"/credit/designations?township_id={township_id}", "supervisor").json["items"]
    assert sorted(d["kind"] for d in listed) == ["household", "household", "village"]
    for item in listed:
        conforms(item, "Designation")
    again = api.post(f"/credit/townships/{township_id}/designations", "bureau", json={})
    assert again.status_code == 422 and again.json["codes"] == ["designation_review_open"]
