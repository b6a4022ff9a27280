"""Users and roles in the browser (用户与角色): an administrator creates a user holding two roles of
one bank; the user signs in with the temporary password, must choose their own, investigates a
loan and then cannot approve it (four eyes)."""
from __future__ import annotations

from tests.factories import drive, make_household, ready_task, register

from .conftest import login, screenshot

NEW_PASSWORD = "my-own-secret-2026"


def sign_in(browser, base: str, username: str, password: str):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form:has(input[name=password]) [type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_a_user_with_two_roles_cannot_approve_what_they_investigated(world, live_server, browser):
    loan = drive(world, register(world, make_household()).id, until="investigate_credit")
    investigation = ready_task(loan.id, "investigate_credit")

    admin = login(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin")
    admin.click('#admin-nav a[href$="/admin/users"]')
    admin.click("#new-user")
    admin.fill("[name=username]", "dual_rcb")
    admin.fill("[name=display_name]", "农商行 双岗")
    admin.check("[name=roles][value=bank_officer]")
    admin.check("[name=roles][value=bank_approver]")
    admin.select_option("[name=bank]", "cqrcb")
    admin.click("#user-form [type=submit]")
    password = admin.inner_text("#temporary-password").strip()
    assert len(password) >= 8 and "临时密码" in admin.inner_text("main")
    screenshot(admin, "admin_user_created")
    admin.goto(f"{live_server}/admin/users?scope=cqrcb")
    row = admin.locator('tr[data-username="dual_rcb"]')
    assert "银行客户经理" in row.inner_text() and "银行审批人" in row.inner_text()
    assert "待设新密码" in row.inner_text()

    dual = sign_in(browser, live_server, "dual_rcb", password)
    assert dual.url.endswith("/account/password")  # the temporary password must go first
    dual.goto(f"{live_server}/inbox")
    assert dual.url.endswith("/account/password")
    dual.fill("[name=old_password]", password)
    dual.fill("[name=new_password]", NEW_PASSWORD)
    dual.fill("[name=confirm]", NEW_PASSWORD)
    dual.click("form:has([name=confirm]) [type=submit]")
    dual.wait_for_url(lambda url: "/account/password" not in url)

    dual.goto(f"{live_server}/inbox")
    dual.click(f'main a[href$="/tasks/{investigation.id}"]')
    dual.select_option("[name=grade]", "AAA")
    dual.fill("[name=recommended_amount]", "30000.00")
    dual.fill("[name=recommended_term_months]", "12")
    dual.fill("[name=investigation_report]", "有养殖经验，还款能力强")
    dual.click("#task-form [type=submit]")
    dual.wait_for_load_state("networkidle")

    approval = ready_task(loan.id, "approve_loan")
    dual.goto(f"{live_server}/inbox")
    assert dual.locator(f'main a[href$="/tasks/{approval.id}"]').count() == 0
    dual.goto(f"{live_server}/tasks/{approval.id}")
    assert "四眼" in dual.inner_text("#read-only-note")
    assert dual.locator("#task-form").count() == 0
    screenshot(dual, "admin_user_four_eyes")

    approver = login(browser, live_server, "approver_rcb")  # a colleague approves
    approver.goto(f"{live_server}/inbox")
    assert approver.locator(f'main a[href$="/tasks/{approval.id}"]').count() > 0
