"""The partial index of counted decisions (c9d0e1f2a3b4) on a database of the previous head: it holds
the completed extension and recovery tasks written before, and nothing else; the report's query
reads through it."""
from __future__ import annotations

from datetime import date

import flask_migrate
import sqlalchemy as sa

from models import IS_COUNTED_DECISION, AuditEvent, db
from webapp import create_app
from workflows.reports import risk
from workflows.reports.base import ReportFilters

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "b8c9d0e1f2a3", "c9d0e1f2a3b4"
EVENT = ("INSERT INTO audit_events (id, chain, chain_seq, occurred_at, action, task_name, prev_hash, hash) "
         "VALUES (:id, 0, :id, '2026-11-30 08:00:00+00:00', :action, :task, :prev, :hash)")  # as the table was then
EVENT_NOW = ("INSERT INTO audit_events (id, chain, chain_seq, occurred_at, action, task_name, hash) "
             "VALUES (:id, 0, :id, 1796025600000000, :action, :task, :hash)")  # the link not stored, time in µs
EVENTS = [("task_completed", "approve_extension"), ("task_completed", "investigate_credit"),
          ("task_claimed", "recover_loan"), ("task_completed", "confirm_recovery"), ("login", None)]


def _index(inspector):
    return next((ix for ix in inspector.get_indexes("audit_events") if ix["name"] == "ix_audit_events_decisions"), None)


def test_the_index_holds_the_counted_decisions_written_before(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for n, (action, task) in enumerate(EVENTS, start=1):
                connection.execute(sa.text(EVENT), {"id": n, "action": action, "task": task,
                                                    "prev": f"{n - 1:064x}", "hash": f"{n:064x}"})
        assert _index(sa.inspect(db.engine)) is None
        flask_migrate.upgrade(revision=THIS)
        assert _index(sa.inspect(db.engine))["column_names"] == ["loan_id", "task_name", "occurred_at"]
        counted = db.session.scalars(sa.select(AuditEvent.id).where(IS_COUNTED_DECISION).order_by(AuditEvent.id)).all()
        assert counted == [1, 4]
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        assert _index(sa.inspect(db.engine)) is None
        db.session.remove()
        db.engine.dispose()


def test_the_report_counts_through_the_partial_index(app):
    """A partial index is used only when the query states its predicate (SQLite always; PostgreSQL
    with a generic plan): the report's per-loan counts name it literally, and once the planner knows
    that most completed tasks are of other kinds (ANALYZE: PostgreSQL's autovacuum does it), it
    reads the decisions through their own index, not the trail's task-completion events."""
    query = sa.select(risk._task_counts(ReportFilters(date(2026, 1, 1), date(2026, 3, 31))))
    assert "'approve_extension', 'recover_loan', 'confirm_recovery'" in str(query.compile(db.engine))
    if db.engine.dialect.name != "sqlite":
        return
    connection = db.session.connection()  # one connection: SQLite's planner reads the statistics of the
    for n in range(1, 401):               # connection that ran ANALYZE (others keep what they loaded)
        task = "approve_extension" if n % 100 == 0 else "investigate_credit"
        connection.execute(sa.text(EVENT_NOW), {"id": n, "action": "task_completed", "task": task,  # digests as stored now
                                                "hash": n.to_bytes(32, "big")})
    connection.execute(sa.text("ANALYZE"))
    compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
    plan = " ".join(str(row[-1]) for row in connection.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
    db.session.rollback()
    assert "ix_audit_events_decisions" in plan, plan
