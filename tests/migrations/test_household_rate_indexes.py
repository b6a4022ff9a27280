"""The household loan rate's partial indexes (e0f1a2b3c4d5) on a database of the previous head: made
over the rows already there, the report's count unchanged by them, and gone again on downgrade."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from models import IS_OUTSTANDING, IS_REMOVED, Household, Loan, db
from webapp import create_app

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "d0e1f2a3b4c5", "e0f1a2b3c4d5"
INDEXES = {"loans": "ix_loans_borrowing", "households": "ix_households_removed"}


def _indexes(inspector) -> dict[str, list[str] | None]:
    return {table: next((ix["column_names"] for ix in inspector.get_indexes(table) if ix["name"] == name), None)
            for table, name in INDEXES.items()}


def _seed(connection) -> None:
    connection.execute(sa.text("INSERT INTO townships (id, code, name) VALUES (1, 't1', '汉丰街道')"))
    connection.execute(sa.text("INSERT INTO banks (id, code, name) VALUES (1, 'b1', '农商行')"))
    for n, removed in ((1, False), (2, True)):
        connection.execute(sa.text(
            "INSERT INTO households (id, id_number, name, township_id, category, removed, dishonest, created_at, "
            "updated_at) VALUES (:n, :idn, '户', 1, 'poverty_lifted', :removed, false, '2026-01-01', '2026-01-01')"),
            {"n": n, "idn": f"50023419800615{n:04d}", "removed": removed})
    for n, (household, status) in enumerate(((1, "active"), (1, "overdue"), (2, "active"), (1, "closed")), start=1):
        connection.execute(sa.text(
            "INSERT INTO loans (id, household_id, township_id, bank_id, kind, status, applicant_id_number, amount, "
            "term_months, purpose_category, purpose, applied_on, principal_outstanding, subsidised_principal, "
            "covered_principal, extension_count, days_past_due, risk_class, created_at, updated_at) VALUES (:n, :h, 1, "
            "1, 'new', :status, 'x', 10000, 12, 'breeding', 'x', '2026-01-01', 10000, 0, 0, 0, 0, 'normal', "
            "'2026-01-01', '2026-01-01')"), {"n": n, "h": household, "status": status})


def test_the_indexes_are_made_over_the_rows_already_there(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            _seed(connection)
        assert _indexes(sa.inspect(db.engine)) == {"loans": None, "households": None}
        flask_migrate.upgrade(revision=THIS)
        assert _indexes(sa.inspect(db.engine)) == {"loans": ["township_id", "household_id"], "households": ["id"]}
        outstanding = db.session.scalars(sa.select(Loan.id).where(IS_OUTSTANDING).order_by(Loan.id)).all()
        removed = db.session.scalars(sa.select(Household.id).where(IS_REMOVED)).all()
        assert outstanding == [1, 2, 3] and removed == [2]
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        assert _indexes(sa.inspect(db.engine)) == {"loans": None, "households": None}
        db.session.remove()
        db.engine.dispose()
