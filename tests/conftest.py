"""Fixtures: the app on TEST_DATABASE_URL (a SQLite file by default), a clean database per test,
and the reference world (townships, banks, one user per role, outsiders, LPR, diagrams)."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from models import db
from webapp import create_app
from workflows import accounts

from .factories import World, build_world


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    return os.environ.get("TEST_DATABASE_URL") or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")


@pytest.fixture(scope="session")
def _app(database_url):
    accounts.PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashes: the suite creates many users
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _empty_all_tables() -> None:
    db.session.remove()
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def app(_app):
    with _app.app_context():
        _empty_all_tables()
        yield _app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def table_count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def one(model, **filters):
    return db.session.scalars(sa.select(model).filter_by(**filters)).one()


def count(model, **filters) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))
