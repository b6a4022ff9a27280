"""Ratings feed applications: a valid rating covering the amount takes the short investigation."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from models import db
from models.credit import CreditRating
from workflows import clock
from workflows.credit_rating import designations
from workflows.errors import PolicyViolationError
from workflows.tasks import facts, service

from tests.factories import INVESTIGATION, drive, ready_task, register

from . import factories as f

CONFIRMATION = {"rating_still_valid": True, "grade": None, "recommended_amount": None,
                "recommended_term_months": None, "investigation_report": None}


def at_investigation(world, household, **application):
    loan = register(world, household, **application)
    drive(world, loan.id, "investigate_credit")
    return loan, ready_task(loan.id, "investigate_credit")


def test_a_valid_rating_covering_the_amount_needs_only_a_confirmation(world):
    household = f.households_in(f.village(), 1)[0]
    f.valid_campaign(world, [household])
    loan, task = at_investigation(world, household)
    assert facts.facts_for(task).details["rating"].grade == "AAA"
    service.complete_task(world.actor("officer_rcb"), task.id, CONFIRMATION)
    assert (loan.grade, loan.credit_line, loan.recommended_amount) == ("AAA", Decimal("50000.00"), loan.amount)
    assert ready_task(loan.id, "approve_loan") is not None


def test_the_rated_line_caps_the_credit_line_below_the_grades_line(world):
    household = f.households_in(f.village(), 1)[0]
    campaign = f.opened(world, f.village())
    f.published(world, f.approved(world, f.rated(world, f.confirmed(world, campaign), [household], line="35000")))
    loan, task = at_investigation(world, household, amount=Decimal("35000.00"))
    service.complete_task(world.actor("officer_rcb"), task.id, CONFIRMATION)
    assert loan.credit_line == Decimal("35000.00")


def test_a_rating_that_does_not_cover_the_amount_means_the_full_investigation(world):
    household = f.households_in(f.village(), 1)[0]
    campaign = f.opened(world, f.village())
    f.published(world, f.approved(world, f.rated(world, f.confirmed(world, campaign), [household], grade="A", line="20000")))
    loan, task = at_investigation(world, household)
    assert facts.facts_for(task).details["rating"] is None
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("officer_rcb"), task.id, CONFIRMATION)
    assert refused.value.codes == ("rating_not_valid",)


def test_an_expired_rating_means_the_full_investigation(world):
    household = f.households_in(f.village(), 1)[0]
    campaign = f.valid_campaign(world, [household])
    rating = db.session.query(CreditRating).one()
    rating.valid_until = clock.today() - timedelta(days=1)
    db.session.commit()
    loan, task = at_investigation(world, household)
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("officer_rcb"), task.id, CONFIRMATION)
    assert refused.value.codes == ("rating_not_valid",)
    service.complete_task(world.actor("officer_rcb"), task.id, INVESTIGATION)
    assert loan.grade == "AAA" and campaign.status == "published"


def test_a_revoked_rating_means_the_full_investigation(world):
    household = f.households_in(f.village(), 1)[0]
    f.valid_campaign(world, [household])
    loan, task = at_investigation(world, household)
    designations.on_dishonest(household, world.actor("bureau"))
    db.session.commit()
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("officer_rcb"), task.id, CONFIRMATION)
    assert refused.value.codes == ("rating_not_valid",)


def test_without_a_rating_the_investigation_is_unchanged(world):
    household = f.households_in(f.village(), 1)[0]
    loan, task = at_investigation(world, household)
    assert facts.facts_for(task).details["rating"] is None
    service.complete_task(world.actor("officer_rcb"), task.id, INVESTIGATION)
    assert loan.recommended_amount == Decimal("30000.00")
