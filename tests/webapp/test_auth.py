"""Sign in, lockout, address throttle, safe ``next``, logout by POST, CSRF, and ``roles_required``.

The throttle across workers and the lock per name and address: test_login_throttle.py; sessions that
end: test_sessions.py."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Blueprint

from models import AuditEvent, SignInAttempt, db
from tests.conftest import count
from tests.factories import PASSWORD
from webapp import create_app
from webapp.auth import roles_required
from workflows import clock


def post_login(client, username, password=PASSWORD, next_url=None, address="127.0.0.1"):
    """The sign-in form itself, with any password, ``next`` and address (others sign in with ``login``)."""
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_login_page_is_public_and_landing_redirects_there(client):
    assert client.get("/login").status_code == 200
    assert client.get("/").headers["Location"].endswith("/login")


def test_login_success_signs_in_and_audits(client, world):
    response = post_login(client, "clerk_hanfeng")
    assert response.status_code == 302
    assert "汉丰街道 王丽" in client.get("/no-such-page").text  # the navbar of any page
    assert count(AuditEvent, action="login", actor_name="clerk_hanfeng") == 1


def test_wrong_password_is_refused_and_audited(client, world):
    response = post_login(client, "clerk_hanfeng", "wrong-password")
    assert response.status_code == 200
    assert "用户名或密码错误" in response.text
    assert count(AuditEvent, action="login_failed") == 1
    assert count(SignInAttempt, username="clerk_hanfeng", ip_address="127.0.0.1", succeeded=False) == 1


def test_five_failures_lock_the_account_until_the_period_ends(client, world):
    start = clock.now()
    with clock.frozen(start):
        for _ in range(4):
            assert "用户名或密码错误" in post_login(client, "officer_rcb", "wrong").text
        assert "登录失败次数过多" in post_login(client, "officer_rcb", "wrong").text
        locked = post_login(client, "officer_rcb")
        assert locked.status_code == 200 and "登录失败次数过多" in locked.text
    with clock.frozen(start + timedelta(minutes=16)):
        assert post_login(client, "officer_rcb").status_code == 302


def test_unknown_user_gets_the_same_lock_message(client, world):
    for _ in range(4):
        post_login(client, "nobody_here", "wrong")
    assert "登录失败次数过多" in post_login(client, "nobody_here", "wrong").text


def test_inactive_user_cannot_sign_in_or_stay_signed_in(client, world):
    assert post_login(client, "bureau").status_code == 302
    world.users["bureau"].is_active = False
    db.session.commit()
    assert client.get("/").headers["Location"].endswith("/login")
    assert post_login(client, "bureau").status_code == 200


def test_many_failures_from_one_address_get_429(client, world):
    for i in range(20):
        post_login(client, f"guess{i}", "wrong", address="10.9.9.9")
    refused = post_login(client, "clerk_hanfeng", address="10.9.9.9")
    assert refused.status_code == 429
    assert "15分钟" in refused.text
    assert post_login(client, "clerk_hanfeng", address="10.9.9.10").status_code == 302


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_next_to_another_site_is_ignored(client, world, target):
    response = post_login(client, "clerk_hanfeng", next_url=target)
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"] and "javascript" not in response.headers["Location"]


def test_next_to_a_local_path_is_followed(client, world):
    assert post_login(client, "clerk_hanfeng", next_url="/some/page?x=1").headers["Location"] == "/some/page?x=1"


def test_logout_needs_post(login):
    client = login("clerk_hanfeng")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert client.get("/").headers["Location"].endswith("/login")
    assert count(AuditEvent, action="logout") == 1


@pytest.fixture
def guarded_app(database_url, app):
    fresh = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": True})
    guarded = Blueprint("guarded_test", __name__)
    guarded.add_url_rule("/guarded/clerk", "clerk", roles_required("township_clerk")(lambda: "clerk page"))
    guarded.add_url_rule("/guarded/any", "any", roles_required()(lambda: "any page"))
    fresh.register_blueprint(guarded)
    yield fresh
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def test_login_and_logout_without_csrf_token_are_refused(guarded_app, world):
    client = guarded_app.test_client()
    assert client.post("/login", data={"username": "clerk_hanfeng", "password": PASSWORD}).status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.post("/language", data={"lang": "en"}).status_code == 400


def test_roles_required(guarded_app, world):
    client = guarded_app.test_client()
    anonymous = client.get("/guarded/clerk")
    assert anonymous.status_code == 302 and "/login?next=" in anonymous.headers["Location"]
    as_json = client.get("/guarded/clerk", headers={"Accept": "application/json"})
    assert as_json.status_code == 401 and as_json.get_json()["codes"] == ["unauthorized"]
    page = client.get("/login").text
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    client.post("/login", data={"username": "bureau", "password": PASSWORD, "csrf_token": token})
    assert client.get("/guarded/clerk").status_code == 403
    assert client.get("/guarded/any").text == "any page"
