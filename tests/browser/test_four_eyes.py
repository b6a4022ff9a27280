"""Four eyes (四眼原则) through the real pages: the diagram keeps ``approve_loan`` from whoever did
``investigate_credit``, and the administrator sets ``four_eyes_with`` in the designer's side panel."""
from __future__ import annotations

from datetime import timedelta

from models import db
from workflows import accounts, clock, drafts

from ..factories import PASSWORD, drive, make_household, ready_task, register
from .conftest import login, screenshot

ADD_LOOSE_TASK = """() => {
  const m = window.adminModeler, reg = m.get('elementRegistry'), lane = reg.get('lane_bank_approver');
  const bo = m.get('bpmnFactory').create('bpmn:UserTask', {id: 'second_look', name: '复核'});
  const shape = m.get('elementFactory').createShape({type: 'bpmn:UserTask', businessObject: bo});
  m.get('modeling').createShape(shape, {x: reg.get('approve_loan').x + 50, y: lane.y + lane.height - 50}, lane);
}"""
REMOVE_LOOSE_TASK = """() => {
  const m = window.adminModeler;
  m.get('modeling').removeElements([m.get('elementRegistry').get('second_look')]);
}"""


def select_task(page, element_id: str) -> None:
    """Click the task in the canvas (a click on the selected element would deselect it)."""
    if page.evaluate("() => window.adminModeler.get('selection').get().map(e => e.id).join()") != element_id:
        page.click(f'#modeler [data-element-id="{element_id}"]')
    page.wait_for_selector(f'#panel-user-task[data-element-id="{element_id}"]:not([hidden])')


def submit(page):
    page.click("#task-form [type=submit]")
    page.wait_for_load_state("networkidle")


def test_the_investigator_never_gets_the_approval_of_a_loan_they_investigated(world, live_server, browser):
    accounts.create_user("both_rcb", PASSWORD, ["bank_officer", "bank_approver"], bank="cqrcb")
    loan = drive(world, register(world, make_household()).id, until="investigate_credit")
    other = ready_task(drive(world, register(world, make_household()).id, until="approve_loan").id, "approve_loan")
    other.due_at = clock.now() + timedelta(days=30)  # due after the approval the investigation makes ready
    db.session.commit()
    investigation = ready_task(loan.id, "investigate_credit")

    both = login(browser, live_server, "both_rcb")
    both.goto(f"{live_server}/inbox")
    both.click(f'main a[href$="/tasks/{investigation.id}"]')
    both.select_option("[name=grade]", "AAA")
    both.fill("[name=recommended_amount]", "30000.00")
    both.fill("[name=recommended_term_months]", "12")
    both.fill("[name=investigation_report]", "有养殖经验，还款能力强")
    submit(both)
    approval = ready_task(loan.id, "approve_loan")
    assert both.url.endswith(f"/tasks/{other.id}")  # "next task" passes over the one four eyes keeps away
    both.goto(f"{live_server}/inbox")
    assert both.locator(f'main a[href$="/tasks/{other.id}"]').count() > 0
    assert both.locator(f'main a[href$="/tasks/{approval.id}"]').count() == 0
    both.goto(f"{live_server}/tasks/{approval.id}")
    assert "四眼" in both.inner_text("#read-only-note")
    assert both.locator("#task-form").count() == 0
    screenshot(both, "four_eyes_read_only")

    approver = login(browser, live_server, "approver_rcb")
    approver.goto(f"{live_server}/inbox")
    approver.click(f'main a[href$="/tasks/{approval.id}"]')
    approver.check("[name=decision][value=approve]")
    approver.fill("[name=approved_amount]", "30000.00")
    approver.fill("[name=approved_term_months]", "12")
    approver.fill("[name=annual_rate]", "3.00")
    submit(approver)
    assert ready_task(loan.id, "disburse_loan")


def test_the_designer_reads_writes_and_validates_four_eyes_with(world, live_server, browser):
    admin = login(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/processes/microcredit_loan/versions")
    admin.click("#btn-new-draft")
    admin.wait_for_selector("#modeler[data-state=ready]")
    draft_id = int(admin.url.rstrip("/").split("/")[-1].split("?")[0])
    select_task(admin, "approve_loan")
    assert admin.is_checked("#four-eyes-investigate_credit")
    assert not admin.is_checked("#four-eyes-confirm_eligibility")
    assert admin.locator("#four-eyes-approve_loan").count() == 0  # never the task itself
    assert admin.locator("#four-eyes-request_extension").count() == 1  # the called post_loan's tasks too
    assert admin.locator("#four-eyes-review_subsidy_settlement").count() == 0  # not another process's
    admin.check("#four-eyes-confirm_eligibility")
    assert admin.is_checked("#four-eyes-confirm_eligibility") and admin.is_checked("#four-eyes-investigate_credit")
    screenshot(admin, "admin_four_eyes_panel")
    admin.click("#btn-save")
    admin.wait_for_selector("#modeler[data-revision='2']")
    db.session.expire_all()
    saved = drafts.get_draft(draft_id).sources["microcredit_loan.bpmn"]
    assert 'name="four_eyes_with" value="investigate_credit, confirm_eligibility"' in saved

    admin.evaluate(ADD_LOOSE_TASK)
    select_task(admin, "approve_loan")
    admin.check("#four-eyes-second_look")
    admin.evaluate(REMOVE_LOOSE_TASK)  # the task it names is gone: the name stays, marked
    select_task(admin, "approve_loan")
    assert admin.is_checked("#four-eyes-second_look")
    assert "second_look" in admin.inner_text("#panel-four-eyes .four-eyes-problem")
    admin.click("#btn-validate")
    admin.wait_for_selector("#problems:not([hidden])")
    assert admin.get_attribute("#modeler", "data-invalid") == "approve_loan"
    assert "four_eyes_with names 'second_look'" in admin.inner_text("#problem-list")
    screenshot(admin, "admin_four_eyes_invalid")
