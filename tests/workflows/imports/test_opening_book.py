"""The opening book of an imported loan, checked by hand: schedule, repayments before import, what is owed."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from workflows.imports.opening import InconsistentBookError, Terms, opening_book, split_at
from workflows.money import schedule

QUARTERLY = Terms(date(2024, 6, 1), date(2026, 6, 1), Decimal("50000.00"), Decimal("4.35"),
                  schedule.INTEREST_QUARTERLY, 360)
IMPORT_DAY = date(2026, 11, 30)


def test_the_issues_loan_matured_with_30000_left_is_182_days_overdue_from_maturity():
    book = opening_book(QUARTERLY, IMPORT_DAY, Decimal("30000.00"), 182)
    dues = [line.due_on for line in book.instalments]
    assert dues[0] == date(2024, 6, 20) and dues[-1] == date(2026, 6, 1) and len(dues) == 9
    first, last = book.instalments[0], book.instalments[-1]
    assert first.interest == Decimal("114.79")  # 50,000 × 19 days × 4.35% / 360 = 114.7916…
    assert last.principal == Decimal("30000.00")  # what is left to repay, 20,000 having been repaid early
    assert last.interest == Decimal("264.63")  # 30,000 × 73 days × 4.35% / 360 = 264.625: 20,000 repaid on 03-20
    assert [r.paid_on for r in book.repaid] == dues[:-1]  # each earlier instalment paid on its day
    assert sum(r.principal for r in book.repaid) == Decimal("20000.00")
    assert (book.repaid[-1].principal, book.repaid[-1].principal_early, book.repaid[-1].interest) == (
        Decimal("20000.00"), Decimal("20000.00"), Decimal("543.75"))
    assert (book.owed.outstanding_principal, book.owed.overdue_principal) == (Decimal("30000.00"),) * 2
    assert (book.owed.oldest_unpaid_due_on, book.owed.days_past_due) == (date(2026, 6, 1), 182)
    assert book.owed.overdue_interest == Decimal("264.63")


def test_days_past_due_between_due_dates_split_the_running_instalment_there():
    book = opening_book(QUARTERLY, date(2026, 4, 30), Decimal("50000.00"), 25)
    *_, paid, split, rest = book.instalments
    assert (paid.due_on, split.due_on, rest.due_on) == (date(2026, 3, 20), date(2026, 4, 5), date(2026, 6, 1))
    # The period 03-20..06-01 (73 days) bears 50,000 × 73 × 4.35% / 360 = 441.04; 16 of its days: 96.67.
    assert (split.period_start, split.period_end, split.principal, split.interest) == (
        date(2026, 3, 20), date(2026, 4, 5), Decimal("0.00"), Decimal("96.67"))
    assert (rest.period_start, rest.principal, rest.interest) == (date(2026, 4, 5), Decimal("50000.00"),
                                                                  Decimal("344.37"))
    assert [line.seq for line in book.instalments] == list(range(1, len(book.instalments) + 1))
    assert book.repaid[-1].paid_on == date(2026, 3, 20)
    assert (book.owed.days_past_due, book.owed.overdue_interest) == (25, Decimal("96.67"))


def test_a_current_loan_has_paid_every_instalment_due_before_the_import_day():
    book = opening_book(QUARTERLY, date(2025, 12, 20), Decimal("50000.00"), 0)
    assert book.repaid[-1].paid_on == date(2025, 9, 20)  # the one due today is not paid yet, and not late
    assert (book.owed.days_past_due, book.owed.interest, book.owed.overdue_interest) == (
        0, Decimal("549.79"), Decimal("0.00"))


def test_equal_instalments_paid_up_to_the_import_day():
    terms = Terms(date(2025, 1, 15), date(2026, 1, 15), Decimal("12000.00"), Decimal("3.60"),
                  schedule.EQUAL_INSTALMENTS, 360)
    plan = schedule.build_schedule(terms.disbursed_on, terms.maturity_date, terms.principal, terms.annual_rate,
                                   terms.method)
    left = terms.principal - sum(line.principal for line in plan[:5])  # five instalments due before 07-01
    book = opening_book(terms, date(2025, 7, 1), left, 0)
    assert book.instalments == plan and len(book.repaid) == 5
    assert book.owed.outstanding_principal == left and book.owed.days_past_due == 0


def test_equal_instalments_with_principal_repaid_early_are_reamortised_over_the_term():
    terms = Terms(date(2025, 1, 15), date(2026, 1, 15), Decimal("12000.00"), Decimal("3.60"),
                  schedule.EQUAL_INSTALMENTS, 360)
    book = opening_book(terms, date(2025, 7, 1), Decimal("6000.00"), 0)
    plan = schedule.build_schedule(terms.disbursed_on, terms.maturity_date, terms.principal, terms.annual_rate,
                                   terms.method)
    scheduled = sum(line.principal for line in plan[:5])
    assert book.instalments[:5] == plan[:5] and book.repaid[-1].paid_on == date(2025, 6, 15)
    assert book.repaid[-1].principal_early == Decimal("6000.00") - scheduled
    assert sum(line.principal for line in book.instalments[5:]) == Decimal("6000.00")
    assert (book.owed.outstanding_principal, book.owed.days_past_due) == (Decimal("6000.00"), 0)


def test_split_at_a_due_date_changes_nothing():
    plan = schedule.build_schedule(QUARTERLY.disbursed_on, QUARTERLY.maturity_date, QUARTERLY.principal,
                                   QUARTERLY.annual_rate)
    assert split_at(plan, date(2025, 3, 20)) == plan


@pytest.mark.parametrize("day, outstanding, days, code", [
    (IMPORT_DAY, Decimal("30000.00"), 181, "days_past_due_out_of_range"),  # matured 06-01: at least 182
    (IMPORT_DAY, Decimal("30000.00"), 0, "days_past_due_out_of_range"),
    (date(2024, 7, 1), Decimal("50000.00"), 30, "days_past_due_out_of_range"),  # back to the disbursement day
    (date(2024, 7, 1), Decimal("50000.00"), 29, None),  # 06-02: the day after disbursement
])
def test_days_past_due_reach_from_the_day_after_disbursement_to_maturity(day, outstanding, days, code):
    if code is None:
        assert opening_book(QUARTERLY, day, outstanding, days).owed.days_past_due == days
        return
    with pytest.raises(InconsistentBookError) as refused:
        opening_book(QUARTERLY, day, outstanding, days)
    assert refused.value.code == code


def test_an_outstanding_above_what_the_paid_instalments_leave_is_refused():
    terms = Terms(date(2025, 1, 15), date(2026, 1, 15), Decimal("12000.00"), Decimal("3.60"),
                  schedule.EQUAL_INSTALMENTS, 360)
    with pytest.raises(InconsistentBookError) as refused:
        opening_book(terms, date(2025, 7, 1), Decimal("12000.00"), 0)  # five instalments' principal unpaid
    assert refused.value.code == "outstanding_above_schedule"
