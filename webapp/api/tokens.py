"""Sign in for a bearer token, sign out, and who am I."""
from __future__ import annotations

from flask import g, request
from werkzeug.exceptions import TooManyRequests, Unauthorized

from workflows import api_tokens

from ..auth import BUSY_ADDRESS, sign_in_limits
from . import serialize
from .base import api_user, bp, config
from .inputs import json_object
from .messages import BAD_CREDENTIALS


@bp.post("/tokens")
def create_token():
    body = json_object("TokenRequest")
    issued = api_tokens.sign_in(body["username"], body["password"], lifetime=config("API_TOKEN_LIFETIME"),
                                limits=sign_in_limits(), ip_address=request.remote_addr)
    if issued.outcome == "throttled":
        raise TooManyRequests(str(BUSY_ADDRESS))
    if issued.token is None:
        raise Unauthorized(str(BAD_CREDENTIALS))
    return {"token": issued.token, "token_type": "Bearer", "expires_at": serialize.instant(issued.expires_at)}, 201


@bp.delete("/tokens/current")
def revoke_token():
    api_tokens.revoke(g.api_token)
    return "", 204


@bp.get("/me")
def me():
    return serialize.user_json(api_user())
