"""The policy settings and LPR pages: history lists, dated additions, refusals beside the field."""
from __future__ import annotations

from datetime import date

import pytest

from models import AuditEvent, LprRate, PolicySetting
from tests.conftest import count

OTHERS = ["clerk_hanfeng", "bureau", "officer_rcb", "approver_rcb", "finance", "supervisor"]


@pytest.fixture
def admin(login):
    return login("admin")


@pytest.mark.parametrize("url", ["/admin", "/admin/settings", "/admin/lpr"])
def test_the_pages_list_what_is_there(admin, url):
    page = admin.get(url)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert {"/admin/settings": "subsidy_share", "/admin/lpr": "2022-08-22", "/admin": "microcredit_loan"}[url] in text


@pytest.mark.parametrize("username", OTHERS)
@pytest.mark.parametrize(("method", "url"), [("GET", "/admin/settings"), ("POST", "/admin/settings"),
                                             ("GET", "/admin/lpr"), ("POST", "/admin/lpr"), ("GET", "/admin")])
def test_only_administrators_may_open_them(login, username, method, url):
    assert login(username).open(url, method=method, data={}).status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, world):
    answer = client.get("/admin/settings")
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_adding_a_setting_keeps_the_old_value_and_is_audited(admin):
    answer = admin.post("/admin/settings", data={"key": "subsidy_share", "effective_from": "2030-01-01",
                                                 "value": " 0.4 ", "comment": "区财政局通知"})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/admin/settings")
    assert count(PolicySetting, key="subsidy_share") == 3
    assert count(AuditEvent, action="policy_setting_added") == 1
    assert "2030-01-01" in admin.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"value": "abc"}, "value", "This setting needs a number, 0 or more."),
    ({"value": "1.5"}, "value", "A share lies between 0 and 1."),
    ({"effective_from": "2023-01-01"}, "effective_from", "A value with this date exists already."),
    ({"effective_from": "2022-01-01"}, "effective_from", "This date is before the newest value."),
    ({"effective_from": "2030-02-30"}, "effective_from", "Not a valid date value."),
    ({"value": ""}, "value", "This field is required."),
])
def test_refusals_are_shown_beside_their_field(admin, data, field, message):
    form = {"key": "subsidy_share", "effective_from": "2030-01-01", "value": "0.4", **data}
    admin.post("/language", data={"lang": "en"})
    answer = admin.post("/admin/settings", data=form)
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert f'id="{field}-errors"' in text and message in text
    assert count(PolicySetting, key="subsidy_share") == 2


def test_publishing_an_lpr(admin):
    answer = admin.post("/admin/lpr", data={"effective_date": "2031-01-20", "lpr_1y": "2.95", "lpr_5y_plus": "3.45"})
    assert answer.status_code == 302
    assert count(LprRate, effective_date=date(2031, 1, 20)) == 1
    assert count(AuditEvent, action="lpr_published") == 1


@pytest.mark.parametrize(("data", "field"), [
    ({"effective_date": "2022-08-22"}, "effective_date"),
    ({"lpr_1y": "0"}, "lpr_1y"),
    ({"lpr_5y_plus": "3.45001"}, "lpr_5y_plus"),
    ({"lpr_1y": "x"}, "lpr_1y"),
])
def test_a_refused_publication_changes_nothing(admin, data, field):
    total = count(LprRate)
    form = {"effective_date": "2031-01-20", "lpr_1y": "2.95", "lpr_5y_plus": "3.45", **data}
    answer = admin.post("/admin/lpr", data=form)
    assert answer.status_code == 422 and f'id="{field}-errors"' in answer.get_data(as_text=True)
    assert count(LprRate) == total
