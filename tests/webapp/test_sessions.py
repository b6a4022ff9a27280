"""Page sessions that end: a copy of the cookie dies with sign-out, a password change and deactivation,
and every session ends after SESSION_IDLE_MINUTES idle or PERMANENT_SESSION_LIFETIME after sign-in."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import ApiToken, AuditEvent
from tests.conftest import count, one
from tests.factories import PASSWORD
from workflows import accounts, clock

NEW_PASSWORD = "New-password-2026"


def stolen(app, victim):
    """A second browser holding a copy of the victim's session cookie, taken now."""
    thief = app.test_client()
    thief.set_cookie("session", victim.get_cookie("session").value)
    return thief


def signed_in(client) -> bool:
    response = client.get("/inbox")
    return response.status_code == 200 and "/login" not in response.headers.get("Location", "")


def change_password(client, old=PASSWORD, new=NEW_PASSWORD, confirm=None):
    return client.post("/account/password", data={"old_password": old, "new_password": new,
                                                  "confirm": new if confirm is None else confirm})


def test_a_copied_cookie_is_refused_after_sign_out(app, login):
    victim = login("clerk_hanfeng")
    thief = stolen(app, victim)
    assert signed_in(thief)
    login.logout(victim)
    assert not signed_in(thief) and not signed_in(victim)


def test_sign_out_ends_every_page_session_of_the_user_but_not_their_api_tokens(app, login):
    office, laptop, colleague = login("clerk_hanfeng"), login("clerk_hanfeng"), login("bureau")
    headers = login.token("clerk_hanfeng")
    login.logout(office)
    assert not signed_in(laptop)
    assert signed_in(colleague)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 200


def test_a_password_change_keeps_this_session_and_ends_copies_other_sessions_and_tokens(app, login):
    victim, other = login("clerk_hanfeng"), login("clerk_hanfeng")
    thief, headers = stolen(app, victim), login.token("clerk_hanfeng")
    answer = change_password(victim)
    assert answer.status_code == 302
    assert signed_in(victim)
    assert not signed_in(thief) and not signed_in(other)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert count(AuditEvent, action="password_changed") == 1
    assert login("clerk_hanfeng", NEW_PASSWORD).get("/inbox").status_code == 200
    assert app.test_client().post("/login", data={"username": "clerk_hanfeng", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("fields, message", [
    ({"old": "not-my-password"}, "当前密码不正确"),
    ({"new": "short"}, "新密码至少需要8个字符"),
    ({"new": PASSWORD}, "新密码不能与当前密码相同"),
    ({"confirm": "Something-else-1"}, "两次输入的新密码不一致"),
])
def test_a_refused_password_change_says_why_and_changes_nothing(app, login, fields, message):
    client = login("clerk_hanfeng")
    thief = stolen(app, client)
    answer = change_password(client, **fields)
    assert answer.status_code == 422 and message in answer.text
    assert signed_in(client) and signed_in(thief)


def test_the_password_page_asks_for_the_current_password(login):
    page = login("bureau").get("/account/password")
    assert page.status_code == 200
    assert 'name="old_password"' in page.text and 'autocomplete="new-password"' in page.text


def test_deactivation_ends_copies_and_revokes_tokens(app, login, world):
    victim = login("officer_rcb")
    thief, headers = stolen(app, victim), login.token("officer_rcb")
    accounts.deactivate("officer_rcb", world.actor("admin"))
    assert not signed_in(thief) and not signed_in(victim)
    assert app.test_client().get("/api/v1/me", headers=headers).status_code == 401
    assert count(ApiToken, user_id=world.users["officer_rcb"].id) == 0


def test_an_idle_session_ends_and_activity_keeps_it(app, login, world):
    start = clock.now()
    with clock.frozen(start):
        client = login("clerk_hanfeng")
    for minutes in (29, 58, 87):  # each visit inside the idle limit keeps the session going
        with clock.frozen(start + timedelta(minutes=minutes)):
            assert signed_in(client)
    with clock.frozen(start + timedelta(minutes=87 + app.config["SESSION_IDLE_MINUTES"] + 1)):
        answer = client.get("/inbox")
        assert answer.headers["Location"].startswith("/login")
        assert "系统已自动退出" in client.get("/login").text


def test_activity_does_not_stretch_the_absolute_lifetime(app, login):
    start = clock.now()
    with clock.frozen(start):
        client = login("clerk_hanfeng")
    lifetime = app.config["PERMANENT_SESSION_LIFETIME"]
    step = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 5)
    at = start + step
    while at < start + lifetime:
        with clock.frozen(at):
            assert signed_in(client)
        at += step
    with clock.frozen(start + lifetime + timedelta(minutes=1)):
        assert not signed_in(client)


def test_the_last_activity_is_written_at_most_once_a_minute(login):
    start = clock.now()
    with clock.frozen(start):
        client = login("clerk_hanfeng")
        client.get("/inbox")  # the first page also stores its form token
    with clock.frozen(start + timedelta(seconds=30)):
        assert "Set-Cookie" not in client.get("/inbox").headers
    with clock.frozen(start + timedelta(seconds=61)):
        assert "Set-Cookie" in client.get("/inbox").headers


def test_signing_in_starts_a_new_cookie(app, world):
    client = app.test_client()
    client.post("/language", data={"lang": "en"})
    before = client.get_cookie("session").value
    client.post("/login", data={"username": "bureau", "password": PASSWORD})
    assert client.get_cookie("session").value != before
    assert '<html lang="en">' in client.get("/inbox").text
    assert one(AuditEvent, action="login").actor_name == "bureau"
