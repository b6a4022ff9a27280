"""The credit pages: campaign list and page, bulk rating JSON, bulk approval, credit map, household page."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from models import db
from models.credit import CreditCampaign, CreditRating

from tests.workflows.credit_rating import factories as f


def test_an_officer_opens_a_campaign_for_one_village_from_the_page(world, login):
    place = f.village()
    f.households_in(place, 3)
    officer = login("officer_rcb")
    page = officer.get(f"/credit/campaigns/new?township_id={place.township_id}")
    assert page.status_code == 200 and "东河村" in page.text
    answer = officer.post("/credit/campaigns/new", data={"township_id": place.township_id, "village_ids": [place.id]})
    assert answer.status_code == 302
    campaign = db.session.scalars(sa.select(CreditCampaign)).one()
    assert campaign.village_ids == [place.id]
    page = officer.get(f"/credit/campaigns/{campaign.id}")
    assert page.status_code == 200 and 'id="progress-roster">3<' in page.text
    assert 'data-task-link="confirm_roster"' in page.text


def test_rows_are_saved_in_bulk_over_json_and_refused_rows_carry_their_codes(world, login):
    households = f.households_in(f.village(), 3)
    campaign = f.confirmed(world, f.opened(world))
    officer = login("officer_rcb")
    page = officer.get(f"/credit/campaigns/{campaign.id}/rate")
    assert page.status_code == 200 and page.text.count("<tr data-household=") == 3
    answer = officer.post(f"/credit/campaigns/{campaign.id}/ratings", json={"rows": [
        {"household_id": households[0].id, "grade": "AA", "credit_line": "40000"},
        {"household_id": households[1].id, "grade": "AA", "credit_line": "40000.01"}]})
    assert answer.status_code == 200
    assert answer.json["refused"] == [{"household_id": households[1].id, "codes": ["credit_line_over_grade"]}]
    assert [r["household_id"] for r in answer.json["saved"]] == [households[0].id]
    assert officer.post(f"/credit/campaigns/{campaign.id}/ratings", json={"rows": "x"}).status_code == 422
    assert login("officer_psbc").post(f"/credit/campaigns/{campaign.id}/ratings",
                                      json={"rows": []}).status_code == 403


def test_bulk_approval_shows_the_rows_the_approver_rated_as_refused(world, login):
    dual = f.dual_user(world)
    households = f.households_in(f.village(), 2)
    campaign = f.confirmed(world, f.opened(world))
    from workflows.credit_rating import ratings
    from workflows.tasks import service

    ratings.save(world.actor(dual), campaign.id, f.rows_for(households[:1]))
    ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households[1:]))
    service.complete_task(world.actor("officer_rcb"), f.task(campaign, "rate_households").id, {})
    approver = login(dual)
    page = approver.get(f"/credit/campaigns/{campaign.id}")
    assert page.text.count("data-four-eyes") == 1 and page.text.count('name="rating_id"') == 1
    answer = approver.post(f"/credit/campaigns/{campaign.id}/approvals", data={"all": "1"})
    assert answer.status_code == 302
    statuses = sorted(r.status for r in db.session.scalars(sa.select(CreditRating)))
    assert statuses == ["approved", "proposed"]


def test_the_credit_map_shows_the_villages_and_exports_to_excel(world, login):
    households = f.households_in(f.village(), 2)
    f.valid_campaign(world, households)
    clerk = login("clerk_hanfeng")
    page = clerk.get(f"/credit/townships/{households[0].township_id}/map")
    assert page.status_code == 200 and "东河村" in page.text and "credit-chart-data" in page.text
    export = clerk.get(f"/credit/townships/{households[0].township_id}/map.xlsx")
    assert export.status_code == 200 and export.data[:2] == b"PK"
    assert login("clerk_dade").get(f"/credit/townships/{households[0].township_id}/map").status_code == 403


def test_the_bureau_proposes_from_the_map_and_the_household_page_shows_the_rating_history(world, login):
    households = f.households_in(f.village(), 2)
    f.valid_campaign(world, households)
    bureau = login("bureau")
    assert bureau.post(f"/credit/townships/{households[0].township_id}/designations").status_code == 302
    page = bureau.get(f"/credit/households/{households[0].id}")
    assert page.status_code == 200 and 'data-rating-status="approved"' in page.text
    assert 'data-status="proposed"' in page.text
    assert Decimal("50000.00") == db.session.scalars(sa.select(CreditRating)).first().credit_line


def test_the_campaign_tasks_show_the_campaign_beside_their_form(world, login):
    f.households_in(f.village(), 2)
    campaign = f.opened(world)
    page = login("clerk_hanfeng").get(f"/tasks/{f.task(campaign, 'confirm_roster').id}")
    assert page.status_code == 200 and 'id="credit-facts"' in page.text
    assert f'href="/credit/campaigns/{campaign.id}"' in page.text and "roster_confirmed" in page.text
