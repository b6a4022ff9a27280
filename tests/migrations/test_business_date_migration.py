"""The business-date migration (e1a2b3c4d5e6) on a database built by the previous head (d7b2e5c9a1f4).

Audit events are written there as the previous code wrote them (no business date, the previous hash);
after the upgrade they still verify, a new event carries its business date, the chain verifies as a
whole, and the business clock table is there and empty. Going back down removes both.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import flask_migrate
import sqlalchemy as sa

from models import GENESIS_HASH, AuditEvent, db
from webapp import create_app
from workflows import audit, clock

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "d7b2e5c9a1f4", "e1a2b3c4d5e6"
START = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)


def previous_hash(fields: dict) -> str:
    content = {name: audit.jsonable(fields.get(name)) for name in (*audit.HASHED_FIELDS, "prev_hash")}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def write_events_as_before(connection, count: int = 3) -> None:
    events = sa.table("audit_events", *(sa.column(name) for name in ("id", "hash", "prev_hash", *audit.HASHED_FIELDS)))
    previous, last_id = GENESIS_HASH, None
    for number in range(1, count + 1):
        fields = {"occurred_at": START + timedelta(minutes=number), "action": f"old_{number}", "actor_role": "system",
                  "after": {"n": number}, "prev_hash": previous}
        previous = previous_hash(fields)
        last_id = connection.scalar(sa.insert(events).values(
            hash=previous, **{**fields, "occurred_at": fields["occurred_at"].replace(tzinfo=None),
                              "after": json.dumps(fields["after"])}).returning(events.c.id))
    connection.execute(sa.text("INSERT INTO audit_chain_head (id, last_event_id, last_hash, sequence) "
                               "VALUES (1, :id, :hash, :count)"), {"id": last_id, "hash": previous, "count": count})


def test_events_written_before_the_upgrade_still_verify_and_new_ones_carry_the_business_date(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            write_events_as_before(connection)
        flask_migrate.upgrade(revision=THIS)
        flask_migrate.upgrade()  # the tables as the current code reads and writes them
        assert audit.verify() == audit.ChainReport(True, 3)
        audit.record("after_the_upgrade")
        db.session.commit()
        report = audit.verify()
        dates = db.session.execute(sa.select(AuditEvent.action, AuditEvent.business_date)
                                   .order_by(AuditEvent.id)).all()
        clock_rows = db.session.scalar(sa.text("SELECT count(*) FROM business_clock"))
        db.session.remove()
        db.engine.dispose()
    assert report == audit.ChainReport(True, 4)
    assert dates == [("old_1", None), ("old_2", None), ("old_3", None), ("after_the_upgrade", clock.today())]
    assert clock_rows == 0


def test_the_upgrade_goes_back_down_cleanly(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=THIS)
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("audit_events")}
        tables = set(sa.inspect(db.engine).get_table_names())
        db.engine.dispose()
    assert "business_date" not in columns and "business_clock" not in tables
