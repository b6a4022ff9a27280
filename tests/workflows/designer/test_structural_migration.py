"""Migration is blocked only by structural changes; a move keeps waiting duration timers' fire time."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from forms.registry import TASK_FORMS
from models import ProcessInstance, db
from workflows import clock, deployment, drafts, engine, instances, migration
from workflows.deployment import bundled_sources
from workflows.errors import PolicyViolationError

from ...factories import drive, make_household, register
from ...factories_postloan import at

NOTE = "<description>AAA级 5万元</description>"


def new_version(world, file: str, old: str, new: str):
    admin = world.actor("admin")
    draft = drafts.create_draft(admin, "microcredit_loan")
    assert old in draft.sources[file]
    sources = {**draft.sources, file: draft.sources[file].replace(old, new, 1)}
    drafts.save_draft(admin, draft.id, sources, expected_revision=draft.revision)
    return drafts.deploy_draft(admin, draft.id, "edit", TASK_FORMS)


def instance_id(loan_id: int) -> int:
    return db.session.scalars(sa.select(ProcessInstance.id).filter_by(loan_id=loan_id)).one()


def parsed(sources):
    return engine.parse_sources("microcredit_loan", sources)


def test_annotations_names_and_documentation_are_not_structural():
    old = bundled_sources()
    cosmetic = {**old,
                "credit_line.dmn": old["credit_line.dmn"].replace(NOTE, "<description>AAA 级</description>"),
                "microcredit_loan.bpmn": old["microcredit_loan.bpmn"].replace('name="登记申请"', 'name="登记"')
                .replace("<bpmn:documentation>Register the application", "<bpmn:documentation>Register it", 1)}
    assert migration.changed_task_names(parsed(old), parsed(cosmetic)) == []
    cell = {**old, "credit_line.dmn": old["credit_line.dmn"].replace("<text>50000</text>", "<text>45000</text>", 1)}
    assert migration.changed_task_names(parsed(old), parsed(cell)) == ["microcredit_loan:look_up_credit_line"]


def test_an_annotation_only_version_moves_every_running_loan(world):
    early = register(world, make_household())
    waiting = drive(world, register(world, make_household()).id, until="investigate_credit")
    late = drive(world, register(world, make_household()).id, until="disburse_loan")
    version = new_version(world, "credit_line.dmn", NOTE, "<description>AAA 级(注释)</description>")
    ids = [instance_id(loan.id) for loan in (early, waiting, late)]
    assert all(check.ok for check in migration.plan_migration(ids, version.id))
    assert all(check.ok for check in migration.migrate(world.actor("admin"), ids, version.id))
    assert {db.session.get(ProcessInstance, i).process_version.version for i in ids} == {2}
    assert drive(world, late.id, until="end").status == "active"


def test_a_changed_cell_still_blocks_a_loan_past_it(world):
    late = drive(world, register(world, make_household()).id, until="disburse_loan")
    version = new_version(world, "credit_line.dmn", "<text>50000</text>", "<text>45000</text>")
    check, = migration.plan_migration([instance_id(late.id)], version.id)
    assert not check.ok and "look_up_credit_line" in check.reason


def test_an_empty_selection_is_refused_not_read_as_all(world):
    loan = drive(world, register(world, make_household()).id, until="investigate_credit")
    version = new_version(world, "credit_line.dmn", NOTE, "<description>x</description>")
    with pytest.raises(PolicyViolationError) as refused:
        migration.migrate(world.actor("admin"), [], version.id)
    assert refused.value.codes == ("migration_nothing_chosen",)
    assert db.session.get(ProcessInstance, instance_id(loan.id)).process_version.version == 1


REMINDER = """
    <bpmn:boundaryEvent id="investigation_reminder" name="调查提醒" attachedToRef="investigate_credit"
                        cancelActivity="false">
      <bpmn:timerEventDefinition id="investigation_reminder_timer">
        <bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P10D"</bpmn:timeDuration>
      </bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="investigation_reminded" name="已提醒" />
    <bpmn:sequenceFlow id="flow_reminder_to_end" sourceRef="investigation_reminder"
                       targetRef="investigation_reminded" />
"""


def with_reminder(sources: dict[str, str]) -> dict[str, str]:
    """microcredit_loan with a 10-day duration timer (non-interrupting) on the investigation."""
    bpmn = sources["microcredit_loan.bpmn"]
    if 'xmlns:xsi=' not in bpmn:
        xsi = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        bpmn = bpmn.replace("<bpmn:definitions ", "<bpmn:definitions " + xsi, 1)
    head, tail = bpmn.rsplit("</bpmn:process>", 1)
    return {**sources, "microcredit_loan.bpmn": head + REMINDER + "</bpmn:process>" + tail}


def reminder_fires(loan_id: int) -> str:
    workflow = instances.load(instance_id(loan_id)).workflow
    timers = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.name == "investigation_reminder"]
    assert len(timers) == 1
    return timers[0]._get_internal_data("event_value")


def test_a_waiting_duration_timer_keeps_its_fire_time(world):
    timed = deployment.deploy("microcredit_loan", with_reminder(bundled_sources()), world.actor("admin"))
    with clock.frozen(at(date(2025, 3, 1))):
        loan = drive(world, register(world, make_household()).id, until="investigate_credit")
    fires = reminder_fires(loan.id)
    assert fires.startswith("2025-03-11")  # ten days after the investigation opened
    due_before = db.session.get(ProcessInstance, instance_id(loan.id)).next_timer_at
    note = timed.sources["credit_line.dmn"].replace(NOTE, "<description>x</description>")
    sources = {**timed.sources, "credit_line.dmn": note}
    annotated = deployment.deploy("microcredit_loan", sources, world.actor("admin"))
    with clock.frozen(at(date(2025, 3, 6))):
        check, = migration.migrate(world.actor("admin"), [instance_id(loan.id)], annotated.id)
    assert check.ok
    db.session.expire_all()
    assert reminder_fires(loan.id) == fires
    assert db.session.get(ProcessInstance, instance_id(loan.id)).next_timer_at == due_before
    assert db.session.get(ProcessInstance, instance_id(loan.id)).process_version.version == annotated.version
