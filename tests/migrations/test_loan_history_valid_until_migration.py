"""The valid-until migration (d0e1f2a3b4c5) on a database built by the previous head (c9d0e1f2a3b4).

History rows written before it (several per loan, several loans, in no particular order of id) each
get their successor's ``valid_from`` as their end; each loan's latest row stays current (no end).
Going back down drops the column and keeps the rows.
"""
from __future__ import annotations

from datetime import date

import flask_migrate
import sqlalchemy as sa

from models import LoanHistory, db
from webapp import create_app

from .test_loan_history_migration import LOAN, NOW, PLACES
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "c9d0e1f2a3b4", "d0e1f2a3b4c5"
ROWS = [
    *PLACES,
    *((LOAN, {"id": n, "status": "active", "approved": 60000, "disbursed": "2025-01-10", "outstanding": 60000,
              "covered": 50000, "days": 0, "risk": "normal"}) for n in (1, 2, 3)),
]
HISTORY = ("INSERT INTO loan_history (id, loan_id, valid_from, balance, days_past_due, risk_class, covered_principal, "
           "status, township_id, bank_id) VALUES (:id, :loan, :day, 60000, :days, 'normal', 50000, 'active', 1, 1)")
STARTS = {1: ["2025-01-10", "2025-03-25", "2025-04-01", "2025-06-30"], 2: ["2025-01-10", "2025-02-01"],
          3: ["2025-05-05"]}


def test_each_row_ends_where_its_loan_s_next_row_begins(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement, values in ROWS:
                connection.execute(sa.text(statement), {"now": NOW, **values})
            written = [(loan, day) for loan, days in STARTS.items() for day in days]
            for number, (loan, day) in enumerate(reversed(written), start=1):  # ids not in date order
                connection.execute(sa.text(HISTORY), {"id": number, "loan": loan, "day": day, "days": number})
        flask_migrate.upgrade(revision=THIS)
        spans = db.session.execute(sa.select(LoanHistory.loan_id, LoanHistory.valid_from, LoanHistory.valid_until)
                                   .order_by(LoanHistory.loan_id, LoanHistory.valid_from)).all()
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        columns = {column["name"] for column in sa.inspect(db.engine).get_columns("loan_history")}
        with db.engine.connect() as connection:
            left = connection.scalar(sa.text("SELECT count(*) FROM loan_history"))
        db.engine.dispose()
    d = date.fromisoformat
    assert [tuple(row) for row in spans] == [
        (1, d("2025-01-10"), d("2025-03-25")), (1, d("2025-03-25"), d("2025-04-01")),
        (1, d("2025-04-01"), d("2025-06-30")), (1, d("2025-06-30"), None),
        (2, d("2025-01-10"), d("2025-02-01")), (2, d("2025-02-01"), None),
        (3, d("2025-05-05"), None)]
    assert "valid_until" not in columns and left == 7
