"""The business date page (administrators), the banner on every page while a date is set, the CLI."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from models import AuditEvent, db
from workflows import business_date, clock

AHEAD = date(2028, 6, 1)


@pytest.fixture
def settable(app):
    app.config["BUSINESS_DATE_SETTABLE"] = True
    yield
    app.config["BUSINESS_DATE_SETTABLE"] = False


def test_the_admin_sets_and_resets_the_date_on_the_page(login, settable):
    admin = login("admin")
    page = admin.get("/admin/clock").get_data(as_text=True)
    assert "业务日期" in page and 'href="/admin/clock"' in page and 'id="business-date-banner"' not in page
    answer = admin.post("/admin/clock", data={"business_date": "2028-06-01"})
    assert answer.status_code == 302 and clock.today() == AHEAD
    page = admin.get("/admin/clock").get_data(as_text=True)
    assert "业务日期现为 2028-06-01" in page and 'id="clock-backwards-warning"' in page
    earlier = admin.post("/admin/clock", data={"business_date": "2028-05-01"}, follow_redirects=True)
    assert "业务日期已从 2028-06-01 倒退" in earlier.get_data(as_text=True)
    assert admin.post("/admin/clock/reset").status_code == 302 and clock.stored_date() is None
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("business_date%"))
                                 .order_by(AuditEvent.id)).all()
    assert actions == ["business_date_set", "business_date_set", "business_date_reset"]


def test_the_page_refuses_in_chinese_where_the_date_may_not_be_set(login):
    answer = login("admin").post("/admin/clock", data={"business_date": "2028-06-01"})
    assert answer.status_code == 422 and clock.stored_date() is None
    text = answer.get_data(as_text=True)
    assert "只有演示或测试数据库可以设置业务日期（business_date_not_settable）" in text
    assert "不可以：不是演示数据库" in text


def test_a_bad_date_is_422(login, settable):
    assert login("admin").post("/admin/clock", data={"business_date": "2028-13-01"}).status_code == 422
    assert clock.stored_date() is None


@pytest.mark.parametrize("username", ["clerk_hanfeng", "supervisor", "officer_rcb"])
def test_other_roles_are_refused(login, settable, username):
    client = login(username)
    assert client.get("/admin/clock").status_code == 403
    assert client.post("/admin/clock", data={"business_date": "2028-06-01"}).status_code == 403
    assert client.post("/admin/clock/reset").status_code == 403 and clock.stored_date() is None


def test_every_page_shows_the_banner_while_a_date_is_set(app, client, login, world, settable):
    business_date.set_date(world.actor("admin"), AHEAD, allowed_by_config=True)
    clerk = login("clerk_hanfeng")
    for page in (client.get("/login"), clerk.get("/inbox"), clerk.get("/loans")):
        assert 'id="business-date-banner"' in page.get_data(as_text=True)
        assert "模拟业务日期：2028-06-01" in page.get_data(as_text=True)
    assert 'href="/admin/clock"' not in clerk.get("/inbox").get_data(as_text=True)  # the link: admins only
    client.post("/language", data={"lang": "en"})
    assert "Simulated business date: 2028-06-01" in client.get("/login").get_data(as_text=True)
    business_date.reset(world.actor("admin"))
    assert 'id="business-date-banner"' not in clerk.get("/inbox").get_data(as_text=True)


def test_a_change_made_elsewhere_shows_on_the_next_request(login, world):
    """Another process (the CLI, another worker) changes the row: the next request reads it afresh."""
    clerk = login("clerk_hanfeng")
    assert 'id="business-date-banner"' not in clerk.get("/inbox").get_data(as_text=True)
    db.session.execute(sa.text("INSERT INTO business_clock (id, business_date, settable) VALUES (1, :d, true)"),
                       {"d": AHEAD})
    db.session.commit()
    assert "2028-06-01" in clerk.get("/inbox").get_data(as_text=True)


def test_cli_set_show_reset(runner, world):
    refused = runner.invoke(args=["clock", "set", "2028-06-01"])
    assert refused.exit_code == 1 and "business_date_not_settable" in refused.output
    business_date.mark_settable()
    assert runner.invoke(args=["clock", "set", "2028-06-01"]).output.strip() == "business date: 2028-06-01"
    assert "moved back from 2028-06-01" in runner.invoke(args=["clock", "set", "2028-05-01"]).output
    shown = runner.invoke(args=["clock", "show"]).output
    assert "business date: 2028-05-01; today: 2028-05-01" in shown and "settable: yes" in shown
    assert runner.invoke(args=["clock", "reset"]).exit_code == 0 and clock.stored_date() is None
    assert "not set (wall clock)" in runner.invoke(args=["clock", "show"]).output
    assert runner.invoke(args=["clock", "set", "1999-12-31"]).exit_code == 1


def test_cli_set_is_allowed_by_the_setting(app, runner, world, settable):
    assert runner.invoke(args=["clock", "set", "2028-06-01"]).exit_code == 0 and clock.today() == AHEAD
