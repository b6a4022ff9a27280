"""The administrator adds a supervisor's compliance review to microcredit_loan in the browser.

The new task is created with the modeler's API (the test's "mouse"), its form and due period are
set by clicking through our side panel; the draft is saved and deployed. A loan started after the
deploy passes through the review, one started before does not; the migration page moves a loan
still before the change and refuses one already past it.
"""
from __future__ import annotations

import sqlalchemy as sa

from models import AuditEvent, HumanTask, ProcessInstance, db
from workflows.tasks import service

from ..factories import drive, make_household, ready_task, register
from .conftest import add_task_before_disbursement, login as sign_in, screenshot

EDIT_FIRST_CELL = """() => {
  const viewer = window.adminDmn.getActiveViewer();
  const cell = viewer.get('sheet').getRoot().rows[0].cells[0];
  viewer.get('modeling').editCell(cell.businessObject, cell.businessObject.text + ' ');
}"""


def instance_of(loan_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan_id)).one()


def edit_and_deploy(page, base: str) -> None:
    page.goto(f"{base}/admin/processes/microcredit_loan/versions")
    page.click("#btn-new-draft")
    page.wait_for_selector("#modeler[data-state=ready]")
    page.evaluate(add_task_before_disbursement("合规复核"))
    page.click('#modeler [data-element-id="compliance_review"]')
    page.wait_for_selector("#panel-user-task:not([hidden])")
    assert page.inner_text("#panel-lane-name") == "supervisor"
    page.select_option("#panel-form", "ConfirmEligibilityForm")
    page.fill("#panel-due", "p2d")
    page.press("#panel-due", "Tab")
    assert page.input_value("#panel-due") == "P2D"
    page.click("#btn-save")
    page.wait_for_selector("#modeler[data-revision='2']")
    screenshot(page, "admin_modeler_compliance_review")
    page.fill("#deploy-form [name=comment]", "增加合规复核")
    page.click("#btn-deploy")
    page.wait_for_url("**/admin/processes/microcredit_loan/versions")
    assert "合规复核" in page.inner_text("#version-2")  # the diff in words, by name


def test_admin_adds_a_compliance_review_and_migrates_a_waiting_loan(world, live_server, browser):
    waiting = drive(world, register(world, make_household()).id, until="investigate_credit")
    past = drive(world, register(world, make_household()).id, until="disburse_loan")
    earlier = drive(world, register(world, make_household()).id, until="approve_loan")
    admin = sign_in(browser, live_server, "admin")
    edit_and_deploy(admin, live_server)

    drive(world, earlier.id, until="disburse_loan")  # started on version 1: straight to disbursement
    assert ready_task(earlier.id, "disburse_loan")
    fresh = drive(world, register(world, make_household()).id, until="disburse_loan")
    review = ready_task(fresh.id, "compliance_review")
    assert review.role == "supervisor" and review.form == "ConfirmEligibilityForm"
    service.complete_task(world.actor("supervisor"), review.id, {"eligible": True, "eligibility_note": "合规"})
    assert ready_task(fresh.id, "disburse_loan")

    admin.goto(f"{live_server}/admin/processes/microcredit_loan/migration")
    for loan in (waiting, past):
        admin.check(f"#pick-{instance_of(loan.id).id}")
    admin.click("#migration-form [name=dry_run]")
    assert admin.get_attribute(f"#instance-{instance_of(waiting.id).id}", "data-ok") == "yes"
    assert admin.get_attribute(f"#instance-{instance_of(past.id).id}", "data-ok") == "no"
    assert "签约放款" in admin.inner_text(f"#instance-{instance_of(past.id).id} .reason")  # the step by its title
    admin.once("dialog", lambda dialog: dialog.accept())  # "move the 2 ticked loans?"
    admin.click("#migration-form [name=migrate]")
    admin.wait_for_selector(".alert-success")
    screenshot(admin, "admin_migration")
    assert instance_of(waiting.id).process_version.version == 2
    assert instance_of(past.id).process_version.version == 1
    assert ready_task(past.id, "disburse_loan")

    reviews = sa.select(HumanTask.loan_id).filter_by(name="compliance_review")
    assert set(db.session.scalars(reviews)) == {fresh.id}
    drive(world, waiting.id, until="disburse_loan")
    assert ready_task(waiting.id, "compliance_review")
    actions = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {"draft_created", "draft_saved", "draft_deployed", "instance_migrated"} <= actions


def test_decision_tables_save_into_the_draft_and_a_conflict_overwrites_nothing(world, live_server, browser):
    from workflows import drafts

    draft = drafts.create_draft(world.actor("admin"), "microcredit_loan")
    admin = sign_in(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/drafts/{draft.id}/decisions?file=loan_policy.dmn")
    admin.wait_for_selector("#dmn-modeler[data-state=ready]")
    assert admin.locator("#dmn-modeler .tjs-table").count() == 1
    admin.evaluate(EDIT_FIRST_CELL)
    admin.click("#btn-save")
    admin.wait_for_selector("#dmn-modeler[data-revision='2']")
    screenshot(admin, "admin_decision_table")

    admin.goto(f"{live_server}/admin/drafts/{draft.id}")
    admin.wait_for_selector("#modeler[data-state=ready]")
    db.session.expire_all()
    other = drafts.get_draft(draft.id)
    sources = dict(other.sources)
    sources["microcredit_loan.bpmn"] = sources["microcredit_loan.bpmn"].replace('name="贷款审批"', 'name="贷款审批（改）"')
    drafts.save_draft(world.actor("admin"), draft.id, sources, other.revision)
    admin.click("#btn-save")
    admin.wait_for_selector("#modeler-status[data-conflict=true]")
    assert "approve_loan" in admin.inner_text("#modeler-status")
    db.session.expire_all()
    assert drafts.get_draft(draft.id).revision == 3
