"""Security headers on every answer, no-store on every answer but static files, HSTS behind a TLS proxy;
no inline scripts in any template (the CSP forbids them)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from models import db
from webapp import create_app
from webapp.security import CONTENT_SECURITY_POLICY, HSTS

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/static/css/app.css"])
def test_headers_on_pages_errors_and_files(client, path):
    response = client.get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"
    response.close()


def test_policy_allows_scripts_only_from_this_site():
    directives = dict(part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["default-src"] == "'self'"


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.fixture
def proxied_app(database_url, app):
    """The app as deployed behind one TLS-terminating proxy (PROXY_COUNT=1)."""
    proxied = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "PROXY_COUNT": 1})
    yield proxied
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()


def test_hsts_behind_a_tls_proxy(proxied_app, client):
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
    assert proxied_app.test_client().get("/login", headers=forwarded).headers["Strict-Transport-Security"] == HSTS
    assert "Strict-Transport-Security" not in proxied_app.test_client().get("/login").headers
    assert "Strict-Transport-Security" not in client.get("/login", headers=forwarded).headers  # no proxy trusted


@pytest.mark.parametrize("path", ["/login", "/no-such-page", "/inbox"])
def test_pages_are_never_stored(login, path):
    assert login("clerk_hanfeng").get(path).headers["Cache-Control"] == "no-store"


def test_api_answers_are_never_stored(client, login):
    headers = login.token("bureau")
    for path in ("/api/v1/me", "/api/v1/households"):
        assert client.get(path, headers=headers).headers["Cache-Control"] == "no-store"
    assert client.get("/api/v1/me").headers["Cache-Control"] == "no-store"  # a refusal too


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert "no-store" not in response.headers.get("Cache-Control", "")
    response.close()


def test_session_cookie_is_http_only(client, world):
    response = client.post("/login", data={"username": "clerk_hanfeng", "password": "Demo-2026!"})
    cookie = response.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_no_inline_script_or_event_handler_in_any_template():
    inline_script = re.compile(r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>", re.IGNORECASE)
    handler = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
    offenders = [
        str(path.relative_to(TEMPLATES)) for path in TEMPLATES.rglob("*.html")
        if inline_script.search(path.read_text(encoding="utf-8")) or handler.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_no_cdn_links_in_any_template():
    offenders = [str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")
                 if re.search(r"(src|href)=\"(https?:)?//", p.read_text(encoding="utf-8"))]
    assert offenders == []
