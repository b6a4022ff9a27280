"""The daily recompute and its history write are set-based: the same number of SQL statements for 10
loans as for 200 (pinned), and one history row per loan that changed."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from models import LoanHistory, db
from workflows import loan_history, overdue

from bench.overdue import DAY, populate
from ...factories_repayments import active_loan
from .helpers import untiled

STATEMENTS = 8  # pinned: the count, the policy settings (one read), the SELECT, the executemany UPDATE, four history
# statements (the last gives the rows before the new ones their end: valid_until)


def statements_of(run) -> int:
    seen = []
    listener = lambda *args: seen.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


@pytest.mark.parametrize("loans", [10, 200])
def test_the_recompute_issues_a_constant_number_of_statements(world, loans):
    populate(active_loan(world, date(2024, 1, 15)), loans)
    loan_history.record_changes()  # the clones were inserted in SQL: their first rows
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(LoanHistory))
    count = statements_of(lambda: overdue.recompute(DAY))
    db.session.commit()
    written = db.session.scalar(sa.select(sa.func.count()).select_from(LoanHistory)) - before
    assert written == loans  # every loan is late on DAY (a third fully paid its interest, still late on the next)
    assert untiled() == {}  # DAY comes before the clones' first rows (today): each new row ends where they begin
    assert count == STATEMENTS + (2 if db.engine.dialect.name == "postgresql" else 0), count  # SET LOCAL twice


def test_a_disbursement_writes_its_first_row_with_one_insert(world):
    """A loan disbursed in the transaction has no row to compare with: one INSERT … SELECT, the
    same row record_changes would have written."""
    from tests.factories import drive, make_household, register

    loan = register(world, make_household())
    drive(world, loan.id, until="disburse_loan")
    statements = []
    listener = lambda *args: statements.append(" ".join(args[2].split()))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        drive(world, loan.id, until="end")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    history = [s for s in statements if "loan_history" in s]
    assert len(history) == 1 and history[0].startswith("INSERT INTO loan_history"), history
    rows = db.session.scalars(sa.select(LoanHistory).where(LoanHistory.loan_id == loan.id)).all()
    assert [(r.balance, r.status, r.days_past_due) for r in rows] == [(loan.approved_amount, "active", 0)]
