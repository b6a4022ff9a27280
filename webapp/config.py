"""Configuration read from the environment; ``TestConfig`` for the test suite."""
from __future__ import annotations

import os
from datetime import timedelta


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL", "")  # default set in create_app: instance folder
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_HTTPONLY = True
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)  # absolute: counted from sign-in, activity does not extend it
    SESSION_IDLE_MINUTES = int(os.environ.get("SESSION_IDLE_MINUTES", "30"))  # signed out after this long idle
    SESSION_REFRESH_EACH_REQUEST = False  # the cookie is rewritten when the session changes (activity: once a minute)
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))  # trusted proxies in front (X-Forwarded-For/-Proto)
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    # One catalogue per area of the app (merged by Flask-Babel); source strings are English.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        f"translations/{area}" for area in ("core", "work", "loans", "api", "postloan", "repayments", "finance", "admin", "audit", "imports",
                                          "reports", "clock", "credit", "users", "attachments"))
    API_TOKEN_LIFETIME = timedelta(hours=12)
    SHOW_DEMO_LOGINS = os.environ.get("SHOW_DEMO_LOGINS", "0") == "1"
    # The business date (业务日期, workflows/clock.py) may be set on a database seed-demo made; set this to 1 to
    # allow it on any other (a test or training database). Never on a production database.
    BUSINESS_DATE_SETTABLE = os.environ.get("BUSINESS_DATE_SETTABLE", "0") == "1"
    # Sign-in throttle, shared by all workers through the database (workflows/accounts.py, docs/security.md)
    LOGIN_FAILURES_PER_ADDRESS = 20  # per client address within LOGIN_LOCK_PERIOD → HTTP 429
    LOGIN_FAILURES_BEFORE_LOCK = 5  # per name and address, or per name from unfamiliar addresses → locked
    LOGIN_LOCK_PERIOD = timedelta(minutes=15)
    LOGIN_FAMILIAR_ADDRESS_PERIOD = timedelta(days=30)  # an address that signed in to an account this recently
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    # Attached files (workflows/attachments/storage.py): empty = <instance>/attachments, or file:<folder>.
    # One file is at most 15 MiB (workflows/attachments/content.py), a request at most MAX_CONTENT_LENGTH.
    ATTACHMENT_STORAGE = os.environ.get("ATTACHMENT_STORAGE", "")


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
