"""SQLite timestamps as integers (d5e6f7a8b9c0) on a database of the previous head: the text the app
wrote becomes microseconds since the epoch, reads back as the same instants, sorts and compares as
before, the audit trail still verifies; and the text comes back on downgrade. On PostgreSQL the
columns stay ``timestamptz`` and nothing changes."""
from __future__ import annotations

from datetime import datetime, timezone

import flask_migrate
import sqlalchemy as sa

from models import AuditEvent, Household, db
from webapp import create_app
from workflows import audit

from ..workflows.test_audit_chain import tamper
from .test_lean_storage_migration import _events, write_trail
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "c4d5e6f7a8b9", "d5e6f7a8b9c0"
WRITTEN = "2026-11-30 08:00:00.123456"  # as SQLAlchemy wrote a UTC instant on SQLite
WHOLE_SECOND = "2026-11-30 09:30:00"  # text without a fraction, as a hand-made row may hold
AT = datetime(2026, 11, 30, 8, 0, 0, 123456, tzinfo=timezone.utc)


def _stored(connection, table: str, column: str) -> list[tuple]:
    return connection.execute(sa.text(f"SELECT {column}, typeof({column}) FROM {table} ORDER BY id")).all()


def test_timestamps_become_integers_and_read_back_the_same(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    events = _events()
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        sqlite = db.engine.dialect.name == "sqlite"
        with db.engine.begin() as connection:
            write_trail(connection, events, WRITTEN if sqlite else AT)
            connection.execute(sa.text("UPDATE households SET updated_at = :later"),
                               {"later": WHOLE_SECOND if sqlite else datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc)})
        # The events were hashed at ``_events``'s own instant; give them that one instead of WRITTEN.
        first = events[0]["occurred_at"]
        tamper("UPDATE audit_events SET occurred_at = :at",
               at=first.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else first)

        flask_migrate.upgrade(revision=THIS)
        if sqlite:
            with db.engine.connect() as connection:
                households = (_stored(connection, "households", "created_at")
                              + _stored(connection, "households", "updated_at"))
                events_at = _stored(connection, "audit_events", "occurred_at")
            assert households == [(1796025600123456, "integer"), (1796031000000000, "integer")]
            assert {kind for _, kind in events_at} == {"integer"}
        household = db.session.get(Household, 1)
        assert (household.created_at, household.updated_at) == (AT, datetime(2026, 11, 30, 9, 30, tzinfo=timezone.utc))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Household).where(
            Household.created_at < datetime(2026, 11, 30, 8, 0, 0, 123457, tzinfo=timezone.utc),
            Household.created_at >= AT)) == 1  # compared to the microsecond
        assert db.session.scalars(sa.select(AuditEvent.occurred_at)).all() == [first.astimezone(timezone.utc)] * 3
        report = audit.verify()
        assert report.ok and report.checked == 3, report
        db.session.remove()

        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        if sqlite:
            with db.engine.connect() as connection:
                back = _stored(connection, "households", "created_at") + _stored(connection, "households", "updated_at")
            assert back == [(WRITTEN, "text"), ("2026-11-30 09:30:00.000000", "text")]
        db.session.remove()
        db.engine.dispose()
