"""The link not stored (e6f7a8b9c0d1) on a database of the previous head: a trail written with its
links stored still verifies without them, a changed event is still found, and the downgrade puts
every link back as it was (each event's from the one before it in its partition, the first's
genesis)."""
from __future__ import annotations

from datetime import timezone

import flask_migrate
import sqlalchemy as sa

from models import db
from webapp import create_app
from workflows import audit

from ..workflows.test_audit_chain import tamper
from .test_lean_storage_migration import AT, _events, write_trail
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "d5e6f7a8b9c0", "e6f7a8b9c0d1"
MICROSECONDS = int((AT - AT.replace(year=1970, month=1, day=1, hour=0, tzinfo=timezone.utc)).total_seconds()) * 10**6


def _links(connection) -> list[bytes]:
    return [bytes(link) for link in connection.execute(sa.text("SELECT prev_hash FROM audit_events ORDER BY id")).scalars()]


def test_the_trail_verifies_without_its_stored_links_and_gets_them_back(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    events = _events()
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        sqlite = db.engine.dialect.name == "sqlite"
        with db.engine.begin() as connection:
            write_trail(connection, events, MICROSECONDS if sqlite else AT)
            stored_links = _links(connection)
        assert stored_links == [bytes.fromhex(e["prev_hash"]) for e in events]

        flask_migrate.upgrade(revision=THIS)
        assert "prev_hash" not in {c["name"] for c in sa.inspect(db.engine).get_columns("audit_events")}
        report = audit.verify()
        assert report.ok and report.checked == 3, report
        tamper("UPDATE audit_events SET comment = 'changed' WHERE id = 2")
        changed = audit.verify()
        assert not changed.ok and changed.broken_event_id == 2, changed
        tamper("UPDATE audit_events SET comment = :c WHERE id = 2", c=events[1]["comment"])
        db.session.remove()

        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            assert _links(connection) == stored_links
        db.session.remove()
        db.engine.dispose()
