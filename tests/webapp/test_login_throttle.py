"""The sign-in throttle is shared by every worker (two apps on one database stand for two gunicorn
workers) and by the page and the token endpoint; one address cannot lock a user out of the addresses
they sign in from; locks lift by themselves."""
from __future__ import annotations

from datetime import timedelta

import pytest

from models import SignInAttempt, db
from tests.conftest import count
from tests.factories import PASSWORD
from webapp import create_app
from workflows import clock

ATTACKER, OFFICE, ELSEWHERE = "10.6.6.6", "10.0.0.2", "10.0.0.3"
LOCKED = "登录失败次数过多"


def two_workers(database_url, **config):
    """A second app on the same database: another worker process as far as the throttle can tell."""
    return create_app({"SQLALCHEMY_DATABASE_URI": database_url, "WTF_CSRF_ENABLED": False, **config})


@pytest.fixture
def other_worker(database_url, app):
    worker = two_workers(database_url)
    yield worker
    with worker.app_context():
        db.session.remove()
        db.engine.dispose()


def page(client, username, password="wrong-password", address=ATTACKER):
    return client.post("/login", data={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def token(client, username, password="wrong-password", address=ATTACKER):
    return client.post("/api/v1/tokens", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_the_page_counts_failures_of_all_workers_per_address(app, other_worker, world):
    first, second = app.test_client(), other_worker.test_client()
    for i in range(10):
        assert page(first, f"guess{i}").status_code == 200
        assert page(second, f"other{i}").status_code == 200
    assert page(first, "clerk_hanfeng", PASSWORD).status_code == 429
    assert page(second, "clerk_hanfeng", PASSWORD).status_code == 429
    assert page(second, "clerk_hanfeng", PASSWORD, address=OFFICE).status_code == 302


def test_the_token_endpoint_shares_the_count_with_the_page(app, other_worker, world):
    pages, api = app.test_client(), other_worker.test_client()
    for i in range(10):
        page(pages, f"guess{i}")
        assert token(api, f"other{i}").status_code == 401
    refused = token(api, "bureau", PASSWORD)
    assert refused.status_code == 429 and refused.get_json()["codes"] == ["too_many_requests"]
    assert "15分钟" in refused.get_json()["message"]
    assert token(pages, "bureau", PASSWORD, address=OFFICE).status_code == 201


def test_refused_addresses_cost_no_rows(app, world):
    client = app.test_client()
    for i in range(app.config["LOGIN_FAILURES_PER_ADDRESS"] + 5):
        page(client, f"guess{i}")
    assert count(SignInAttempt, ip_address=ATTACKER) == app.config["LOGIN_FAILURES_PER_ADDRESS"]


def test_an_attacker_locks_only_themselves_out_of_the_administrator(app, world):
    client = app.test_client()
    assert page(app.test_client(), "admin", PASSWORD, address=OFFICE).status_code == 302  # now familiar
    for _ in range(app.config["LOGIN_FAILURES_BEFORE_LOCK"]):
        page(client, "admin")
    assert LOCKED in page(client, "admin", PASSWORD).text  # even the right password, from there
    assert token(client, "admin", PASSWORD).status_code == 401
    assert page(app.test_client(), "admin", PASSWORD, address=OFFICE).status_code == 302
    assert token(client, "admin", PASSWORD, address=OFFICE).status_code == 201


def test_guesses_from_many_addresses_lock_the_name_for_unfamiliar_addresses_only(app, world):
    client = app.test_client()
    page(app.test_client(), "admin", PASSWORD, address=OFFICE)
    for i in range(app.config["LOGIN_FAILURES_BEFORE_LOCK"]):
        page(client, "admin", address=f"10.7.7.{i}")
    assert LOCKED in page(client, "admin", PASSWORD, address=ELSEWHERE).text
    assert page(app.test_client(), "admin", PASSWORD, address=OFFICE).status_code == 302


def test_the_lock_lifts_after_the_period(app, world):
    start, client = clock.now(), app.test_client()
    with clock.frozen(start):
        for _ in range(app.config["LOGIN_FAILURES_BEFORE_LOCK"]):
            page(client, "supervisor")
        assert LOCKED in page(client, "supervisor", PASSWORD).text
    with clock.frozen(start + app.config["LOGIN_LOCK_PERIOD"] + timedelta(minutes=2)):
        assert page(client, "supervisor", PASSWORD).status_code == 302


def test_the_address_limit_lifts_after_the_period(app, world):
    start, client = clock.now(), app.test_client()
    with clock.frozen(start):
        for i in range(app.config["LOGIN_FAILURES_PER_ADDRESS"]):
            page(client, f"guess{i}")
        assert page(client, "bureau", PASSWORD).status_code == 429
    with clock.frozen(start + app.config["LOGIN_LOCK_PERIOD"] + timedelta(seconds=1)):
        assert page(client, "bureau", PASSWORD).status_code == 302


def test_behind_a_proxy_the_forwarded_client_address_is_counted(database_url, app, world):
    proxied = two_workers(database_url, PROXY_COUNT=1)
    client = proxied.test_client()
    for i in range(app.config["LOGIN_FAILURES_PER_ADDRESS"]):
        client.post("/login", data={"username": f"guess{i}", "password": "x"},
                    headers={"X-Forwarded-For": ATTACKER}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert count(SignInAttempt, ip_address=ATTACKER) == app.config["LOGIN_FAILURES_PER_ADDRESS"]
    behind_the_same_proxy = client.post("/login", data={"username": "bureau", "password": PASSWORD},
                                        headers={"X-Forwarded-For": OFFICE}, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert behind_the_same_proxy.status_code == 302
    with proxied.app_context():
        db.session.remove()
        db.engine.dispose()
