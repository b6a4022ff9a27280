"""A scratch SQLite database with the reference world, for the benches that drive the services."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from models import db
from tests.factories import World, build_world
from webapp import create_app
from workflows import accounts


@contextmanager
def scratch_world() -> Iterator[tuple[object, World]]:
    """(app, world) inside an app context on a throw-away database; cheap password hashes."""
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "WTF_CSRF_ENABLED": False})
        with app.app_context():
            db.create_all()
            try:
                yield app, build_world()
            finally:
                db.session.remove()
                db.engine.dispose()
