"""Each history row ends where the loan's next one begins (``valid_until``, exclusive; the latest has no
end), after every kind of write: the first row, a new change, two changes on one day, a day that ends
where it began, the daily recompute over every loan, an import's opening book."""
from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from models import Loan, db
from tests.factories import make_household
from tests.factories_imports import imported_loan, install_lifecycle
from workflows import loan_history, overdue

from ...factories_postloan import disbursed
from ...factories_repayments import pay, reverse
from .helpers import rows, spans, untiled

DISBURSED, FIRST_DUE = date(2025, 1, 10), date(2025, 3, 20)  # the first quarterly interest falls due
FEB_1, FEB_3 = date(2025, 2, 1), date(2025, 2, 3)


def recompute(day: date) -> None:
    overdue.recompute(day)
    db.session.commit()


def test_the_first_row_at_disbursement_is_current(world):
    loan = disbursed(world, term=24)
    assert spans(loan.id) == [(DISBURSED, None)]


def test_a_change_ends_the_row_before_it_on_its_day(world):
    loan = disbursed(world, term=24)
    pay(world, loan, FEB_1, "10000.00", "0.00")
    assert spans(loan.id) == [(DISBURSED, FEB_1), (FEB_1, None)]
    pay(world, loan, FEB_3, "5000.00", "0.00")
    assert spans(loan.id) == [(DISBURSED, FEB_1), (FEB_1, FEB_3), (FEB_3, None)]


def test_two_changes_on_one_day_leave_one_row_and_the_same_end_before_it(world):
    loan = disbursed(world, term=24)
    pay(world, loan, FEB_1, "1000.00", "0.00")
    pay(world, loan, FEB_1, "2000.00", "0.00")  # the day's row is updated, nothing ends again
    assert spans(loan.id) == [(DISBURSED, FEB_1), (FEB_1, None)]
    assert rows(loan.id)[-1][1] == 27000


def test_a_day_that_ends_where_it_began_makes_the_row_before_current_again(world):
    loan = disbursed(world, term=24)
    pay(world, loan, FEB_1, "10000.00", "0.00")
    repaid = pay(world, loan, FEB_3, "5000.00", "0.00")
    reverse(world, loan, repaid.repayment.id, today=FEB_3)  # FEB_3 ends as it began: its row goes
    assert spans(loan.id) == [(DISBURSED, FEB_1), (FEB_1, None)]
    pay(world, loan, FEB_3 + timedelta(days=1), "1000.00", "0.00")  # and the next change ends it again
    assert spans(loan.id) == [(DISBURSED, FEB_1), (FEB_1, FEB_3 + timedelta(days=1)),
                              (FEB_3 + timedelta(days=1), None)]


def test_a_day_that_ends_where_it_began_is_found_per_loan_beside_other_loans_rows(world):
    """The row before the day's is the loan's own: another loan's later row changes nothing."""
    loan, other = disbursed(world, term=24), disbursed(world, term=24)
    pay(world, other, FEB_1, "1000.00", "0.00")  # the latest row before FEB_3 of all loans is another's
    repaid = pay(world, loan, FEB_3, "5000.00", "0.00")
    reverse(world, loan, repaid.repayment.id, today=FEB_3)
    assert spans(loan.id) == [(DISBURSED, None)]
    assert spans(other.id) == [(DISBURSED, FEB_1), (FEB_1, None)]


def test_the_daily_recompute_over_every_loan_ends_the_rows_of_the_loans_it_changed(world):
    late = [disbursed(world, term=24), disbursed(world, term=24)]
    on_time = disbursed(world, on=date(2025, 3, 25), term=24)  # nothing falls due before April
    day = FIRST_DUE + timedelta(days=12)
    recompute(day)
    recompute(day)  # the same day again: nothing moves
    assert [spans(loan.id) for loan in late] == [[(DISBURSED, day), (day, None)]] * 2
    assert spans(on_time.id) == [(date(2025, 3, 25), None)]
    recompute(day + timedelta(days=1))  # one more day late: a row more, the day's row ends
    assert spans(late[0].id) == [(DISBURSED, day), (day, day + timedelta(days=1)), (day + timedelta(days=1), None)]
    assert untiled() == {}


def test_record_changes_over_every_loan_counts_the_rows_it_wrote(world):
    """Loans changed in SQL, outside the commit hook (as the daily recompute changes them)."""
    loans = [disbursed(world, term=24) for _ in range(3)]
    db.session.execute(sa.update(Loan).where(Loan.id.in_([loan.id for loan in loans[:2]]))
                       .values(days_past_due=Loan.days_past_due + 5))
    assert loan_history.record_changes(day=FEB_1) == 2
    assert [spans(loan.id) for loan in loans] == [[(DISBURSED, FEB_1), (FEB_1, None)]] * 2 + [[(DISBURSED, None)]]
    assert loan_history.record_changes(day=FEB_1) == 0


def test_the_recompute_on_an_earlier_day_ends_its_rows_where_the_later_ones_begin(world):
    """A business clock set back (a demo): the row written for the earlier day holds until the later row."""
    loan = disbursed(world, term=24)
    late = FIRST_DUE + timedelta(days=40)
    recompute(late)
    recompute(FIRST_DUE + timedelta(days=10))  # ten days late then: a row between the two
    assert spans(loan.id) == [(DISBURSED, FIRST_DUE + timedelta(days=10)), (FIRST_DUE + timedelta(days=10), late),
                              (late, None)]
    assert untiled() == {}


def test_an_imported_loan_s_opening_rows_tile_up_to_the_import_day(world):
    install_lifecycle()
    loan = imported_loan(world, make_household(), date(2026, 11, 30))
    starts = [row[0] for row in rows(loan.id)]
    assert len(starts) == 3
    assert spans(loan.id) == list(zip(starts, [*starts[1:], None]))
