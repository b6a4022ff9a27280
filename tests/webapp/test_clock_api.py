"""``/api/v1/clock``: every signed-in role reads it; administrators set and reset it; answers as documented."""
from __future__ import annotations

import pytest

from workflows import clock

from .api.conftest import Api
from .test_clock_pages import settable  # noqa: F401  (fixture)

@pytest.fixture
def api(client, login) -> Api:
    return Api(client, login)


READERS = ["admin", "clerk_hanfeng", "bureau", "officer_rcb", "approver_rcb", "finance", "supervisor"]


@pytest.mark.parametrize("username", READERS)
def test_every_role_reads_the_clock(api, username):
    answer = api.get("/clock", as_=username)
    body = answer.get_json()
    assert answer.status_code == 200 and body["business_date"] is None and body["settable"] is False
    assert body["today"] == clock.today().isoformat() and body["now"].endswith("+08:00")


def test_anonymous_is_401(api):
    assert api.get("/clock").status_code == 401
    assert api.call("PUT", "/clock", json={"business_date": "2028-06-01"}).status_code == 401


@pytest.mark.parametrize("username", [u for u in READERS if u != "admin"])
def test_only_administrators_change_it(api, settable, username):  # noqa: F811
    assert api.call("PUT", "/clock", username, json={"business_date": "2028-06-01"}).status_code == 403
    assert api.delete("/clock", username).status_code == 403
    assert clock.stored_date() is None


def test_the_admin_sets_moves_back_and_resets(api, settable):  # noqa: F811
    answer = api.call("PUT", "/clock", "admin", json={"business_date": "2028-06-01"})
    body = answer.get_json()
    assert answer.status_code == 200 and body["business_date"] == "2028-06-01" and body["today"] == "2028-06-01"
    assert (body["before"], body["backwards"], body["changed_by"]) == (None, False, "admin")
    assert api.get("/clock", as_="clerk_hanfeng").get_json()["business_date"] == "2028-06-01"
    back = api.call("PUT", "/clock", "admin", json={"business_date": "2028-05-01"}).get_json()
    assert (back["before"], back["backwards"]) == ("2028-06-01", True)
    reset = api.delete("/clock", "admin").get_json()
    assert reset["business_date"] is None and reset["before"] == "2028-05-01" and clock.stored_date() is None


def test_refused_where_not_settable(api):
    answer = api.call("PUT", "/clock", "admin", json={"business_date": "2028-06-01"})
    assert answer.status_code == 422 and answer.get_json()["codes"] == ["business_date_not_settable"]
    assert "演示或测试数据库" in answer.get_json()["errors"]["business_date"][0]


@pytest.mark.parametrize("body", [{}, {"business_date": "2028-02-30"}, {"business_date": "1999-12-31"},
                                  {"business_date": 20280601}])
def test_a_body_outside_the_document_is_422(api, settable, body):  # noqa: F811
    assert api.call("PUT", "/clock", "admin", json=body).status_code == 422
    assert clock.stored_date() is None


def test_the_clock_is_in_the_openapi_document(api):
    document = api.get("/openapi.json").get_json()
    assert set(document["paths"]["/clock"]) == {"get", "put", "delete"}
    assert {"BusinessClock", "BusinessDateInput", "BusinessClockChange"} <= set(document["components"]["schemas"])
