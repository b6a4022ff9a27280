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
    PERMANENT_SESSION_LIFETIME = timedelta(hours=8)
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES = ("zh_CN", "en")
    # One catalogue per area of the app (merged by Flask-Babel); source strings are English.
    BABEL_TRANSLATION_DIRECTORIES = ";".join(
        f"translations/{area}" for area in ("core", "work", "loans", "api", "postloan", "repayments", "finance", "admin", "audit", "imports",
                                          "reports"))
    API_TOKEN_LIFETIME = timedelta(hours=12)
    SHOW_DEMO_LOGINS = os.environ.get("SHOW_DEMO_LOGINS", "0") == "1"
    LOGIN_FAILURES_PER_ADDRESS = 20  # per client address within LOGIN_LOCK_PERIOD → HTTP 429
    LOGIN_FAILURES_BEFORE_LOCK = 5
    LOGIN_LOCK_PERIOD = timedelta(minutes=15)
    WTF_CSRF_TIME_LIMIT = None
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret-key"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URL", "sqlite://")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
