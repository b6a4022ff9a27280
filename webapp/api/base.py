"""The API blueprint and its gate: every endpoint needs a bearer token unless it is listed as public.

Only the ``Authorization: Bearer`` header authenticates. The session cookie is never read here, so
a page's cookie cannot drive the API, which is why the blueprint may be exempt from CSRF.
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import NotFound, Unauthorized

from models import User
from workflows import api_tokens
from workflows.audit import Actor
from workflows.errors import FormInvalidError

from .messages import FIELD_MESSAGES

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.create_token", "api.openapi_document"})
MAX_PER_PAGE = 100
MAX_PAGE = 100_000
MAX_ID = 2**31 - 1  # ids in paths above this exist nowhere (and would overflow a database integer)


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@bp.before_request
def require_token() -> None:
    """Deny by default: a request to any non-public endpoint needs a live token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    user = api_tokens.user_for(bearer_token())
    if user is None:
        raise Unauthorized(www_authenticate=WWWAuthenticate("bearer", {"realm": "api"}))
    g.api_user, g.api_token = user, bearer_token()
    if any(isinstance(v, int) and v > MAX_ID for v in (request.view_args or {}).values()):
        raise NotFound()


def api_user() -> User:
    return g.api_user


def actor() -> Actor:
    return Actor(g.api_user, None, request.remote_addr)


def json_body(*, required: bool = True) -> dict:
    """The request body as a JSON object; otherwise 422 ``invalid``, or ``{}`` when not ``required``

    (then the service checks permission first and reports every missing field).
    """
    payload = request.get_json(silent=True)
    if isinstance(payload, dict):
        return payload
    if required:
        raise FormInvalidError({"__all__": [str(FIELD_MESSAGES["json_object_required"])]})
    return {}


def validated(form):
    """The form if it validates; else 422 ``invalid`` with its messages per field (``__all__`` for the form)."""
    if not form.validate():
        raise FormInvalidError({name or "__all__": [str(message) for message in messages]
                                for name, messages in form.errors.items()})
    return form


def refuse_huge_page() -> None:
    """422 on a ``page`` beyond ``MAX_PAGE`` (its offset would overflow a database integer)."""
    raw = request.args.get("page", "").strip()
    if raw.isdigit() and int(raw) > MAX_PAGE:
        raise FormInvalidError({"page": [f"at most {MAX_PAGE}"]})


def int_arg(name: str, default: int, *, low: int = 1, high: int | None = None) -> int:
    """An integer query parameter, clamped to [low, high]; anything unreadable is the default."""
    try:
        value = int(request.args.get(name, default))
    except (TypeError, ValueError):
        value = default
    value = max(low, value)
    return min(value, high) if high is not None else value


def config(name: str):
    return current_app.config[name]
