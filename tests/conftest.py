"""Fixtures: the app on TEST_DATABASE_URL (a SQLite file by default), a clean database per test,
the reference world (townships, banks, one user per role, outsiders, LPR, diagrams), and ``login``:
the one way the page and API tests sign in."""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from models import db
from webapp import create_app
from workflows import accounts, clock

from .factories import PASSWORD, World, build_world


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    """SQLite in a temporary folder, or TEST_DATABASE_URL; each xdist worker gets its own PostgreSQL database."""
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.db")
    if url.startswith("postgresql") and worker_id != "master":
        url = _worker_database(url, worker_id)
    return url


def _worker_database(url: str, worker_id: str) -> str:
    base = sa.engine.make_url(url)
    worker_url = base.set(database=f"{base.database}_{worker_id}")
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{worker_url.database}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{worker_url.database}"'))
    admin.dispose()
    return worker_url.render_as_string(hide_password=False)


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
        if connection.dialect.name == "postgresql":  # TRUNCATE: the audit table refuses DELETE
            names = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
            connection.execute(sa.text(f"TRUNCATE {names}"))
            return
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture(autouse=True)
def _clock_left_as_found():
    """No test leaves the clock frozen or held: a leaked block moved every later test's today
    (two threads each freezing the clock once ended out of order and left 2024-03-20 behind)."""
    assert not clock.is_overridden(), "a frozen/held clock block was open before this test"
    yield
    assert not clock.is_overridden(), "this test left a frozen/held clock block open"


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


class AuthActions:
    """Sign-in for the tests, like flaskr's ``AuthActions``, through the real endpoints.

    ``login("clerk_hanfeng")`` is a fresh test client signed in with ``POST /login``: each call is an
    independent session, so a test with two users holds two clients. ``login.token("bureau")`` is the
    API's ``Authorization`` header from ``POST /api/v1/tokens`` (no session cookie involved).
    """

    def __init__(self, app: Flask):
        self.app = app

    def __call__(self, username: str, password: str = PASSWORD) -> FlaskClient:
        client = self.app.test_client()
        answer = client.post("/login", data={"username": username, "password": password})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return client

    def logout(self, client: FlaskClient):
        answer = client.post("/logout")
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return answer

    def token(self, username: str, password: str = PASSWORD) -> dict[str, str]:
        answer = self.app.test_client().post("/api/v1/tokens", json={"username": username, "password": password})
        assert answer.status_code == 201, answer.get_json()
        return {"Authorization": f"Bearer {answer.get_json()['token']}"}


@pytest.fixture
def login(app, world) -> AuthActions:
    """``login(username)``: a new client signed in as that demo user; ``login.token(username)``: API headers."""
    return AuthActions(app)


@pytest.fixture
def is_postgres(database_url) -> bool:
    return database_url.startswith("postgresql")


def table_count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def one(model, **filters):
    return db.session.scalars(sa.select(model).filter_by(**filters)).one()


def count(model, **filters) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).filter_by(**filters))


def pytest_terminal_summary(terminalreporter) -> None:
    """Say loudly at the end when the browser tests were skipped for want of Chromium: a skip is
    otherwise one letter among thousands of dots (``.ci/run`` installs it and sets REQUIRE_BROWSER)."""
    skipped = [report for report in terminalreporter.stats.get("skipped", [])
               if "no Chromium on this machine" in str(report.longrepr)]
    if skipped:
        terminalreporter.write_sep("!", f"{len(skipped)} browser tests skipped: no Chromium here "
                                        "(apt-get install chromium, or set BROWSER_EXECUTABLE)", yellow=True, bold=True)
