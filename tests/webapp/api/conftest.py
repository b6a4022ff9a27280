"""API fixtures: bearer tokens per demo login, and a helper that calls the API with one."""
from __future__ import annotations

import pytest

from tests.factories import PASSWORD


class Api:
    """``api.get("/loans", as_="clerk_hanfeng")``: JSON requests with the named user's token."""

    def __init__(self, client):
        self.client = client
        self.tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self.tokens:
            answer = self.client.post("/api/v1/tokens", json={"username": username, "password": PASSWORD})
            assert answer.status_code == 201, answer.get_json()
            self.tokens[username] = answer.get_json()["token"]
        return self.tokens[username]

    def headers(self, username: str | None) -> dict:
        return {"Authorization": f"Bearer {self.token(username)}"} if username else {}

    def call(self, method: str, path: str, as_: str | None = None, **kwargs):
        return self.client.open("/api/v1" + path, method=method, headers=self.headers(as_), **kwargs)

    def get(self, path: str, as_: str | None = None, **kwargs):
        return self.call("GET", path, as_, **kwargs)

    def post(self, path: str, as_: str | None = None, **kwargs):
        return self.call("POST", path, as_, **kwargs)

    def delete(self, path: str, as_: str | None = None, **kwargs):
        return self.call("DELETE", path, as_, **kwargs)


@pytest.fixture
def api(client, world) -> Api:
    return Api(client)
