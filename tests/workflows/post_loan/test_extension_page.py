"""The extension approver's page shows the requested maturity date, the reason and the limits."""
from __future__ import annotations

from datetime import date

from models import db
from workflows import clock, post_loan

from ...factories import ready_task
from ...factories_postloan import at, at_maturity_review, complete, imported


def page(login, username, task, day):
    with clock.frozen(at(day)):
        return login(username).get(f"/tasks/{task.id}").text


def fact(html, name):
    return html.split(f'id="fact-{name}">')[1].split("</dd>")[0].strip()


def test_the_approver_sees_the_request_and_its_limits(world, login):
    loan = at_maturity_review(world)
    complete(world, loan.id, "maturity_review", "officer_rcb", date(2025, 2, 10), maturity_decision="extend")
    complete(world, loan.id, "request_extension", "officer_rcb", date(2025, 2, 10),
             new_maturity_date=date(2025, 3, 10), extension_reason="生猪价格低迷，延后出栏")
    html = page(login, "approver_rcb", ready_task(loan.id, "approve_extension"), date(2025, 2, 11))
    assert fact(html, "requested-maturity") == "2025-03-10"
    assert fact(html, "extension-reason") == "生猪价格低迷，延后出栏"
    assert fact(html, "latest-maturity") == "2025-03-10"  # a one-month loan: at most its original term
    assert "1个月" in fact(html, "extension-limit") and fact(html, "extension-window") == "2025-02-10"


def test_the_requester_sees_the_limits_of_a_two_year_loan(world, login):
    loan = imported(world, date(2024, 6, 1), 24, status="active")
    with clock.frozen(at(date(2026, 5, 10))):
        post_loan.start_standalone(loan, world.actor("admin"))
        db.session.commit()
    complete(world, loan.id, "maturity_reminder", "officer_rcb", date(2026, 5, 10), household_informed=True,
             extension_requested=True)
    html = page(login, "officer_rcb", ready_task(loan.id, "request_extension"), date(2026, 5, 10))
    assert fact(html, "latest-maturity") == "2027-06-01" and "24个月的一半" in fact(html, "extension-limit")
    assert 'id="fact-requested-maturity"' not in html
