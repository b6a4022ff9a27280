"""Bearer tokens: issue, use, revoke, expire; cookies never authenticate the API."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from models import ApiToken, AuditEvent, User, db
from tests.conftest import count, one
from tests.factories import PASSWORD
from workflows import api_tokens, clock


def test_sign_in_issues_a_token_whose_hash_alone_is_stored(api):
    answer = api.client.post("/api/v1/tokens", json={"username": "bureau", "password": PASSWORD})
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["token"] and body["expires_at"].endswith("+08:00")
    row = one(ApiToken)
    assert row.token_hash == api_tokens.digest(body["token"]) and body["token"] not in row.token_hash
    assert count(AuditEvent, action="api_token_issued") == 1


@pytest.mark.parametrize("body, status", [
    ({"username": "bureau", "password": "wrong-password"}, 401),
    ({"username": "nobody", "password": PASSWORD}, 401),
    ({"username": "bureau"}, 422),
    ({"username": 7, "password": PASSWORD}, 422),
])
def test_bad_sign_in(api, body, status):
    answer = api.client.post("/api/v1/tokens", json=body)
    assert answer.status_code == status
    assert answer.get_json()["codes"] == (["unauthorized"] if status == 401 else ["invalid"])
    assert count(ApiToken) == 0


def test_repeated_failures_lock_the_account(api, app):
    for _ in range(app.config["LOGIN_FAILURES_BEFORE_LOCK"]):
        api.client.post("/api/v1/tokens", json={"username": "bureau", "password": "wrong-password"})
    answer = api.client.post("/api/v1/tokens", json={"username": "bureau", "password": PASSWORD})
    assert answer.status_code == 401
    assert one(User, username="bureau").locked_until is not None


def test_me_answers_who_the_token_belongs_to(api):
    body = api.get("/me", as_="clerk_hanfeng").get_json()
    assert body["username"] == "clerk_hanfeng" and body["roles"] == ["township_clerk"]
    assert body["township"] == "hanfeng" and body["bank"] is None
    assert api.get("/me", as_="officer_rcb").get_json()["bank"] == "cqrcb"


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer not-a-token", "Basic Ym9ndXM6Ym9ndXM="])
def test_missing_or_unknown_token_is_401(client, world, header):
    answer = client.get("/api/v1/me", headers={"Authorization": header} if header else {})
    assert answer.status_code == 401
    assert answer.get_json()["codes"] == ["unauthorized"]


def test_a_revoked_token_stops_working(api):
    headers = api.headers("supervisor")
    assert api.client.delete("/api/v1/tokens/current", headers=headers).status_code == 204
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401
    assert count(ApiToken) == 0


def test_an_expired_token_stops_working(api, app):
    headers = api.headers("supervisor")
    later = clock.now() + app.config["API_TOKEN_LIFETIME"] + timedelta(seconds=1)
    with clock.frozen(later):
        assert api.client.get("/api/v1/me", headers=headers).status_code == 401
        assert api_tokens.purge_expired() == 1


def test_a_deactivated_user_loses_api_access(api):
    headers = api.headers("finance")
    one(User, username="finance").is_active = False
    db.session.commit()
    assert api.client.get("/api/v1/me", headers=headers).status_code == 401


def test_a_session_cookie_alone_never_reaches_the_api(login):
    """Sign in through the login page; the API still wants a bearer token."""
    pages = login("admin")
    assert pages.get("/api/v1/me").status_code == 401
    assert pages.post("/api/v1/households", json={}).status_code == 401


def test_tokens_are_never_stored_in_clear(api):
    token = api.token("admin")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken).where(
        ApiToken.token_hash == token)) == 0
