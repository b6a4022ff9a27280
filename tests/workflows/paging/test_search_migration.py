"""The search-and-paging migration (c3d4e5f6a7b8) on a database built by the previous head (b2c3d4e5f6a7):
indexes only (nothing to backfill), there after the upgrade and gone after the downgrade."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from models import db
from tests.migrations.test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)
from webapp import create_app

PREVIOUS_HEAD, THIS = "b2c3d4e5f6a7", "c3d4e5f6a7b8"
INDEXES = {"households": {"ix_households_name_prefix", "ix_households_township_order"},
           "loans": {"ix_loans_contract_prefix"},
           "human_tasks": {"ix_human_tasks_role_received", "ix_human_tasks_role_name", "ix_human_tasks_township_due",
                           "ix_human_tasks_bank_due"}}


def indexes() -> dict[str, set[str]]:
    inspector = sa.inspect(db.engine)
    return {table: {i["name"] for i in inspector.get_indexes(table)} & names for table, names in INDEXES.items()}


def test_the_indexes_come_and_go(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        before = indexes()
        flask_migrate.upgrade(revision=THIS)
        after = indexes()
        postgres = db.engine.dialect.name == "postgresql"
        tail = postgres and db.session.scalar(sa.text(
            "SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_households_id_tail'"))
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        back = indexes()
        db.engine.dispose()
    assert before == back == {table: set() for table in INDEXES}
    assert after == INDEXES
    assert tail == 1 or not postgres
