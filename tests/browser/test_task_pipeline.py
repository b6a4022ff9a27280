"""The one task pipeline through the real pages: a loan-less finance task from the inbox, and a task
an administrator adds in the designer, with its form defined in the diagram, completed on its page
and through the API."""
from __future__ import annotations

from datetime import date, datetime, timezone

import sqlalchemy as sa

from models import Bank, HumanTask, db
from models.subsidy import SubsidySettlement
from workflows import subsidy_settlement, timers

from ..factories import PASSWORD, drive, make_household, ready_task, register
from ..factories_finance import disbursed_loan, install_finance, repayment, schedule_line
from .conftest import add_task_before_disbursement, login, screenshot

QUARTER_CLOSED = datetime(2024, 4, 1, 1, 0, 1, tzinfo=timezone.utc)  # 09:00:01 in Shanghai
COMPLIANCE_FIELDS = [
    {"name": "compliance_ok", "label": {"zh": "合规结论"}, "type": "yesno", "required": True},
    {"name": "compliance_note", "label": {"zh": "审查意见"}, "type": "textarea", "required": False},
]


def computed_settlement() -> SubsidySettlement:
    """cqrcb's settlement of 2024 Q1, drawn up by the timer worker after the quarter closed."""
    install_finance()
    loan = disbursed_loan(make_household(), "36000", date(2023, 6, 1), rate="3.60", months=24)
    schedule_line(loan, 1, date(2023, 12, 1), date(2024, 3, 1), "324.00")
    repayment(loan, date(2024, 3, 1), "324.00")
    subsidy_settlement.ensure_scheduled(datetime(2024, 1, 15, tzinfo=timezone.utc))
    timers.sweep(QUARTER_CLOSED)
    cqrcb = db.session.scalars(sa.select(Bank).where(Bank.code == "cqrcb")).one()
    return db.session.scalars(sa.select(SubsidySettlement).filter_by(year=2024, quarter=1, bank_id=cqrcb.id)).one()


def test_the_finance_bureau_approves_a_settlement_from_its_inbox(world, live_server, browser):
    settlement = computed_settlement()
    assert settlement.status == "computed"
    review = db.session.scalars(sa.select(HumanTask).filter_by(
        name="review_subsidy_settlement", state="ready", process_instance_id=settlement.process_instance_id)).one()

    finance = login(browser, live_server, "finance")
    finance.goto(f"{live_server}/finance/settlements/{settlement.id}")
    assert finance.get_attribute("#settlement-task", "href").endswith(f"/tasks/{review.id}")
    finance.goto(f"{live_server}/inbox")
    link = finance.locator(f'main a[href$="/tasks/{review.id}"]').first
    assert link.inner_text() == "审核贴息清单"
    screenshot(finance, "inbox_finance_settlement")
    link.click()
    finance.wait_for_url(f"**/tasks/{review.id}")
    assert "2024" in finance.inner_text("#settlement-task-facts")
    screenshot(finance, "task_review_settlement")
    finance.check("[name=decision][value=approve]")
    finance.click("#task-form [type=submit]")
    finance.wait_for_selector(".alert-success")
    assert "已办理" in finance.inner_text(".alert-success")
    assert f"/tasks/{review.id}" not in finance.url
    db.session.expire_all()
    assert db.session.get(SubsidySettlement, settlement.id).status == "approved"


def design_and_deploy_compliance_review(page, base: str) -> None:
    page.goto(f"{base}/admin/processes/microcredit_loan/versions")
    page.click("#btn-new-draft")
    page.wait_for_selector("#modeler[data-state=ready]")
    page.evaluate(add_task_before_disbursement("合规审查"))
    page.click('#modeler [data-element-id="compliance_review"]')
    page.wait_for_selector("#panel-user-task:not([hidden])")
    page.select_option("#panel-lane", "lane_rural_bureau")
    assert page.inner_text("#panel-lane-name") == "rural_bureau"
    page.click("#panel-form-kind-fields")
    page.wait_for_selector("#panel-form-fields:not([hidden])")
    page.fill("#field-0-name", "compliance_ok")
    page.fill("#field-0-zh", "合规结论")
    page.check("#field-0-required")
    page.select_option("#field-0-type", "yesno")
    page.click("#btn-add-field")
    page.fill("#field-1-name", "compliance_note")
    page.fill("#field-1-zh", "审查意见")
    page.select_option("#field-1-type", "textarea")
    fields = page.evaluate("() => window.adminModeler.getFormFields('compliance_review')")
    assert [{k: f[k] for k in ("name", "label", "type", "required")} for f in fields] == COMPLIANCE_FIELDS
    screenshot(page, "admin_compliance_form_fields")
    page.click("#btn-save")
    page.wait_for_selector("#modeler[data-revision='2']")
    page.click("#btn-validate")
    page.wait_for_selector("#modeler-status.alert-success")
    page.fill("#deploy-form [name=comment]", "放款前增加合规审查")
    page.click("#btn-deploy")
    page.wait_for_url("**/admin/processes/microcredit_loan/versions")
    assert "任务 «合规审查» 新增" in page.inner_text("#version-2")  # the version diff names what changed


def test_a_task_added_in_the_designer_is_done_on_its_page_and_through_the_api(world, live_server, browser):
    design_and_deploy_compliance_review(login(browser, live_server, "admin"), live_server)
    on_page, by_api = (drive(world, register(world, make_household()).id, until="disburse_loan") for _ in "ab")
    review = ready_task(on_page.id, "compliance_review")
    assert review.role == "rural_bureau" and not review.form

    bureau = login(browser, live_server, "bureau")
    bureau.goto(f"{live_server}/inbox")
    bureau.click(f'main a[href$="/tasks/{review.id}"]')
    bureau.wait_for_url(f"**/tasks/{review.id}")
    assert "合规结论" in bureau.inner_text("#task-form") and "审查意见" in bureau.inner_text("#task-form")
    bureau.click("#task-form [type=submit]")  # the conclusion is required
    bureau.wait_for_selector("#compliance_ok-errors")
    bureau.check("[name=compliance_ok][value=yes]")
    bureau.fill("[name=compliance_note]", "资料齐全，符合政策")
    screenshot(bureau, "task_compliance_review")
    bureau.click("#task-form [type=submit]")
    bureau.wait_for_selector(".alert-success")
    assert ready_task(on_page.id, "disburse_loan")

    token = bureau.request.post(f"{live_server}/api/v1/tokens", data={"username": "bureau", "password": PASSWORD})
    assert token.status == 201
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    task_id = ready_task(by_api.id, "compliance_review").id
    described = bureau.request.get(f"{live_server}/api/v1/tasks/{task_id}", headers=headers).json()
    assert [field["name"] for field in described["fields"]][:2] == ["compliance_ok", "compliance_note"]
    done = bureau.request.post(f"{live_server}/api/v1/tasks/{task_id}/complete", headers=headers,
                               data={"compliance_ok": True, "compliance_note": "经接口办理"})
    assert done.status == 200, done.text()
    assert done.json()["loan"]["id"] == by_api.id
    db.session.expire_all()
    assert ready_task(by_api.id, "disburse_loan")
    data = db.session.get(HumanTask, task_id)
    assert data.state == "completed" and data.completed_by.username == "bureau"
