"""One loan through its post-loan part in the pages, the business date moved on the administrator's page.

A four-month loan disbursed 2025-01-10: on 2025-04-10 its quarterly visit and its maturity reminder
open side by side; on its maturity date 2025-05-10 the review opens and asks for an extension; the
approver sees the requested date, the reason and the limits and approves it the next day. The timer
worker runs in the test's process (``timers.sweep``) after each move of the date; the date is reset
on the page at the end.
"""
from __future__ import annotations

from datetime import date

import pytest

from models import Loan, db
from workflows import clock, timers

from ..factories_postloan import at, disbursed, open_tasks
from .conftest import login, screenshot
from .test_loan_journey import open_task, submit


@pytest.fixture
def settable(app):
    app.config["BUSINESS_DATE_SETTABLE"] = True
    yield
    app.config["BUSINESS_DATE_SETTABLE"] = False


def move_date(admin, base: str, day: date) -> None:
    """Set the business date on the page, then let the timer worker fire what is due by that evening."""
    admin.goto(f"{base}/admin/clock")
    admin.fill("#clock-form [name=business_date]", day.isoformat())
    admin.click("#clock-form [type=submit]")
    admin.wait_for_load_state("networkidle")
    assert f"{day.isoformat()}" in admin.inner_text("#business-date-banner")
    timers.sweep(at(day, 23))
    db.session.expire_all()


def test_visit_reminder_review_and_extension_through_the_pages(world, live_server, browser, settable):
    loan = disbursed(world, term=4)
    admin = login(browser, live_server, "admin")

    move_date(admin, live_server, date(2025, 4, 10))
    assert open_tasks(loan.id) == ["maturity_reminder", "post_loan_visit"]
    clerk = open_task(login(browser, live_server, "clerk_hanfeng"), live_server, loan.id, "post_loan_visit")
    clerk.check("[name=used_for_production][value=yes]")
    clerk.fill("[name=visit_note]", "生猪存栏正常")
    submit(clerk)
    officer = open_task(login(browser, live_server, "officer_rcb"), live_server, loan.id, "maturity_reminder")
    officer.check("[name=household_informed][value=yes]")
    officer.check("[name=extension_requested][value=no]")
    submit(officer)
    assert open_tasks(loan.id) == []

    move_date(admin, live_server, date(2025, 5, 10))
    officer = open_task(officer, live_server, loan.id, "maturity_review")
    officer.check("[name=maturity_decision][value=extend]")
    submit(officer)
    officer = open_task(officer, live_server, loan.id, "request_extension")
    assert officer.inner_text("#fact-latest-maturity").strip() == "2025-09-10"  # four months: its own term
    officer.fill("[name=new_maturity_date]", "2025-09-11")
    officer.fill("[name=extension_reason]", "生猪价格低迷，延后出栏")
    submit(officer)
    assert "extension_too_long" in officer.inner_text("main")
    officer.fill("[name=new_maturity_date]", "2025-09-10")
    submit(officer)

    move_date(admin, live_server, date(2025, 5, 11))
    approver = open_task(login(browser, live_server, "approver_rcb"), live_server, loan.id, "approve_extension")
    assert approver.inner_text("#fact-requested-maturity").strip() == "2025-09-10"
    assert approver.inner_text("#fact-extension-reason").strip() == "生猪价格低迷，延后出栏"
    assert "原贷款期限" in approver.inner_text("#fact-extension-limit")
    screenshot(approver, "task_approve_extension")
    approver.check("[name=extension_approved][value=yes]")
    approver.fill("[name=extension_comment]", "同意展期")
    submit(approver)
    db.session.expire_all()
    loan = db.session.get(Loan, loan.id)
    assert (loan.maturity_date, loan.extension_count, loan.status) == (date(2025, 9, 10), 1, "extended")

    admin.goto(f"{live_server}/admin/clock")
    admin.click("#clock-reset-form [type=submit]")
    admin.wait_for_load_state("networkidle")
    assert admin.locator("#business-date-banner").count() == 0 and clock.stored_date() is None
