"""API fixtures: a helper that calls the API with a demo login's bearer token (from ``login.token``)."""
from __future__ import annotations

import pytest

from tests.conftest import AuthActions


class Api:
    """``api.get("/loans", as_="clerk_hanfeng")``: JSON requests with the named user's token.

    Tokens come from ``AuthActions.token``, one per user, kept for the test.
    """

    def __init__(self, client, auth: AuthActions | None = None):
        self.client = client
        self.auth = auth or AuthActions(client.application)
        self.issued: dict[str, dict[str, str]] = {}

    def headers(self, username: str | None) -> dict:
        if not username:
            return {}
        if username not in self.issued:
            self.issued[username] = self.auth.token(username)
        return dict(self.issued[username])

    def token(self, username: str) -> str:
        return self.headers(username)["Authorization"].removeprefix("Bearer ")

    def call(self, method: str, path: str, as_: str | None = None, **kwargs):
        return self.client.open("/api/v1" + path, method=method, headers=self.headers(as_), **kwargs)

    def get(self, path: str, as_: str | None = None, **kwargs):
        return self.call("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs):
        return self.call("POST", path, as_, **kwargs)

    def delete(self, path: str, as_: str | None = None, **kwargs):
        return self.call("DELETE", path, as_, **kwargs)


@pytest.fixture
def api(client, login) -> Api:
    return Api(client, login)
