"""The index of audit events by process instance (b3c4d5e6f7a8) on a database of the previous head: after
the upgrade it holds only the events of processes without a loan, a task's earlier rounds are still
found through it, and the downgrade gives the full index back."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from models import AuditEvent, HumanTask, db
from webapp import create_app
from workflows.tasks import history

from .test_lean_storage_migration import index_definitions
from .test_loan_history_migration import LOAN, NOW, PLACES
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "a2b3c4d5e6f7", "b3c4d5e6f7a8"
INSTANCES = ("INSERT INTO process_versions (id, process_key, version, source_hash, sources, deployed_at) "
             "VALUES (1, 'p', 1, 'h', '{}', :now)",
             "INSERT INTO process_instances (id, process_version_id, loan_id, state, status, version, created_at, "
             "updated_at) VALUES (1, 1, 1, '', 'running', 1, :now, :now), (2, 1, NULL, '', 'running', 1, :now, :now)")
EVENT = ("INSERT INTO audit_events (id, chain, chain_seq, occurred_at, action, loan_id, process_instance_id, task_name, "
         "after, prev_hash, hash) VALUES (:id, 0, :id, :now, 'task_completed', :loan, :instance, 'record_topup', "
         ":after, :digest, :digest)")


def _index(connection) -> str:
    return index_definitions(connection, "audit_events")["ix_audit_events_instance_task"]


def test_the_index_holds_the_events_without_a_loan(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement, values in PLACES:
                connection.execute(sa.text(statement), {"now": NOW, **values})
            connection.execute(sa.text(LOAN), {"now": NOW, "id": 1, "status": "active", "approved": 30000,
                                                "disbursed": "2025-01-10", "outstanding": 30000, "covered": 30000,
                                                "days": 0, "risk": "normal"})
            for statement in INSTANCES:
                connection.execute(sa.text(statement), {"now": NOW})
            for n, (loan, instance) in enumerate(((1, 1), (None, 2), (None, 2)), start=1):
                connection.execute(sa.text(EVENT), {"id": n, "now": NOW, "loan": loan, "instance": instance,
                                                    "after": f'{{"form": {{"round": {n}}}}}', "digest": bytes(32)})
            assert "WHERE" not in _index(connection).upper()
        flask_migrate.upgrade(revision=THIS)
        with db.engine.connect() as connection:
            assert "LOAN_ID IS NULL" in _index(connection).upper()
        row = HumanTask(process_instance_id=2, loan_id=None, name="record_topup")
        found = db.session.scalars(history._completions(row).order_by(sa.text("id"))).all()
        assert [event.id for event in found] == [2, 3]
        if db.engine.dialect.name == "sqlite":
            query = history._completions(row).where(AuditEvent.task_name == "record_topup")
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = " ".join(str(r[-1]) for r in db.session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert "ix_audit_events_instance_task" in plan, plan
        db.session.remove()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            assert "WHERE" not in _index(connection).upper()
        db.engine.dispose()
