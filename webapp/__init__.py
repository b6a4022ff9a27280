"""The Flask application: ``create_app`` wires configuration, extensions, blueprints and commands."""
from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.routing import IntegerConverter

from models import db
from workflows import domains

from .config import Config, TestConfig
from .extensions import babel, csrf, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_object(TestConfig if test_config is not None else Config)
    if test_config:
        app.config.update(test_config)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        os.makedirs(app.instance_path, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = "sqlite:///" + os.path.join(app.instance_path, "microcredit.db")
    if not app.config["SECRET_KEY"]:
        raise RuntimeError("SECRET_KEY is not set (make run creates one in instance/secret_key)")
    _trust_proxies(app)
    _init_extensions(app)
    domains.load()
    _register_blueprints(app)
    from .cli import register_commands

    register_commands(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``PROXY_COUNT`` proxies, take the client address and scheme from their X-Forwarded-For and
    X-Forwarded-Proto (the sign-in throttle counts per client address; HSTS needs the https scheme)."""
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)


def _init_extensions(app: Flask) -> None:
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        _tune_postgresql(app)
    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _tune_sqlite(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR, render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    from .i18n import select_locale, select_timezone, wtforms_translations_once

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.before_request(wtforms_translations_once)


def _tune_postgresql(app: Flask) -> None:
    """No JIT compilation in the app's sessions (``-c jit=off``, the server's other settings kept).

    PostgreSQL compiles a query to machine code once its estimated cost passes ``jit_above_cost``; at
    a province's size the inbox and report queries pass it, and compiling took 0.2–0.8 s of a query
    that then ran in milliseconds (bench/province.py, docs/scale.md). Many short queries are what
    JIT does not pay off for."""
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    connect_args = dict(options.get("connect_args") or {})
    connect_args["options"] = " ".join(filter(None, ["-c jit=off", connect_args.get("options")]))
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "connect_args": connect_args}


def _tune_sqlite(app: Flask) -> None:
    """WAL, a busy timeout and foreign keys on every SQLite connection."""
    import sqlalchemy as sa

    with app.app_context():
        @sa.event.listens_for(db.engine, "connect")
        def _on_connect(dbapi_connection, _record):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            if app.config["SQLALCHEMY_DATABASE_URI"] not in ("sqlite://", "sqlite:///:memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: ASCII digits without leading zeros, at most 2^31 − 1.

    Anything else (``007``, a full-width ``１``, an id past a database integer) is no such page:
    404, never an overflow deep in a query."""

    # 0 … 2147483647 in the pattern itself: an id past it then matches no route for any method (404),
    # where a converter refusing it after the match made werkzeug answer 405 to a POST (schemathesis found it)
    regex = (r"(?:0|[1-9][0-9]{0,8}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}|2147[0-3][0-9]{5}"
             r"|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    from . import (admin, api, attachments, audit_review, auth, credit, errors, finance, home, imports, inbox, loans,
                   monitoring, reports, repayments, security, tasks)

    for module in (home, auth, inbox, tasks, loans, repayments, monitoring, finance, audit_review, imports,
                   reports, credit, attachments, admin, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)
    errors.register_error_handlers(app)
    security.register_security_headers(app)
