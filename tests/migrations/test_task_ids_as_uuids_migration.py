"""Task ids as 16 bytes (a2b3c4d5e6f7) on a database of the previous head: the inbox rows written with
text ids read back the same, take 16 bytes, stay unique and keep their partial inbox indexes (SQLite
rebuilds the table); going down gives the text back."""
from __future__ import annotations

import uuid

import flask_migrate
import pytest
import sqlalchemy as sa

from models import HumanTask, db
from webapp import create_app

from .test_lean_storage_migration import index_definitions
from .test_ready_only_indexes_migration import NOW, ROWS, TASK
from .test_task_pipeline_migration import empty_database  # noqa: F401  (fixture)

PREVIOUS_HEAD, THIS = "f1a2b3c4d5e6", "a2b3c4d5e6f7"
IDS = [str(uuid.UUID(int=(0x1829 << 112) | n)) for n in (1, 2, 3)]


def test_the_ids_become_16_bytes_and_read_back_the_same(empty_database):  # noqa: F811
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        flask_migrate.upgrade(revision=PREVIOUS_HEAD)
        with db.engine.begin() as connection:
            for statement in ROWS:
                connection.execute(sa.text(statement), {"now": NOW})
            for n, (spiff, state) in enumerate(zip(IDS, ("ready", "completed", "ready")), start=1):
                connection.execute(sa.text(TASK), {"id": n, "spiff": spiff, "state": state, "now": NOW})
            indexes_before = index_definitions(connection, "human_tasks")

        flask_migrate.upgrade(revision=THIS)
        with db.engine.connect() as connection:
            assert index_definitions(connection, "human_tasks") == indexes_before
            if connection.dialect.name == "sqlite":
                assert connection.execute(sa.text("SELECT DISTINCT length(spiff_task_id) FROM human_tasks")).all() == [(16,)]
        assert db.session.scalars(sa.select(HumanTask.spiff_task_id).order_by(HumanTask.id)).all() == IDS
        found = db.session.scalars(sa.select(HumanTask.id).where(HumanTask.spiff_task_id == IDS[1])).all()
        assert found == [2]
        db.session.remove()
        with pytest.raises(sa.exc.IntegrityError), db.engine.begin() as connection:
            connection.execute(sa.insert(HumanTask.__table__).values(
                id=4, process_instance_id=1, spiff_task_id=IDS[0], name="x", title="x", form="f", role="bureau",
                state="completed"))

        flask_migrate.downgrade(revision=PREVIOUS_HEAD)
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT spiff_task_id FROM human_tasks ORDER BY id")).scalars().all() == IDS
            assert index_definitions(connection, "human_tasks") == indexes_before
        db.session.remove()
        db.engine.dispose()
