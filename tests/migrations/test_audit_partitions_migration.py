"""The audit-partitions migration (a1b2c3d4e5f6) on a database built by the previous head (e9a0b1c2d3e4).

Events are written there as the previous code wrote them: one chain, its single head row. After the
upgrade they are partition 0's chain, numbered in id order, the single head is partition 0's, every
other partition has an empty head, and the trail verifies unchanged; a new event in partition 0 links
after the last old one. A tail removed before the upgrade is still found after it. On PostgreSQL the
append-only trigger is still there and enabled. Going back down restores the single head.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from types import SimpleNamespace

import flask_migrate
import sqlalchemy as sa

from models import GENESIS_HASH, PARTITIONS, AuditEvent, db, genesis_hash
from webapp import create_app
from workflows import audit

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "e9a0b1c2d3e4", "a1b2c3d4e5f6"
START = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
COLUMNS = ("id", "hash", "business_date", "prev_hash", *audit.HASHED_FIELDS)  # the link was stored then


def write_single_chain(connection, count: int = 4, head_count: int | None = None) -> list[tuple[int, str]]:
    """``count`` events chained as the previous code did; its head row (its sequence: ``head_count``, or ``count``)."""
    events = sa.table("audit_events", *(sa.column(name) for name in COLUMNS))
    previous, written = GENESIS_HASH, []
    for number in range(1, count + 1):
        fields = {name: None for name in audit.HASHED_FIELDS} | {
            "occurred_at": START + timedelta(minutes=number), "action": f"old_{number}", "actor_role": "system",
            "after": {"n": number}, "prev_hash": previous, "business_date": date(2026, 11, 30)}
        previous = audit.event_hash(SimpleNamespace(**fields), previous)
        event_id = connection.scalar(sa.insert(events).values(
            hash=previous, **{**fields, "occurred_at": fields["occurred_at"].replace(tzinfo=None),
                              "after": json.dumps(fields["after"])}).returning(events.c.id))
        written.append((event_id, previous))
    connection.execute(sa.text("INSERT INTO audit_chain_head (id, last_event_id, last_hash, sequence) "
                               "VALUES (1, :id, :hash, :count)"),
                       {"id": written[-1][0], "hash": previous, "count": head_count or count})
    return written


def _upgraded_app(database_url: str, **writing):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            written = write_single_chain(connection, **writing)
        flask_migrate.upgrade(revision=THIS)
    return app, written


def test_the_single_chain_becomes_partition_0_and_still_verifies(empty_database, monkeypatch):  # noqa: F811
    app, written = _upgraded_app(empty_database)
    with app.app_context():
        placed = db.session.execute(sa.select(AuditEvent.id, AuditEvent.chain, AuditEvent.chain_seq)
                                    .order_by(AuditEvent.id)).all()
        heads = db.session.execute(sa.text(
            "SELECT chain, sequence, last_hash, last_event_id FROM audit_chain_heads ORDER BY chain")).all()
        first_report = audit.verify()
        db.session.remove()
        flask_migrate.upgrade()  # today's app writes on, in the newest schema its models have
        monkeypatch.setattr(audit, "partition_for", lambda *key: 0)
        audit.record("after_the_upgrade")
        db.session.commit()
        new = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "after_the_upgrade")).one()
        second_report = audit.verify()
        trigger = (db.session.scalar(sa.text("SELECT tgenabled FROM pg_trigger WHERE tgname = "
                                             "'audit_events_append_only'"))
                   if db.engine.dialect.name == "postgresql" else None)
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in placed] == [(event_id, 0, n) for n, (event_id, _) in enumerate(written, 1)]
    assert tuple(heads[0]) == (0, 4, written[-1][1], written[-1][0])
    assert [tuple(row) for row in heads[1:]] == [(c, 0, genesis_hash(c), None) for c in range(1, PARTITIONS)]
    assert first_report == audit.ChainReport(True, 4)
    assert (new.chain, new.chain_seq, new.hash) == (0, 5, audit.event_hash(new, written[-1][1]))
    assert second_report == audit.ChainReport(True, 5)
    if trigger is not None:
        assert trigger == "O"  # there and enabled


def test_a_tail_removed_before_the_upgrade_is_still_found(empty_database):  # noqa: F811
    app, written = _upgraded_app(empty_database, count=3, head_count=4)  # the head counted a 4th event, gone
    with app.app_context():
        report = audit.verify()
        db.session.remove()
        db.engine.dispose()
    assert not report.ok and report.chain == 0 and "last events were removed" in report.reason


def test_the_upgrade_goes_back_down_to_the_single_head(empty_database):  # noqa: F811
    app, written = _upgraded_app(empty_database, count=2)
    with app.app_context():
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        inspector = sa.inspect(db.engine)
        columns = {c["name"] for c in inspector.get_columns("audit_events")}
        tables = set(inspector.get_table_names())
        with db.engine.connect() as connection:
            head = connection.execute(sa.text(
                "SELECT id, sequence, last_hash, last_event_id FROM audit_chain_head")).all()
            trigger = (connection.scalar(sa.text("SELECT count(*) FROM pg_trigger WHERE tgname = "
                                                 "'audit_events_append_only'"))
                       if connection.dialect.name == "postgresql" else None)
        db.engine.dispose()
    assert {"chain", "chain_seq"}.isdisjoint(columns) and {"audit_chain_heads", "audit_anchors"}.isdisjoint(tables)
    assert [tuple(row) for row in head] == [(1, 2, written[-1][1], written[-1][0])]
    assert trigger in (None, 1)


def test_an_empty_trail_upgrades_to_empty_heads(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=THIS)
        heads = db.session.execute(sa.text("SELECT chain, sequence, last_hash FROM audit_chain_heads "
                                           "ORDER BY chain")).all()
        report = audit.verify()
        db.session.remove()
        db.engine.dispose()
    assert [tuple(row) for row in heads] == [(c, 0, genesis_hash(c)) for c in range(PARTITIONS)]
    assert report == audit.ChainReport(True, 0)
