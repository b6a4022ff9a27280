"""Lean storage (f1a2b3c4d5e6) on a database of the previous head: the audit hashes written as hex become
their 32 bytes and the trail still verifies, the partial index on the trail survives SQLite's table
rebuild, the redundant indexes go; and all of it comes back on downgrade."""
from __future__ import annotations

from datetime import datetime, timezone
from types import SimpleNamespace

import flask_migrate
import sqlalchemy as sa

from models import AuditEvent, db, genesis_hash
from webapp import create_app
from workflows import audit

from .test_loan_history_migration import NOW, PLACES
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "e0f1a2b3c4d5", "f1a2b3c4d5e6"
CHAIN = 1
AT = datetime(2026, 11, 30, 8, 0, tzinfo=timezone.utc)
EVENT = ("INSERT INTO audit_events (id, chain, chain_seq, occurred_at, action, actor_name, loan_id, task_name, "
         "after, comment, prev_hash, hash) VALUES (:id, :chain, :id, :at, :action, :actor_name, NULL, :task_name, "
         ":after, :comment, :prev_hash, :hash)")
HEAD = "UPDATE audit_chain_heads SET sequence = :seq, last_hash = :hash, last_event_id = :id WHERE chain = :chain"
REDUNDANT = {"repayment_schedule_lines": "ix_repayment_schedule_lines_loan_id",
             "households": "ix_households_township_id", "villages": "ix_villages_township_id",
             "policy_settings": "ix_policy_settings_key"}


def _events() -> list[dict]:
    """Three chained events as the app of the previous head wrote them (hex digests, JSON as text)."""
    events, prev = [], genesis_hash(CHAIN)
    for n, (action, task, comment) in enumerate((("loan_registered", "register_application", None),
                                                 ("task_completed", "confirm_eligibility", "名单内，同意"),
                                                 ("task_completed", "approve_extension", "展期一次")), start=1):
        fields = {name: None for name in (*audit.HASHED_FIELDS, "business_date")}
        fields.update(occurred_at=AT, action=action, actor_name="clerk_hanfeng", task_name=task,
                      after={"form": {"note": comment}}, comment=comment, prev_hash=prev)
        digest = audit.event_hash(SimpleNamespace(**fields), prev)
        events.append({**fields, "id": n, "chain": CHAIN, "at": NOW, "after": f'{{"form": {{"note": "{comment}"}}}}'
                       if comment else '{"form": {"note": null}}', "hash": digest})
        prev = digest
    return events


def write_trail(connection, events: list[dict], at) -> None:
    """The places a loan names (``PLACES``) and ``events`` with their digests and links as bytes (the
    schema from f1a2b3c4d5e6 up to e6f7a8b9c0d1), all written at ``at``, and the chain's head on the
    last event: the trail the later migration tests start from."""
    for statement, values in PLACES:
        connection.execute(sa.text(statement), {"now": at, **values})
    for event in events:
        connection.execute(sa.text(EVENT), {**event, "at": at, "prev_hash": bytes.fromhex(event["prev_hash"]),
                                            "hash": bytes.fromhex(event["hash"])})
    connection.execute(sa.text(HEAD), {"chain": CHAIN, "seq": len(events), "hash": events[-1]["hash"],
                                       "id": events[-1]["id"]})


def _stored(connection) -> list[tuple]:
    return connection.execute(sa.text("SELECT prev_hash, hash FROM audit_events ORDER BY id")).all()


def index_definitions(connection, table: str) -> dict[str, str]:
    """Each index of ``table`` as the database states it (name -> its CREATE INDEX), on either dialect:
    what a table rebuild or a type change must give back unchanged."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"),
                                  {"t": table})
    else:
        rows = connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                                          "AND tbl_name = :t AND sql IS NOT NULL"), {"t": table})
    return dict(rows.all())


def test_the_digests_become_bytes_and_the_trail_verifies(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    events = _events()
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement, values in PLACES:
                connection.execute(sa.text(statement), {"now": NOW, **values})
            for event in events:
                connection.execute(sa.text(EVENT), event)
            connection.execute(sa.text(HEAD), {"chain": CHAIN, "seq": 3, "hash": events[-1]["hash"], "id": 3})
            decisions_before = index_definitions(connection, "audit_events")["ix_audit_events_decisions"]
        inspector = sa.inspect(db.engine)
        assert all(name in {ix["name"] for ix in inspector.get_indexes(table)} for table, name in REDUNDANT.items())

        flask_migrate.upgrade(revision=THIS)
        with db.engine.connect() as connection:
            stored = _stored(connection)
            assert [(bytes(p), bytes(h)) for p, h in stored] == [
                (bytes.fromhex(e["prev_hash"]), bytes.fromhex(e["hash"])) for e in events]
            decisions = index_definitions(connection, "audit_events")["ix_audit_events_decisions"]
            assert "WHERE" in decisions.upper()
            assert decisions == decisions_before
        inspector = sa.inspect(db.engine)
        assert not any(name in {ix["name"] for ix in inspector.get_indexes(table)} for table, name in REDUNDANT.items())
        assert db.session.scalars(sa.select(AuditEvent.hash).order_by(AuditEvent.id)).all() == [
            e["hash"] for e in events]
        report = audit.verify()
        assert report.ok and report.checked == 3, report
        db.session.remove()

        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            assert _stored(connection) == [(e["prev_hash"], e["hash"]) for e in events]
        inspector = sa.inspect(db.engine)
        assert all(name in {ix["name"] for ix in inspector.get_indexes(table)} for table, name in REDUNDANT.items())
        db.session.remove()
        db.engine.dispose()
