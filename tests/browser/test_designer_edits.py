"""The designer keeps edits (设计器): an edit survives a switch of file tabs, the page says it is
unsaved, leaving asks first; an annotation-only version migrates every running loan, through the
migrate button that takes only the ticked loans, with a count and a confirmation."""
from __future__ import annotations

import sqlalchemy as sa

from models import ProcessInstance, db
from workflows import drafts

from ..factories import drive, make_household, register
from .conftest import login as sign_in, screenshot

RENAME = """() => {
  const m = window.adminModeler, element = m.get('elementRegistry').get('register_application');
  m.get('modeling').updateLabel(element, '登记贷款申请');
}"""
TASK_NAME = "() => window.adminModeler.get('elementRegistry').get('register_application').businessObject.name"
ANNOTATE_FIRST_ROW = """() => {
  const viewer = window.adminDmn.getActiveViewer();
  const row = viewer.get('sheet').getRoot().rows[0];
  viewer.get('modeling').updateProperties(row, {description: '仅改注释'});
}"""
TABLE_REACHABLE = """() => {
  const box = document.querySelector('#dmn-modeler'), table = box.querySelector('.tjs-table');
  const fits = table.getBoundingClientRect().right <= box.getBoundingClientRect().right + 1;
  const scrolls = box.scrollWidth > box.clientWidth && getComputedStyle(box).overflowX === 'auto'
    && box.scrollWidth >= table.scrollWidth;
  return fits || scrolls;
}"""


class Dialogs:
    """Answers the page's dialogs (accept or dismiss) and remembers their types."""

    def __init__(self, page):
        self.seen, self.accept = [], True
        page.on("dialog", self._answer)

    def _answer(self, dialog):
        self.seen.append(dialog.type)
        dialog.accept() if self.accept else dialog.dismiss()


def status(page) -> tuple[str | None, str]:
    return page.get_attribute("#modeler-status", "data-dirty"), page.inner_text("#modeler-status")


def test_an_edit_survives_a_tab_switch_and_leaving_asks_first(world, live_server, browser):
    draft = drafts.create_draft(world.actor("admin"), "microcredit_loan")
    page = sign_in(browser, live_server, "admin")
    dialogs = Dialogs(page)
    page.goto(f"{live_server}/admin/drafts/{draft.id}?file=microcredit_loan.bpmn")
    page.wait_for_selector("#modeler[data-state=ready]")
    assert status(page) == (None, "自上次保存后未修改。")
    page.evaluate(RENAME)
    assert status(page) == ("true", "有未保存的修改：请保存草稿。")

    dialogs.accept = False  # "stay": nothing happens
    page.click('#draft-files a[data-file="loan_policy.dmn"]')
    assert dialogs.seen == ["confirm"] and "/decisions" not in page.url
    dialogs.accept = True
    page.click('#draft-files a[data-file="loan_policy.dmn"]')
    page.wait_for_selector("#dmn-modeler[data-state=ready]")
    assert dialogs.seen == ["confirm", "confirm"] and status(page)[0] == "true"
    page.click('#draft-files a[data-file="microcredit_loan.bpmn"]')
    page.wait_for_selector("#modeler[data-state=ready]")
    assert page.evaluate(TASK_NAME) == "登记贷款申请"
    assert page.get_attribute('#draft-files a[data-file="microcredit_loan.bpmn"]', "data-unsaved") == "true"
    assert status(page)[0] == "true" and "未保存" in status(page)[1]
    screenshot(page, "admin_designer_unsaved")

    dialogs.accept = False
    page.click("#draft-files a[href$=\"/versions\"]")
    page.wait_for_timeout(300)
    assert dialogs.seen[-1] == "beforeunload" and f"/admin/drafts/{draft.id}" in page.url

    page.click("#btn-save")
    page.wait_for_selector("#modeler[data-revision='2']")
    assert status(page)[0] == "false"
    db.session.expire_all()
    assert 'name="登记贷款申请"' in drafts.get_draft(draft.id).sources["microcredit_loan.bpmn"]
    seen = len(dialogs.seen)
    page.click("#draft-files a[href$=\"/versions\"]")
    page.wait_for_url("**/admin/processes/microcredit_loan/versions")
    assert len(dialogs.seen) == seen  # saved: leaving asks nothing


def instance_ids(loan_ids) -> list[int]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(ProcessInstance.id).where(ProcessInstance.loan_id.in_(loan_ids))
                                   .order_by(ProcessInstance.id)))


def versions_of(loan_ids) -> set[int]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id.in_(loan_ids)))
    return {row.process_version.version for row in rows}


def test_an_annotation_only_version_migrates_every_running_loan(world, live_server, browser):
    loans = [register(world, make_household()).id,
             drive(world, register(world, make_household()).id, until="investigate_credit").id,
             drive(world, register(world, make_household()).id, until="approve_loan").id,
             drive(world, register(world, make_household()).id, until="disburse_loan").id]
    draft = drafts.create_draft(world.actor("admin"), "microcredit_loan")
    page = sign_in(browser, live_server, "admin")
    dialogs = Dialogs(page)
    page.goto(f"{live_server}/admin/drafts/{draft.id}/decisions?file=loan_policy.dmn")
    page.wait_for_selector("#dmn-modeler[data-state=ready]")
    assert page.evaluate(TABLE_REACHABLE)
    page.evaluate(ANNOTATE_FIRST_ROW)
    assert status(page)[0] == "true"
    page.fill("#deploy-form [name=comment]", "只改注释")  # deploying saves the unsaved edit first
    page.click("#btn-deploy")
    page.wait_for_url("**/admin/processes/microcredit_loan/versions")
    assert "beforeunload" not in dialogs.seen
    screenshot(page, "admin_versions_diff_in_words")
    change = page.locator("#version-2 [data-diff=changed]")
    assert change.count() == 1 and change.get_attribute("data-cosmetic") == "yes"
    assert "仅改注释" in change.inner_text() and "不影响在途贷款" in change.inner_text()

    page.goto(f"{live_server}/admin/processes/microcredit_loan/migration")
    assert page.is_disabled("#migrate")
    page.check("#pick-all")
    assert page.inner_text("#picked-count") == f"已勾选 {len(loans)} 笔" and not page.is_disabled("#migrate")
    dialogs.accept = False
    page.click("#migrate")
    assert dialogs.seen == ["confirm"] and versions_of(loans) == {1}
    dialogs.accept = True
    page.click("#migrate")
    page.wait_for_selector(".alert-success")
    screenshot(page, "admin_migration_annotation_only")
    for instance in instance_ids(loans):
        assert page.get_attribute(f"#instance-{instance}", "data-ok") == "yes"
    assert versions_of(loans) == {2}


def test_the_modeler_keeps_everything_the_engine_reads(world, live_server, browser):
    """bpmn-js's export of each bundled diagram, unedited, is the same process for the engine
    (extension elements such as spiffworkflow:postScript survive the round trip)."""
    from workflows import engine, migration
    from workflows.deployment import bundled_sources

    draft = drafts.create_draft(world.actor("admin"), "microcredit_loan")
    page = sign_in(browser, live_server, "admin")
    old = bundled_sources()
    new = dict(old)
    for name in sorted(n for n in draft.sources if n.endswith(".bpmn")):
        page.goto(f"{live_server}/admin/drafts/{draft.id}?file={name}")
        page.wait_for_selector("#modeler[data-state=ready]")
        new[name] = page.evaluate("() => window.adminModeler.saveXML({format: true}).then(r => r.xml)")
    before, after = engine.parse_sources("microcredit_loan", old), engine.parse_sources("microcredit_loan", new)
    assert migration.changed_task_names(before, after) == []
