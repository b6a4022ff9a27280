"""Security headers on every answer; no inline scripts in any template (the CSP forbids them)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from webapp.security import CONTENT_SECURITY_POLICY

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
