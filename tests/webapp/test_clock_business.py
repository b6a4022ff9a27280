"""Web requests work on the business date; security keeps the wall clock (a date two years ahead moves
neither an API token's expiry nor a session's idle time nor the sign-in lock)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from models import ApiToken, HumanTask, Loan, db
from tests.factories import make_household
from workflows import business_date, clock

from .api.conftest import Api


def two_years_ahead(world):
    ahead = clock.local(clock.wall_now()).date() + timedelta(days=730)
    business_date.set_date(world.actor("admin"), ahead, allowed_by_config=True)
    return ahead


def test_a_loan_applied_for_gets_the_business_date_and_its_task_is_due_from_it(login, world):
    ahead = two_years_ahead(world)
    household = make_household("hanfeng")
    api = Api(login.app.test_client(), login)
    answer = api.post("/loans", "clerk_hanfeng", json={
        "id_number": household.id_number, "bank": "cqrcb", "amount": "30000.00", "term_months": 12,
        "purpose_category": "breeding", "purpose": "养殖生猪", "kind": "new"})
    assert answer.status_code == 201, answer.get_json()
    loan = db.session.get(Loan, answer.get_json()["loan"]["id"])
    assert loan.applied_on == ahead and answer.get_json()["loan"]["applied_on"] == ahead.isoformat()
    task = db.session.scalars(sa.select(HumanTask).where(HumanTask.loan_id == loan.id,
                                                         HumanTask.state == "ready")).one()
    assert clock.local(task.created_at).date() == ahead
    assert clock.local(task.due_at).date() > ahead  # due a period after the business date, not the wall's
    inbox = api.get("/tasks", "bureau").get_json()["items"]
    assert [t["due_at"][:10] for t in inbox if t["id"] == task.id] == [clock.local(task.due_at).date().isoformat()]


def test_a_session_stays_signed_in_by_wall_time(login, world):
    clerk = login("clerk_hanfeng")
    two_years_ahead(world)
    assert clerk.get("/inbox").status_code == 200  # not "idle for two years"


def test_a_session_still_ends_after_its_idle_time_on_the_wall_clock(app, login, world):
    start = datetime.now(timezone.utc)
    with clock.frozen(start):
        clerk = login("clerk_hanfeng")
    two_years_ahead(world)
    with clock.frozen(start + timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)):
        assert clerk.get("/inbox").status_code == 302


def test_an_api_token_lives_and_expires_by_wall_time(app, login, world):
    issued_before = login.token("clerk_hanfeng")
    two_years_ahead(world)
    client = app.test_client()
    assert client.get("/api/v1/me", headers=issued_before).status_code == 200  # not expired two years early
    issued_now = login.token("clerk_hanfeng")
    row = db.session.scalars(sa.select(ApiToken).order_by(ApiToken.id.desc())).first()
    assert abs(row.expires_at - (clock.wall_now() + app.config["API_TOKEN_LIFETIME"])) < timedelta(minutes=1)
    with clock.frozen(clock.wall_now() + app.config["API_TOKEN_LIFETIME"] + timedelta(minutes=1)):
        assert client.get("/api/v1/me", headers=issued_now).status_code == 401


def test_a_sign_in_lock_holds_by_wall_time(app, client, world):
    for _ in range(app.config["LOGIN_FAILURES_BEFORE_LOCK"]):
        client.post("/login", data={"username": "clerk_hanfeng", "password": "wrong"})
    two_years_ahead(world)
    answer = client.post("/login", data={"username": "clerk_hanfeng", "password": "Demo-2026!"})
    assert answer.status_code == 200  # still locked: the failures were minutes ago on the wall clock
