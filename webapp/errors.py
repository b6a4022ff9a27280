"""Error answers: typed domain errors and HTTP errors as a Chinese page or as JSON.

JSON (paths under ``/api/`` or clients that prefer ``application/json``)::

    {"errors": {"amount": ["…"]}, "codes": ["amount_over_cap"], "message": "…"}

``error_payload(exc)`` builds that body and the status so the API can reuse it.
"""
from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from models import db
from workflows.errors import (AlreadyCompletedError, ClaimedByColleagueError, ConcurrentUpdateError, DomainError,
                              ForbiddenError, FormInvalidError, NotFoundError, PolicyViolationError, ProcessError)

from .rule_messages import field_messages, rule_message

DOMAIN_STATUS = (  # most specific first
    (PolicyViolationError, 422), (FormInvalidError, 422), (ForbiddenError, 403), (NotFoundError, 404),
    (ConcurrentUpdateError, 409), (AlreadyCompletedError, 409), (ProcessError, 422), (DomainError, 422),
)
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 409: "conflict", 413: "too_large", 422: "invalid",
              429: "too_many_requests", 500: "server_error"}
HTTP_TITLES = {
    400: _l("The request could not be understood"), 401: _l("Please sign in"),
    403: _l("Not allowed"), 404: _l("Page not found"), 405: _l("Not allowed this way"),
    409: _l("Changed by someone else"), 413: _l("File too large"), 422: _l("Please check your entries"),
    429: _l("Too many attempts"), 500: _l("Something went wrong"),
}
HTTP_MESSAGES = {
    400: _l("The request was incomplete or not valid. Go back and try again."),
    401: _l("Please sign in first."),
    403: _l("Your role does not allow you to open this page or do this."),
    404: _l("The page or record does not exist, or it is not visible to you."),
    405: _l("This page cannot be used this way. Use the buttons on the page."),
    409: _l("Someone else has changed this record. Reload the page and try again."),
    413: _l("The uploaded file is too large."),
    422: _l("Some entries are missing or not valid. Please check the form."),
    429: _l("Too many attempts. Please wait a while and try again."),
    500: _l("The system ran into an error. Your change was not saved. Please try again later."),
}


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(DomainError, handle_error)
    for code in HTTP_CODES:
        app.register_error_handler(code, handle_error)


def handle_error(exc: Exception):
    payload, status = error_payload(exc)
    if status >= 500 or isinstance(exc, DomainError):
        db.session.rollback()
    if wants_json():
        return jsonify(payload), status, kept_headers(exc)
    return render_template("errors/error.html", status=status, title=HTTP_TITLES.get(status, ""),
                           payload=payload), status, kept_headers(exc)


def kept_headers(exc: Exception) -> list[tuple[str, str]]:
    """The HTTP error's own headers (``Allow``, ``WWW-Authenticate``, ``Retry-After``), not its content type.

    A 405 always names the methods the URL allows, also when the view raised it without them.
    """
    if not isinstance(exc, HTTPException):
        return []
    headers = [(name, value) for name, value in exc.get_headers() if name.lower() != "content-type"]
    if exc.code == 405 and not any(name.lower() == "allow" for name, value in headers):
        adapter = current_app.create_url_adapter(request)
        headers.append(("Allow", ", ".join(sorted(adapter.allowed_methods()))))
    return headers


def wants_json() -> bool:
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_payload(exc: Exception) -> tuple[dict, int]:
    """The JSON body and HTTP status for a domain or HTTP error."""
    if isinstance(exc, DomainError):
        return _domain_payload(exc)
    if not isinstance(exc, HTTPException):
        exc = InternalServerError(original_exception=exc)
    status = exc.code or 500
    if isinstance(exc, CSRFError):
        return _body([], ["csrf"], _("The form has expired. Reload the page and try again.")), status
    custom = exc.description and exc.description != type(exc).description
    message = exc.description if custom and status < 500 else str(HTTP_MESSAGES.get(status, exc.name))
    return _body([], [HTTP_CODES.get(status, "error")], message), status


def _domain_payload(exc: DomainError) -> tuple[dict, int]:
    status = next(code for kind, code in DOMAIN_STATUS if isinstance(exc, kind))
    codes = list(exc.codes) or [HTTP_CODES.get(status, "error")]
    errors = field_messages(getattr(exc, "field_errors", {}) or {})
    if isinstance(exc, FormInvalidError):
        message = str(rule_message("invalid"))
    else:
        message = "；".join(str(rule_message(code)) for code in codes)
    body = _body(errors, codes, message)
    if isinstance(exc, AlreadyCompletedError):
        body.update(completed_by=exc.completed_by, completed_at=_instant(exc.completed_at))
    if isinstance(exc, ClaimedByColleagueError):
        body.update(holder=exc.holder, since=_instant(exc.since))
    if isinstance(exc, ProcessError):
        body.update(exc.where())
    return body, status


def _instant(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _body(errors, codes: list[str], message: str) -> dict:
    return {"errors": dict(errors or {}), "codes": list(codes), "message": message}
