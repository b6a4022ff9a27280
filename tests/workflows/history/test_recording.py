"""History rows are written exactly when a loan's balance, days past due, risk class, covered principal
or status changes, by each use case that changes them, and never on a day nothing changed."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

import pytest

from models import Loan, db
from workflows import clock, loan_history, overdue, risk_fund

from ...factories_postloan import at, at_maturity_review, complete, disbursed, to_recovery
from ...factories_repayments import pay, reverse
from ..test_post_loan_extension import extend
from ..test_post_loan_recovery import DAY as RECOVERY_DAY
from ..test_post_loan_recovery import recover
from .helpers import rows

DISBURSED, FIRST_DUE = date(2025, 1, 10), date(2025, 3, 20)  # the first quarterly interest falls due
ACTIVE = (D("30000.00"), 0, "normal", D("30000.00"), "active")


@pytest.fixture
def loan(world):
    return disbursed(world, term=24)


def recompute(day: date) -> None:
    overdue.recompute(day)
    db.session.commit()


def test_the_disbursement_writes_the_first_row(loan):
    assert rows(loan.id) == [(DISBURSED, *ACTIVE)]


def test_the_overdue_recompute_writes_a_row_only_when_a_figure_changes(loan):
    recompute(FIRST_DUE)  # due today, not yet late: nothing changed
    assert len(rows(loan.id)) == 1
    recompute(FIRST_DUE + timedelta(days=90))
    recompute(FIRST_DUE + timedelta(days=90))  # the same day again: nothing new
    recompute(FIRST_DUE + timedelta(days=91))  # over the boundary: substandard
    history = rows(loan.id)
    assert history[1:] == [
        (FIRST_DUE + timedelta(days=90), D("30000.00"), 90, "special_mention", D("30000.00"), "overdue"),
        (FIRST_DUE + timedelta(days=91), D("30000.00"), 91, "substandard", D("30000.00"), "overdue")]
    assert loan_history.record_changes() == 0  # the loans equal their rows: nothing to write


def test_several_changes_on_one_day_keep_the_last(world, loan):
    day = FIRST_DUE + timedelta(days=91)
    recompute(day)
    pay(world, loan, day, "1000.00", "0.00")  # principal only: still late on its interest
    history = rows(loan.id)
    assert len(history) == 2
    assert history[-1] == (day, D("29000.00"), 91, "substandard", D("29000.00"), "overdue")


def test_a_repayment_and_its_reversal(world, loan):
    repaid = pay(world, loan, date(2025, 2, 1), "10000.00", "0.00")
    assert rows(loan.id)[-1] == (date(2025, 2, 1), D("20000.00"), 0, "normal", D("20000.00"), "active")
    reverse(world, loan, repaid.repayment.id, today=date(2025, 2, 3))
    assert rows(loan.id) == [(DISBURSED, *ACTIVE), (date(2025, 2, 1), D("20000.00"), 0, "normal", D("20000.00"),
                                                    "active"), (date(2025, 2, 3), *ACTIVE)]


def test_a_reversal_on_the_same_day_leaves_no_row(world, loan):
    repaid = pay(world, loan, date(2025, 2, 1), "10000.00", "0.00")
    reverse(world, loan, repaid.repayment.id, today=date(2025, 2, 1))
    assert rows(loan.id) == [(DISBURSED, *ACTIVE)]  # the day ended where it began


def test_an_extension_writes_its_status(world):
    loan = at_maturity_review(world)
    before = len(rows(loan.id))
    extended = extend(world, loan)
    assert extended.status == "extended"
    assert rows(loan.id)[-1][0] == date(2025, 2, 11) and rows(loan.id)[-1][-1] == "extended"
    assert len(rows(loan.id)) == before + 1


def test_recovery_and_write_off_write_their_status(world):
    loan = at_maturity_review(world)
    to_recovery(world, loan)
    assert rows(loan.id)[-1][-1] == "recovering"
    with clock.frozen(at(RECOVERY_DAY)):
        risk_fund.record_entry(world.actor("finance"), "deposit", D("100000.00"), RECOVERY_DAY, "首期")
    recover(world, db.session.get(Loan, loan.id), "loss")
    complete(world, loan.id, "claim_compensation", "finance", RECOVERY_DAY, loss_confirmed=True, comment="")
    last = rows(loan.id)[-1]
    assert last[0] == RECOVERY_DAY and last[-1] == "written_off"
    assert db.session.get(Loan, loan.id).status == "written_off"
