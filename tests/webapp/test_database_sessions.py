"""What every database session of the app is set up with (webapp ``_tune_postgresql`` / ``_tune_sqlite``)."""
from __future__ import annotations

import sqlalchemy as sa

from models import db
from webapp import create_app


def test_every_session_is_set_up_for_its_database(app):
    """PostgreSQL: no JIT (compiling a province-sized inbox query took longer than running it);
    SQLite: foreign keys enforced and the busy timeout set."""
    if db.engine.dialect.name == "postgresql":
        assert db.session.scalar(sa.text("SHOW jit")) == "off"
    else:
        assert db.session.scalar(sa.text("PRAGMA foreign_keys")) == 1
        assert db.session.scalar(sa.text("PRAGMA busy_timeout")) == 10000


def test_connection_options_given_by_a_deployment_are_kept():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u@127.0.0.1:1/none", "SECRET_KEY": "x",
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 3, "connect_args": {"options": "-c work_mem=64MB"}}})
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_size"] == 3 and options["connect_args"]["options"] == "-c jit=off -c work_mem=64MB"
