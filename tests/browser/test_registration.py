"""Registration as a clerk in Chromium: the look-up by name with the keyboard, the link to the new loan,
撤回 of another application with a reason; a bank officer's 不予受理 at investigation with a reason."""
from __future__ import annotations

from models import Loan, db

from ..factories import drive, make_household, ready_task, register
from .conftest import login, screenshot


def named(name: str, township: str = "hanfeng"):
    household = make_household(township)
    household.name = name
    db.session.commit()
    return household


def submit(page):
    page.click("main form [type=submit]:not([formaction])")
    page.wait_for_load_state("networkidle")


def test_a_clerk_registers_through_the_look_up_and_withdraws_another_application(world, live_server, browser):
    mine, _other_township = named("冉光荣"), named("冉光华", "dade")
    earlier = register(world, make_household("hanfeng"))
    drive(world, earlier.id, "approve_loan")

    clerk = login(browser, live_server, "clerk_hanfeng")
    clerk.goto(f"{live_server}/applications/new")
    field = clerk.locator("#id_number")
    assert field.get_attribute("role") == "combobox"
    field.press_sequentially("冉光", delay=50)
    options = clerk.locator("#household-lookup-list [role=option]")
    options.first.wait_for()
    assert options.count() == 1 and "冉光荣" in options.first.inner_text()  # never another township's 冉光华
    assert mine.id_number not in options.first.inner_text()
    screenshot(clerk, "registration_lookup")
    field.press("ArrowDown")
    assert field.get_attribute("aria-activedescendant") == f"household-option-{mine.id}"
    field.press("Enter")
    assert field.input_value() == mine.id_number[:6] + "********" + mine.id_number[-4:]
    assert clerk.locator("#household_id").input_value() == str(mine.id)
    assert field.get_attribute("aria-expanded") == "false"
    clerk.select_option("[name=bank]", "cqrcb")
    clerk.fill("[name=amount]", "30000.00")
    clerk.fill("[name=term_months]", "12")
    clerk.select_option("[name=purpose_category]", "breeding")
    clerk.fill("[name=purpose]", "养殖生猪20头")
    submit(clerk)
    loan = db.session.query(Loan).filter_by(household_id=mine.id).one()
    link = clerk.locator(f"a[data-new-loan='{loan.id}']")
    assert link.is_visible()
    screenshot(clerk, "registration_confirmation")
    link.click()
    clerk.wait_for_url(f"**/loans/{loan.id}")
    assert clerk.locator("#loan-status [data-status]").get_attribute("data-status") == "submitted"

    clerk.goto(f"{live_server}/loans/{earlier.id}")
    clerk.click("#withdraw-link")
    clerk.wait_for_url(f"**/loans/{earlier.id}/withdraw")
    clerk.fill("[name=reason]", "农户外出务工，不再需要贷款")
    screenshot(clerk, "registration_withdraw")
    submit(clerk)
    clerk.wait_for_url(f"**/loans/{earlier.id}")
    assert clerk.locator("#loan-status [data-status]").get_attribute("data-status") == "withdrawn"
    assert "农户外出务工，不再需要贷款" in clerk.content()
    db.session.expire_all()
    assert db.session.get(Loan, earlier.id).status == "withdrawn"


def test_an_officer_declines_an_application_at_investigation(world, live_server, browser):
    loan = register(world, make_household("hanfeng"))
    drive(world, loan.id, "investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    officer = login(browser, live_server, "officer_rcb")
    officer.goto(f"{live_server}/inbox")
    officer.click(f'a[href$="/tasks/{task.id}"]')
    officer.wait_for_url(f"**/tasks/{task.id}")
    officer.check("[name=investigation_decision][value=decline]")
    officer.fill("[name=decline_reason]", "无实际经营场地，不予受理")
    screenshot(officer, "registration_decline")
    submit(officer)
    db.session.expire_all()
    assert db.session.get(Loan, loan.id).status == "declined"
    officer.goto(f"{live_server}/loans/{loan.id}")
    assert officer.locator("#loan-status [data-status]").get_attribute("data-status") == "declined"
    assert "不予受理" in officer.locator("#loan-status").inner_text()
