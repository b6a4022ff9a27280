"""The loan-history migration (b2c3d4e5f6a7) on a database built by the previous head (a1b2c3d4e5f6).

Loans written in the previous schema: the lent ones get one row each, valid from their disbursement
date with their figures then; loans not lent get none. Going back down removes the table.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import flask_migrate
import sqlalchemy as sa

from models import LoanHistory, db
from webapp import create_app

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "a1b2c3d4e5f6", "b2c3d4e5f6a7"
NOW = "2026-11-30 08:00:00+00:00"
LOAN = ("INSERT INTO loans (id, household_id, township_id, bank_id, kind, status, applicant_id_number, amount, "
        "term_months, purpose_category, purpose, applied_on, approved_amount, disbursed_on, principal_outstanding, "
        "subsidised_principal, covered_principal, extension_count, days_past_due, risk_class, created_at, updated_at) "
        "VALUES (:id, 1, 1, 1, 'new', :status, '500234199001011234', 60000, 24, 'planting', '种植', '2025-01-01', "
        ":approved, :disbursed, :outstanding, 0, :covered, 0, :days, :risk, :now, :now)")
PLACES = [  # township 1, bank 1 and household 1, which ``LOAN`` names (later migration tests reuse them)
    ("INSERT INTO townships (id, code, name) VALUES (1, 'hanfeng', '汉丰街道')", {}),
    ("INSERT INTO banks (id, code, name) VALUES (1, 'cqrcb', '重庆农商行')", {}),
    ("INSERT INTO households (id, id_number, name, township_id, category, removed, dishonest, created_at, updated_at) "
     "VALUES (1, '500234199001011234', '张三', 1, 'poverty_lifted', false, false, :now, :now)", {}),
]
ROWS = [
    *PLACES,
    (LOAN, {"id": 1, "status": "overdue", "approved": 60000, "disbursed": "2025-01-10", "outstanding": 30000,
            "covered": 50000, "days": 100, "risk": "substandard"}),
    (LOAN, {"id": 2, "status": "submitted", "approved": None, "disbursed": None, "outstanding": 0, "covered": 0,
            "days": 0, "risk": "normal"}),
]


def test_each_lent_loan_gets_its_current_row(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement, values in ROWS:
                connection.execute(sa.text(statement), {"now": NOW, **values})
        flask_migrate.upgrade(revision=THIS)
        history = db.session.execute(sa.select(
            LoanHistory.loan_id, LoanHistory.valid_from, LoanHistory.balance, LoanHistory.days_past_due,
            LoanHistory.risk_class, LoanHistory.covered_principal, LoanHistory.status, LoanHistory.township_id,
            LoanHistory.bank_id)).all()
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    # covered 50000 of 60000 approved, 30000 outstanding: 25000 of it covered
    assert [tuple(row) for row in history] == [(1, date(2025, 1, 10), Decimal("30000.00"), 100, "substandard",
                                                Decimal("25000.00"), "overdue", 1, 1)]
    assert "loan_history" not in tables
