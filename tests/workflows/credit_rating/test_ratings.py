"""Bulk rating and bulk approval: DMN credit lines, four eyes per row, the valid rating of a household."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from models import db
from models.credit import CreditRating
from workflows import clock
from workflows.credit_rating import lines, ratings
from workflows.errors import ForbiddenError, PolicyViolationError
from workflows.tasks import service

from . import factories as f


def test_credit_lines_come_from_the_dmn_table(world):
    assert [lines.credit_line_for(g) for g in ("AAA", "AA", "A", "B", "C")] == [
        Decimal("50000.00"), Decimal("40000.00"), Decimal("30000.00"), Decimal("0.00"), Decimal("0.00")]


def test_a_line_above_the_grades_dmn_line_is_refused_and_the_good_rows_are_saved(world):
    households = f.households_in(f.village(), 3)
    campaign = f.confirmed(world, f.opened(world))
    outcome = ratings.save(world.actor("officer_rcb"), campaign.id, [
        {"household_id": households[0].id, "grade": "A", "credit_line": "30000"},
        {"household_id": households[1].id, "grade": "A", "credit_line": "30000.01"},
        {"household_id": households[2].id, "grade": "Z", "credit_line": "1"},
        {"household_id": 999999, "grade": "A", "credit_line": "1"},
    ])
    assert outcome.done == [{"household_id": households[0].id, "rating_id": outcome.done[0]["rating_id"]}]
    assert outcome.refused == [{"household_id": households[1].id, "codes": ["credit_line_over_grade"]},
                               {"household_id": households[2].id, "codes": ["invalid"]},
                               {"household_id": 999999, "codes": ["not_on_roster"]}]
    saved = db.session.get(CreditRating, outcome.done[0]["rating_id"])
    assert saved.credit_line == Decimal("30000.00") and saved.valid_until == campaign.valid_until


def test_saving_again_changes_the_proposed_rating(world):
    households = f.households_in(f.village(), 1)
    campaign = f.confirmed(world, f.opened(world))
    ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households, "AA", "40000"))
    ratings.save(world.actor("officer2_rcb"), campaign.id, f.rows_for(households, "A", "25000"))
    rating = db.session.scalars(sa.select(CreditRating)).one()
    assert (rating.grade, rating.credit_line, rating.rated_by_id) == ("A", Decimal("25000.00"),
                                                                      world.users["officer2_rcb"].id)


def test_rating_before_the_roster_is_confirmed_is_refused(world):
    households = f.households_in(f.village(), 1)
    campaign = f.opened(world)
    with pytest.raises(PolicyViolationError) as refused:
        ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households))
    assert refused.value.codes == ("campaign_not_open",)


def test_bulk_approval_refuses_the_rows_the_approver_rated_and_approves_the_others(world):
    dual = f.dual_user(world)
    households = f.households_in(f.village(), 4)
    campaign = f.confirmed(world, f.opened(world))
    mine = ratings.save(world.actor(dual), campaign.id, f.rows_for(households[:2])).done
    theirs = ratings.save(world.actor("officer_rcb"), campaign.id, f.rows_for(households[2:])).done

    service.complete_task(world.actor("officer_rcb"), f.task(campaign, "rate_households").id, {})
    outcome = ratings.approve(world.actor(dual), campaign.id)
    assert sorted(r["rating_id"] for r in outcome.done) == sorted(r["rating_id"] for r in theirs)
    assert outcome.refused == [{"rating_id": r["rating_id"], "codes": ["four_eyes"]} for r in mine]
    statuses = {r.id: r.status for r in db.session.scalars(sa.select(CreditRating))}
    assert {statuses[r["rating_id"]] for r in mine} == {"proposed"}
    with pytest.raises(PolicyViolationError):
        service.complete_task(world.actor("approver_rcb"), f.task(campaign, "approve_ratings").id, {})
    assert ratings.approve(world.actor("approver_rcb"), campaign.id).refused == [
        {"rating_id": r["rating_id"], "codes": ["rating_already_approved"]} for r in theirs]
    service.complete_task(world.actor("approver_rcb"), f.task(campaign, "approve_ratings").id, {})


def test_an_approver_of_another_bank_approves_nothing(world):
    households = f.households_in(f.village(), 1)
    campaign = f.rated(world, f.confirmed(world, f.opened(world)), households)
    with pytest.raises(ForbiddenError):
        ratings.approve(world.actor("approver_psbc"), campaign.id)


def test_a_rating_is_valid_until_its_day_and_not_after_revocation(world):
    households = f.households_in(f.village(), 1)
    campaign = f.valid_campaign(world, households)
    household = households[0]
    assert ratings.valid_rating(household.id, campaign.valid_until).grade == "AAA"
    assert ratings.valid_rating(household.id, date.fromordinal(campaign.valid_until.toordinal() + 1)) is None
    ratings.revoke_household(household.id, "dishonest_debtor", world.actor("bureau"))
    assert ratings.valid_rating(household.id, clock.today()) is None
    assert ratings.history(household.id)[0].revocation_reason == "dishonest_debtor"
