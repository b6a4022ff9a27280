"""Security headers on every response: a strict Content-Security-Policy and friends.

Scripts must be files under ``/static`` (no inline ``<script>``, no ``on...=`` attributes);
styles may be inline because bpmn-js injects them. Every answer but a static file may hold personal
data (resident IDs, loans), so it carries ``Cache-Control: no-store``: no browser or proxy keeps a
copy. HSTS goes with answers over HTTPS; behind a TLS-terminating proxy that needs ``PROXY_COUNT``
(``webapp/__init__.py`` then trusts its ``X-Forwarded-Proto``).
"""
from __future__ import annotations

from flask import Flask, Response, request

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "img-src 'self' data:",
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
HSTS = "max-age=31536000; includeSubDomains"
NO_STORE = "no-store"


def register_security_headers(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if not is_static_file():
        response.headers["Cache-Control"] = NO_STORE  # replaces send_file's "no-cache", which still stores
    return response


def is_static_file() -> bool:
    endpoint = request.endpoint or ""
    return endpoint == "static" or endpoint.endswith(".static")
