"""展期 preconditions at their exact boundaries: the maturity date, the term-based length, the risk class."""
from __future__ import annotations

from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from models import Loan, db
from workflows import post_loan
from workflows.errors import PolicyViolationError

from ...factories_postloan import (VISIT_OK, at_maturity_review, complete, disbursed, imported, open_tasks,
                                   sweep)

MATURITY = date(2025, 2, 10)  # at_maturity_review's one-month loan
REASON = {"extension_reason": "生猪价格低迷"}


def refused(code):
    return pytest.raises(PolicyViolationError, match=code)


def test_the_maturity_day_itself_passes(world):
    loan = at_maturity_review(world)
    complete(world, loan.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="extend")
    complete(world, loan.id, "request_extension", "officer_rcb", MATURITY, new_maturity_date=date(2025, 3, 10), **REASON)
    assert open_tasks(loan.id) == ["approve_extension", "maturity_review"]  # the review stays open beside it


def test_the_day_after_maturity_fails_at_the_review(world):
    loan = at_maturity_review(world)
    with refused("extension_after_maturity"):
        complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 11), maturity_decision="extend")
    assert open_tasks(loan.id) == ["maturity_review"]


def test_the_day_after_maturity_fails_at_the_request(world):
    loan = at_maturity_review(world)
    complete(world, loan.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="extend")
    with refused("extension_after_maturity"):
        complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 11),
                 new_maturity_date=date(2025, 3, 10), **REASON)


@pytest.mark.parametrize("term, months, bound_by", [
    (1, 1, "term"), (12, 12, "term"), (13, 6, "half_term"), (24, 12, "half_term"), (36, 12, "max_extension_months")])
def test_the_longest_extension_by_term(world, term, months, bound_by):
    loan = imported(world, date(2025, 1, 10), term)
    limits = post_loan.limits(loan, date(2025, 6, 1))
    assert (limits.months, limits.bound_by) == (months, bound_by)
    assert limits.latest == loan.maturity_date + relativedelta(months=months)


@pytest.mark.parametrize("term", [24, 12])
def test_the_latest_date_passes_and_one_day_more_fails(world, term):
    loan = imported(world, date(2025, 1, 10), term)
    latest = loan.maturity_date + relativedelta(months=12)  # half of 24 months; all of 12 months
    assert post_loan.check_new_maturity(loan, latest, date(2025, 6, 1)).latest == latest
    with refused("extension_too_long"):
        post_loan.check_new_maturity(loan, latest + relativedelta(days=1), date(2025, 6, 1))


def test_a_twelve_month_loan_asks_at_the_reminder_for_twelve_months(world):
    loan = disbursed(world)  # matures 2026-01-10
    for day in (date(2025, 4, 10), date(2025, 7, 10), date(2025, 10, 10)):
        sweep(day)
        complete(world, loan.id, "post_loan_visit", "clerk_hanfeng", day, **VISIT_OK)
    sweep(date(2025, 12, 11))
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 12, 11), household_informed=True,
             extension_requested=True)
    with refused("extension_too_long"):
        complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 12, 12),
                 new_maturity_date=date(2027, 1, 11), **REASON)
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 12, 12),
             new_maturity_date=date(2027, 1, 10), **REASON)
    assert open_tasks(loan.id) == ["approve_extension"]


@pytest.mark.parametrize("risk_class, ok", [("substandard", True), ("doubtful", False), ("loss", False)])
def test_doubtful_and_loss_are_refused_substandard_allowed(world, risk_class, ok):
    loan = at_maturity_review(world)
    db.session.get(Loan, loan.id).risk_class = risk_class
    db.session.commit()
    if ok:
        complete(world, loan.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="extend")
        assert open_tasks(loan.id) == ["maturity_review", "request_extension"]
    else:
        with refused("extension_risk_class"):
            complete(world, loan.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="extend")


def test_a_household_listed_as_malicious_is_refused(world):
    loan = at_maturity_review(world)
    loan.household.dishonest = True
    db.session.commit()
    with refused("extension_risk_class"):
        complete(world, loan.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="extend")


def test_a_second_request_while_one_awaits_approval_is_refused(world):
    loan = disbursed(world, term=1)
    sweep(date(2025, 1, 11))
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2025, 1, 11), household_informed=True,
             extension_requested=True)
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 1, 12),
             new_maturity_date=date(2025, 3, 10), **REASON)
    sweep(MATURITY)
    assert open_tasks(loan.id) == ["approve_extension", "maturity_review"]
    with refused("extension_limit"):
        complete(world, loan.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="extend")
    complete(world, loan.id, "approve_extension", "approver_rcb", date(2025, 2, 12), extension_approved=False,
             extension_comment="不符合条件")
    assert open_tasks(loan.id) == ["recover_loan"]  # refused: the open review goes with the round
