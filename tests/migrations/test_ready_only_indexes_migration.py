"""The ready-only inbox indexes (a7b8c9d0e1f2) on a database built by the previous head (f6a7b8c9d0e1).

The seven inbox indexes become partial (``WHERE state = 'ready'``) without the state column; rows
written before stay and are found; going back down restores the full indexes.
"""
from __future__ import annotations

import uuid

import flask_migrate
import sqlalchemy as sa

from models import IS_READY, HumanTask, db
from webapp import create_app

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "f6a7b8c9d0e1", "a7b8c9d0e1f2"
INBOX_INDEXES = {"ix_human_tasks_inbox", "ix_human_tasks_due", "ix_human_tasks_role_due", "ix_human_tasks_role_received",
                 "ix_human_tasks_role_name", "ix_human_tasks_township_due", "ix_human_tasks_bank_due"}
NOW = "2026-11-30 08:00:00+00:00"
ROWS = [
    "INSERT INTO townships (id, code, name) VALUES (1, 'hanfeng', '汉丰街道')",
    "INSERT INTO process_versions (id, process_key, version, source_hash, sources, deployed_at) "
    "VALUES (1, 'p', 1, 'h', '{}', :now)",
    "INSERT INTO process_instances (id, process_version_id, state, status, version, created_at, updated_at) "
    "VALUES (1, 1, '', 'running', 1, :now, :now)",
]
TASK = ("INSERT INTO human_tasks (id, process_instance_id, spiff_task_id, name, title, form, role, township_id, "
        "state, created_at) VALUES (:id, 1, :spiff, 'confirm_eligibility', 't', 'f', 'bureau', 1, :state, :now)")


def _indexes(inspector) -> dict[str, list[str]]:
    return {ix["name"]: ix["column_names"] for ix in inspector.get_indexes("human_tasks") if ix["name"] in INBOX_INDEXES}


def test_the_inbox_indexes_hold_ready_rows_only_and_find_the_old_rows(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement), {"now": NOW})
            for n, state in enumerate(("ready", "completed", "cancelled", "ready"), start=1):
                connection.execute(sa.text(TASK), {"id": n, "spiff": str(uuid.UUID(int=n)), "state": state, "now": NOW})
        assert all(columns[0] == "state" for columns in _indexes(sa.inspect(db.engine)).values())
        flask_migrate.upgrade(revision=THIS)
        indexes = _indexes(sa.inspect(db.engine))
        assert set(indexes) == INBOX_INDEXES and all("state" not in columns for columns in indexes.values())
        assert indexes["ix_human_tasks_role_due"] == ["role", "due_at", "id"]
        ready = db.session.scalars(sa.select(HumanTask.id).where(IS_READY, HumanTask.role == "bureau")
                                   .order_by(HumanTask.id)).all()
        assert ready == [1, 4]
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        assert all(columns[0] == "state" for columns in _indexes(sa.inspect(db.engine)).values())
        db.session.remove()
        db.engine.dispose()


def test_a_query_for_ready_rows_uses_a_ready_only_index(app):
    """SQLite (and PostgreSQL) can use a partial index only when the query states its predicate."""
    statement = sa.select(HumanTask.id).where(IS_READY, HumanTask.role == "bureau").order_by(HumanTask.due_at, HumanTask.id)
    compiled = statement.compile(db.engine, compile_kwargs={"literal_binds": True})
    if db.engine.dialect.name == "sqlite":
        plan = " ".join(str(row[-1]) for row in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
        assert "ix_human_tasks_role_due" in plan, plan
    assert "'ready'" in str(statement.compile(db.engine))
