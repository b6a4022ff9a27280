"""``audit_anchors`` is append-only on PostgreSQL, as ``audit_events`` is: the database refuses UPDATE
and DELETE of an anchor (trigger ``audit_anchors_append_only``), in a schema built by ``create_all``
and in one built by the migrations (f6a7b8c9d0e1), which goes back down without it. On SQLite the
migration changes nothing."""
from __future__ import annotations

import flask_migrate
import pytest
import sqlalchemy as sa

from models import AuditAnchor, db
from webapp import create_app
from workflows import audit

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "e5f6a7b8c9d0", "f6a7b8c9d0e1"
CHANGES = ("UPDATE audit_anchors SET hash = 'x' WHERE id = :id", "DELETE FROM audit_anchors WHERE id = :id")
ANCHOR = ("INSERT INTO audit_anchors (created_at, heads, prev_hash, hash) "
          "VALUES ('2026-11-30 08:00:00', '[]', :prev, :hash) RETURNING id")


def _refused(connection, statement: str, anchor_id: int) -> bool:
    """Whether ``statement`` on the anchor fails (in a savepoint, so the connection goes on)."""
    try:
        with connection.begin_nested():
            connection.execute(sa.text(statement), {"id": anchor_id})
    except sa.exc.DBAPIError as error:
        assert "audit_anchors is append-only" in str(error.orig)
        return True
    return False


def _trigger_count(connection) -> int:
    return connection.scalar(sa.text("SELECT count(*) FROM pg_trigger WHERE tgname = 'audit_anchors_append_only'"))


def test_an_anchor_cannot_be_changed_or_removed(world, is_postgres):
    if not is_postgres:
        pytest.skip("the trigger is PostgreSQL's")
    anchor = audit.anchor()
    db.session.commit()
    assert anchor is not None
    with db.engine.connect() as connection:
        with connection.begin():
            refused = [_refused(connection, statement, anchor.id) for statement in CHANGES]
    assert refused == [True, True]
    assert db.session.scalar(sa.select(sa.func.count(AuditAnchor.id))) == 1
    assert db.session.get(AuditAnchor, anchor.id).hash == anchor.hash


def test_the_migration_adds_the_guard_and_takes_it_away(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            first = connection.scalar(sa.text(ANCHOR), {"prev": "0" * 64, "hash": "a" * 64})
        postgres = db.engine.dialect.name == "postgresql"
        flask_migrate.upgrade(revision=THIS)
        with db.engine.connect() as connection:
            with connection.begin():
                after_upgrade = [_refused(connection, statement, first) for statement in CHANGES]
                triggers_up = _trigger_count(connection) if postgres else None
                connection.rollback()
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            with connection.begin():
                triggers_down = _trigger_count(connection) if postgres else None
                functions_down = connection.scalar(sa.text(
                    "SELECT count(*) FROM pg_proc WHERE proname = 'audit_anchors_refuse_change'")) if postgres else None
                after_downgrade = [_refused(connection, statement, first) for statement in CHANGES]
        flask_migrate.upgrade()  # and up again to the head
        db.session.remove()
        db.engine.dispose()
    if postgres:
        assert after_upgrade == [True, True] and triggers_up == 1
        assert triggers_down == 0 and functions_down == 0
    else:
        assert after_upgrade == [False, False]
    assert after_downgrade == [False, False]
