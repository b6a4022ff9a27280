"""Versions, their diff, new rules for new loans only, and moving waiting loans between versions."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from forms.registry import TASK_FORMS
from models import AuditEvent, ProcessInstance, db
from workflows import drafts, migration, versions
from workflows.deployment import bundled_sources
from workflows.errors import PolicyViolationError

from ..conftest import one
from ..factories import drive, make_household, ready_task, register

CAP_CELL = "<text>&gt; 50000</text>"
AAA_LINE = '<text>"AAA"</text>\n        </inputEntry>\n        <outputEntry'


def deploy_edit(world, file_name: str, old: str, new: str):
    """A new version made by an administrator's draft with one text edit."""
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, "microcredit_loan")
    sources = {**draft.sources, file_name: draft.sources[file_name].replace(old, new)}
    assert sources != draft.sources
    drafts.save_draft(admin, draft.id, sources, expected_revision=draft.revision)
    return drafts.deploy_draft(admin, draft.id, "edit " + file_name, TASK_FORMS)


def instance_of(loan) -> ProcessInstance:
    return one(ProcessInstance, loan_id=loan.id)


def test_diff_names_changed_added_and_removed_elements():
    old = bundled_sources()
    new = {**old, "loan_policy.dmn": old["loan_policy.dmn"].replace(CAP_CELL, "<text>&gt; 40000</text>")}
    assert versions.version_diff(old, new) == {"added": [], "removed": [],
                                               "changed": ["loan_policy_rule_amount_over_cap"]}
    bpmn = old["microcredit_loan.bpmn"].replace('name="登记申请"', 'name="登记贷款申请"').replace(
        '<bpmn:message id="loan_repaid_message"', '<bpmn:endEvent id="spare_end" />\n<bpmn:message id="loan_repaid_message"')
    bpmn = bpmn.replace('  <bpmn:sequenceFlow id="flow_repaid_to_loan_closed" sourceRef="loan_repaid" '
                        'targetRef="loan_closed" />', "")
    diff = versions.version_diff(old, {**old, "microcredit_loan.bpmn": bpmn})
    assert diff == {"added": ["spare_end"], "removed": ["flow_repaid_to_loan_closed"], "changed": ["register_application"]}
    layout_only = old["microcredit_loan.bpmn"].replace('<dc:Bounds x="', '<dc:Bounds x="1', 1)
    assert versions.version_diff(old, {**old, "microcredit_loan.bpmn": layout_only}) == \
        {"added": [], "removed": [], "changed": []}


def test_a_new_cap_applies_to_new_loans_only(world):
    earlier = register(world, make_household(), amount=Decimal("45000.00"))
    version = deploy_edit(world, "loan_policy.dmn", CAP_CELL, "<text>&gt; 40000</text>")
    assert version.version == 2 and [v.version for v in versions.versions("microcredit_loan")] == [2, 1]
    with pytest.raises(PolicyViolationError) as refused:
        register(world, make_household(), amount=Decimal("45000.00"))
    assert refused.value.codes == ("amount_over_cap",)
    assert register(world, make_household(), amount=Decimal("40000.00")).status == "submitted"
    assert instance_of(earlier).process_version.version == 1
    assert drive(world, earlier.id, until="disburse_loan").status == "approved"
    deployed = db.session.scalars(sa.select(AuditEvent).filter_by(action="draft_deployed")).one()
    assert deployed.after["diff"]["changed"] == ["loan_policy_rule_amount_over_cap"]


def test_migration_moves_a_loan_waiting_before_the_change_and_refuses_one_past_it(world):
    waiting = register(world, make_household())
    drive(world, waiting.id, until="investigate_credit")
    past = register(world, make_household())
    drive(world, past.id, until="approve_loan")
    version = deploy_edit(world, "credit_line.dmn", "<text>50000</text>", "<text>45000</text>")
    assert [i.loan_id for i in migration.running_instances("microcredit_loan", version=1)] == [waiting.id, past.id]
    ids = [instance_of(waiting).id, instance_of(past).id]
    plan = migration.plan_migration(ids, version.id)
    assert [(c.loan_id, c.ok) for c in plan] == [(waiting.id, True), (past.id, False)]
    assert "look_up_credit_line" in plan[1].reason
    task_before = ready_task(waiting.id, "investigate_credit")
    moved = migration.migrate(world.actor("admin"), ids, version.id)
    assert [c.ok for c in moved] == [True, False]
    assert instance_of(waiting).process_version.version == 2 and instance_of(past).process_version.version == 1
    assert ready_task(waiting.id, "investigate_credit").id == task_before.id
    event = db.session.scalars(sa.select(AuditEvent).filter_by(action="instance_migrated")).one()
    assert (event.loan_id, event.before["version"], event.after["version"]) == (waiting.id, 1, 2)
    assert drive(world, waiting.id, until="approve_loan").status == "submitted"
    assert ready_task(waiting.id, "approve_loan")


def test_undo_is_a_move_back_while_still_safe(world):
    loan = register(world, make_household())
    drive(world, loan.id, until="investigate_credit")
    old = instance_of(loan).process_version
    new = deploy_edit(world, "credit_line.dmn", "<text>50000</text>", "<text>45000</text>")
    admin = world.actor("admin")
    assert migration.migrate(admin, [instance_of(loan).id], new.id)[0].ok
    back = migration.migrate(admin, [instance_of(loan).id], old.id)
    assert back[0].ok and instance_of(loan).process_version.version == 1
    again = migration.plan_migration([instance_of(loan).id], old.id)
    assert not again[0].ok and "already on version 1" in again[0].reason
    drive(world, loan.id, until="disburse_loan")
    late = migration.plan_migration([instance_of(loan).id], new.id)
    assert not late[0].ok and "look_up_credit_line" in late[0].reason


def test_migration_is_for_administrators_only(world):
    from workflows.errors import ForbiddenError

    loan = register(world, make_household())
    with pytest.raises(ForbiddenError):
        migration.migrate(world.actor("supervisor"), [instance_of(loan).id], instance_of(loan).process_version_id)
