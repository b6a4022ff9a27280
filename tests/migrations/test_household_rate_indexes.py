"""The household loan rate's partial indexes (e0f1a2b3c4d5) on a database of the previous head: made
over the rows already there, the report's count unchanged by them, and gone again on downgrade."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from models import IS_OUTSTANDING, IS_REMOVED, Household, Loan, db
from webapp import create_app

from .test_loan_history_migration import LOAN, NOW, PLACES
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "d0e1f2a3b4c5", "e0f1a2b3c4d5"
INDEXES = {"loans": "ix_loans_borrowing", "households": "ix_households_removed"}


def _indexes(inspector) -> dict[str, list[str] | None]:
    return {table: next((ix["column_names"] for ix in inspector.get_indexes(table) if ix["name"] == name), None)
            for table, name in INDEXES.items()}


REMOVED_HOUSEHOLD = (  # household 2, taken off the list
    "INSERT INTO households (id, id_number, name, township_id, category, removed, dishonest, created_at, updated_at) "
    "VALUES (2, '500234199001012345', '李四', 1, 'poverty_lifted', true, false, :now, :now)")
ROWS = [*PLACES, (REMOVED_HOUSEHOLD, {}),
        *((LOAN, {"id": n, "status": status, "approved": 60000, "disbursed": "2025-01-10", "outstanding": 60000,
                  "covered": 50000, "days": 0, "risk": "normal"})
          for n, status in enumerate(("active", "overdue", "recovering", "closed"), start=1))]


def _seed(connection) -> None:
    for statement, values in ROWS:
        connection.execute(sa.text(statement), {"now": NOW, **values})


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
