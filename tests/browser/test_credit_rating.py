"""A village-wide rating campaign through the real pages, to a credit village and a short investigation."""
from __future__ import annotations

import sqlalchemy as sa

from models import HumanTask, Loan, db
from models.credit import CreditCampaign, CreditDesignation, CreditRating
from workflows import clock

from ..factories import ready_task
from ..workflows.credit_rating import factories as f
from .conftest import login, screenshot
from .test_loan_journey import open_task, submit

HOUSEHOLDS = 30


def open_campaign_task(page, base: str, campaign_id: int, name: str):
    page.goto(f"{base}/credit/campaigns/{campaign_id}")
    page.click(f"[data-task-link={name}]")
    page.wait_for_url("**/tasks/*")
    return page


def test_a_village_is_rated_approved_designated_and_a_rated_household_takes_the_short_path(
        world, live_server, browser):
    place = f.village()
    households = f.households_in(place, HOUSEHOLDS)
    f.households_in(place, 1, dishonest=True, dishonest_reason="恶意逃废债务")

    officer = login(browser, live_server, "officer_rcb")
    officer.goto(f"{live_server}/credit/campaigns/new?township_id={place.township_id}")
    officer.select_option("[name=village_ids]", str(place.id))
    officer.click("#open-campaign [type=submit]")
    officer.wait_for_selector("#campaign-progress")
    campaign = db.session.scalars(sa.select(CreditCampaign)).one()
    assert officer.inner_text("#progress-roster") == str(HOUSEHOLDS)
    assert officer.inner_text("#progress-excluded") == "1"

    clerk = open_campaign_task(login(browser, live_server, "clerk_hanfeng"), live_server, campaign.id,
                               "confirm_roster")
    clerk.check("[name=roster_confirmed][value=yes]")
    submit(clerk)

    officer.goto(f"{live_server}/credit/campaigns/{campaign.id}/rate")
    grades = officer.locator("#rating-rows [name=grade]")
    assert grades.count() == HOUSEHOLDS
    grades.first.focus()
    for index in range(HOUSEHOLDS):  # the keyboard: choose the grade, Enter to the next row
        grades.nth(index).select_option("AAA")
        grades.nth(index).press("Enter")
    officer.locator("tr[data-saved=saved]").nth(HOUSEHOLDS - 1).wait_for()
    assert officer.input_value("#rating-rows tr:first-child [name=credit_line]") == "50000.00"
    screenshot(officer, "credit_bulk_rating")
    open_campaign_task(officer, live_server, campaign.id, "rate_households")
    submit(officer)

    approver = login(browser, live_server, "approver_rcb")
    approver.goto(f"{live_server}/credit/campaigns/{campaign.id}")
    approver.click("#approve-all [type=submit]")
    approver.wait_for_selector("#campaign-progress")
    assert approver.inner_text("#progress-approved") == str(HOUSEHOLDS)
    open_campaign_task(approver, live_server, campaign.id, "approve_ratings")
    submit(approver)
    open_campaign_task(officer, live_server, campaign.id, "publish_ratings")
    submit(officer)
    db.session.expire_all()
    assert db.session.get(CreditCampaign, campaign.id).status == "published"

    bureau = login(browser, live_server, "bureau")
    bureau.goto(f"{live_server}/credit/townships/{place.township_id}/map")
    bureau.click("#propose")
    bureau.wait_for_selector("#villages")
    review = db.session.scalars(sa.select(HumanTask).filter_by(name="review_designations", state="ready")).one()
    bureau.goto(f"{live_server}/tasks/{review.id}")
    bureau.fill("[name=decided_on]", clock.today().isoformat())
    submit(bureau)
    bureau.goto(f"{live_server}/credit/townships/{place.township_id}/map")
    assert bureau.locator(f"tr[data-village='{place.id}'] [data-credit-village]").count() == 1
    screenshot(bureau, "credit_map")
    village = db.session.scalars(sa.select(CreditDesignation).filter_by(kind="village")).one()
    assert (village.subject_id, village.status) == (place.id, "published")

    household = households[0]
    clerk.goto(f"{live_server}/applications/new")
    clerk.fill("[name=id_number]", household.id_number)
    clerk.select_option("[name=bank]", "cqrcb")
    clerk.fill("[name=amount]", "30000.00")
    clerk.fill("[name=term_months]", "12")
    clerk.select_option("[name=purpose_category]", "breeding")
    clerk.fill("[name=purpose]", "养殖生猪20头")
    submit(clerk)
    loan = db.session.scalars(sa.select(Loan)).one()
    bureau = open_task(bureau, live_server, loan.id, "confirm_eligibility")
    bureau.check("[name=eligible][value=yes]")
    submit(bureau)
    officer = open_task(officer, live_server, loan.id, "investigate_credit")
    officer.wait_for_selector("#credit-rating-facts")
    officer.check("[name=rating_still_valid][value=yes]")
    assert not officer.is_visible("[name=investigation_report]")
    screenshot(officer, "credit_short_investigation")
    submit(officer)
    db.session.expire_all()
    loan = db.session.get(Loan, loan.id)
    assert (loan.grade, loan.credit_line) == ("AAA", db.session.scalars(sa.select(CreditRating.credit_line)).first())
    assert ready_task(loan.id, "approve_loan") is not None
