"""The index by assignee holds the claimed rows only (f7a8b9c0d1e2): full before, partial after, full
again on downgrade; and a deactivated user's claimed tasks are still found through it."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from models import IS_READY, HumanTask, db
from webapp import create_app

from .test_lean_storage_migration import index_definitions
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "e6f7a8b9c0d1", "f7a8b9c0d1e2"
NAME = "ix_human_tasks_assignee_id"


def test_the_index_by_assignee_holds_the_claimed_rows_only(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            before = index_definitions(connection, "human_tasks")[NAME]
        flask_migrate.upgrade(revision=THIS)
        with db.engine.connect() as connection:
            after = index_definitions(connection, "human_tasks")[NAME]
            query = sa.select(HumanTask.id).where(HumanTask.assignee_id == 7, IS_READY)  # claims.release_claims_of
            if connection.dialect.name == "sqlite":
                compiled = query.compile(connection, compile_kwargs={"literal_binds": True})
                plan = " ".join(str(r[-1]) for r in connection.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
                assert NAME in plan, plan
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            again = index_definitions(connection, "human_tasks")[NAME]
        db.engine.dispose()
    assert "WHERE" not in before.upper() and "assignee_id IS NOT NULL" in after.replace("(", "").replace(")", "")
    assert again == before
