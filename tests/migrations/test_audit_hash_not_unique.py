"""The audit hash loses its unique constraint (b8c9d0e1f2a3) on a database of the previous head; the
events written before stay, in order, and going back down restores the constraint."""
from __future__ import annotations

import flask_migrate
import sqlalchemy as sa

from models import db
from webapp import create_app

from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "a7b8c9d0e1f2", "b8c9d0e1f2a3"
EVENT = ("INSERT INTO audit_events (id, chain, chain_seq, occurred_at, action, prev_hash, hash) "
         "VALUES (:id, 0, :id, '2026-11-30 08:00:00+00:00', 'login', :prev, :hash)")


def _hash_is_unique(inspector) -> bool:
    unique = [c["column_names"] for c in inspector.get_unique_constraints("audit_events")]
    indexed = [ix["column_names"] for ix in inspector.get_indexes("audit_events") if ix.get("unique")]
    return ["hash"] in unique or ["hash"] in indexed


def test_the_hash_is_no_longer_unique_and_the_events_stay(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for n in (1, 2, 3):
                connection.execute(sa.text(EVENT), {"id": n, "prev": f"{n - 1:064x}", "hash": f"{n:064x}"})
        assert _hash_is_unique(sa.inspect(db.engine))
        flask_migrate.upgrade(revision=THIS)
        assert not _hash_is_unique(sa.inspect(db.engine))
        assert "ix_audit_events_chain_seq" in {ix["name"] for ix in sa.inspect(db.engine).get_indexes("audit_events")}
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT id, hash FROM audit_events ORDER BY chain_seq")).all() == \
                [(n, f"{n:064x}") for n in (1, 2, 3)]
        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        assert _hash_is_unique(sa.inspect(db.engine))
        db.session.remove()
        db.engine.dispose()
