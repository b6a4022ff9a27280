"""The API blueprint and its gate: every endpoint needs a bearer token unless it is listed as public.

Only the ``Authorization: Bearer`` header authenticates. The session cookie is never read here, so
a page's cookie cannot drive the API, which is why the blueprint may be exempt from CSRF.
"""
from __future__ import annotations

import re

from flask import Blueprint, current_app, g, request
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import NotFound, Unauthorized

from models import User
from workflows import api_tokens
from workflows.audit import Actor
from workflows.errors import FormInvalidError
from workflows.loan_queries import MAX_PAGE, MAX_PER_PAGE

from .messages import FIELD_MESSAGES, whole_number_between

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC_ENDPOINTS = frozenset({"api.create_token", "api.openapi_document"})
MAX_ID = 2**31 - 1  # ids above this exist nowhere (and would overflow a database integer)
MAX_JSON_DEPTH = 32  # a JSON body nested deeper is 400 before it is parsed (inputs.check_json_syntax)
DIGITS = re.compile(r"[0-9]{1,12}")  # ASCII digits only: no sign, no spaces, no other scripts' digits
INT_VARIABLE = re.compile(r"<int:(\w+)>")


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
    if not path_ids_as_documented():
        raise NotFound()


def path_ids_as_documented() -> bool:
    """Every id in the path is written as the document's integers are and is at most ``MAX_ID``.

    Werkzeug's ``int`` converter also reads ``007``, a full-width ``１`` or an Arabic-Indic ``١``: no such URL
    names an object here (404), and an id above ``MAX_ID`` would overflow a database integer.
    """
    for pattern, given in zip(request.url_rule.rule.split("/"), request.path.split("/")):
        variable = INT_VARIABLE.fullmatch(pattern)
        if variable and (given != str(request.view_args[variable[1]]) or request.view_args[variable[1]] > MAX_ID):
            return False
    return True


def api_user() -> User:
    return g.api_user


def actor() -> Actor:
    return Actor(g.api_user, None, request.remote_addr)


def json_body(*, required: bool = True) -> dict:
    """The request body as a JSON object; otherwise 422 ``invalid``, or ``{}`` when not ``required``

    (then the service checks permission first and reports every missing field). ``inputs.json_object``
    also checks it against a schema of the OpenAPI document.
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


def int_arg(name: str, default: int, *, low: int = 1, high: int = MAX_ID) -> int:
    """An integer query parameter in [low, high], ``default`` when absent; anything else is 422 ``invalid``.

    The one rule of every list: no clamping, no fallback. An empty value, ``null``, ``1.0`` or ``+1``
    is refused like an out-of-range one.
    """
    raw = request.args.getlist(name)
    if not raw:
        return default
    if len(raw) > 1 or not DIGITS.fullmatch(raw[0]) or not low <= int(raw[0]) <= high:
        raise FormInvalidError({name: [whole_number_between(low, high)]})
    return int(raw[0])


def paging(per_page: int) -> tuple[int, int]:
    """``(page, per_page)`` of a list: page 1..MAX_PAGE, per_page 1..MAX_PER_PAGE (``per_page`` its default)."""
    return int_arg("page", 1, high=MAX_PAGE), int_arg("per_page", per_page, high=MAX_PER_PAGE)


def config(name: str):
    return current_app.config[name]
