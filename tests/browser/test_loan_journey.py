"""One loan from application to disbursement through the real pages, as five different users."""
from __future__ import annotations

from models import Loan, db
from workflows import clock

from ..factories import make_household, ready_task
from .conftest import login, screenshot


def open_task(page, base: str, loan_id: int, name: str):
    task = ready_task(loan_id, name)
    page.goto(f"{base}/inbox")
    page.click(f'a[href$="/tasks/{task.id}"]')
    page.wait_for_url(f"**/tasks/{task.id}")
    return page


def submit(page):
    page.click("main form [type=submit]:not([formaction])")
    page.wait_for_load_state("networkidle")


def test_application_to_disbursement_through_the_pages(world, live_server, browser):
    household = make_household()
    clerk = login(browser, live_server, "clerk_hanfeng")
    clerk.goto(f"{live_server}/applications/new")
    clerk.fill("[name=id_number]", household.id_number)
    clerk.select_option("[name=bank]", "cqrcb")
    clerk.fill("[name=amount]", "50000.01")
    clerk.fill("[name=term_months]", "12")
    clerk.select_option("[name=purpose_category]", "breeding")
    clerk.fill("[name=purpose]", "养殖生猪20头")
    submit(clerk)
    error = clerk.locator("[name=amount] ~ .invalid-feedback, [name=amount] + .invalid-feedback").first
    assert "amount_over_cap" in error.inner_text()
    screenshot(clerk, "application_policy_error")
    assert db.session.query(Loan).count() == 0
    clerk.fill("[name=amount]", "30000.00")
    submit(clerk)
    loan = db.session.query(Loan).one()
    assert loan.status == "submitted"
    screenshot(clerk, "inbox_clerk")

    bureau = open_task(login(browser, live_server, "bureau"), live_server, loan.id, "confirm_eligibility")
    bureau.check("[name=eligible][value=yes]")
    bureau.fill("[name=eligibility_note]", "在册脱贫户")
    submit(bureau)

    officer = open_task(login(browser, live_server, "officer_rcb"), live_server, loan.id, "investigate_credit")
    officer.select_option("[name=grade]", "AAA")
    officer.fill("[name=recommended_amount]", "30000.00")
    officer.fill("[name=recommended_term_months]", "12")
    officer.fill("[name=investigation_report]", "有养殖经验，还款能力强")
    submit(officer)

    approver = open_task(login(browser, live_server, "approver_rcb"), live_server, loan.id, "approve_loan")
    screenshot(approver, "task_approve_loan")
    approver.check("[name=decision][value=approve]")
    approver.fill("[name=approved_amount]", "30000.00")
    approver.fill("[name=approved_term_months]", "12")
    approver.fill("[name=annual_rate]", "3.00")
    submit(approver)

    approver.goto(f"{live_server}/loans/{loan.id}")
    approver.wait_for_selector("[data-highlighted]")
    assert "disburse_loan" in approver.get_attribute("[data-highlighted]", "data-highlighted")
    screenshot(approver, "loan_page_diagram")

    officer = open_task(officer, live_server, loan.id, "disburse_loan")
    officer.fill("[name=contract_number]", "KZ2026-0001")
    officer.fill("[name=disbursed_on]", clock.today().isoformat())
    officer.fill("[name=account_number]", "6228480012345678")
    submit(officer)
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "active"


def test_csrf_less_post_is_refused(world, live_server, browser):
    page = login(browser, live_server, "clerk_hanfeng")
    response = page.request.post(f"{live_server}/applications/new", form={"amount": "1000"})
    assert response.status == 400


def test_language_switch(world, live_server, browser):
    page = login(browser, live_server, "clerk_hanfeng")
    assert page.get_attribute("html", "lang").startswith("zh")
    page.click("form[action$='/language'] [type=submit]")
    page.wait_for_load_state("networkidle")
    assert page.get_attribute("html", "lang") == "en"
    screenshot(page, "inbox_english")
