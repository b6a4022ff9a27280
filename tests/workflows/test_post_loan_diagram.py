"""``post_loan.bpmn`` on its own: forms, lanes, drawing, and its paths driven in memory."""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from forms import form_class
from workflows import clock, engine
from workflows.sandbox import make_script_engine

BPMN = Path(__file__).resolve().parents[2] / "workflows" / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
LANES = {"township_clerk", "bank_officer", "bank_approver", "finance_bureau"}
START = datetime(2025, 1, 10, 2, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def spec():
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(BPMN / "post_loan.bpmn"))
    return parser.get_spec("post_loan")


def start(spec, kind):
    workflow = BpmnWorkflow(spec, script_engine=make_script_engine())
    workflow.get_next_task(state=TaskState.READY, spec_name="Start").data.update(
        next_check_at="2025-04-10T09:00:00+08:00", check_kind=kind, post_loan_result="closed")
    with clock.frozen(START):
        workflow.do_engine_steps()
    assert engine.next_timer_at(workflow) == datetime(2025, 4, 10, 1, tzinfo=timezone.utc)
    with clock.frozen(datetime(2025, 4, 10, 2, tzinfo=timezone.utc)):
        engine.run_engine(workflow)
    return workflow


def step(workflow, name, **data):
    [task] = engine.ready_user_tasks(workflow)
    assert task.task_spec.name == name
    task.data.update(data)
    task.run()
    with clock.frozen(datetime(2025, 4, 11, tzinfo=timezone.utc)):
        workflow.do_engine_steps()


def ends(workflow):
    return [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name.startswith("post_loan_")][-1]


@pytest.mark.parametrize("kind, first", [("visit", "post_loan_visit"), ("reminder", "maturity_reminder"),
                                         ("maturity", "maturity_review")])
def test_the_timer_routes_by_check_kind(spec, kind, first):
    assert [t.task_spec.name for t in engine.ready_user_tasks(start(spec, kind))] == [first]


def test_visit_loops_back_to_the_timer(spec):
    workflow = start(spec, "visit")
    step(workflow, "post_loan_visit", used_for_production=True, next_check_at="2025-07-10T09:00:00+08:00", check_kind="visit")
    assert engine.ready_user_tasks(workflow) == [] and not workflow.completed


@pytest.mark.parametrize("outcome, path, end", [
    ("recovered", [], "post_loan_recovered"),
    ("loss", [("claim_compensation", {"loss_confirmed": True, "post_loan_result": "written_off"})], "post_loan_written_off"),
    ("malicious", [("claim_compensation", {"loss_confirmed": True})], "post_loan_written_off"),
])
def test_misuse_to_recovery_and_each_outcome(spec, outcome, path, end):
    workflow = start(spec, "visit")
    step(workflow, "post_loan_visit", used_for_production=False)
    step(workflow, "recover_loan", recovery_outcome=outcome)
    step(workflow, "confirm_recovery", recovery_confirmed=True)
    for name, data in path:
        step(workflow, name, **data)
    assert workflow.completed and ends(workflow) == end


def test_extension_approved_waits_again_and_refused_goes_to_recovery(spec):
    workflow = start(spec, "maturity")
    step(workflow, "maturity_review", maturity_decision="extend")
    step(workflow, "request_extension")
    step(workflow, "approve_extension", extension_approved=False)
    assert [t.task_spec.name for t in engine.ready_user_tasks(workflow)] == ["recover_loan"]


def test_user_tasks_name_real_forms_and_lanes(spec):
    user_tasks = [ts for ts in spec.task_specs.values() if isinstance(ts, UserTask)]
    assert len(user_tasks) == 8
    for ts in user_tasks:
        assert form_class(ts.extensions["properties"]["form"]) and ts.lane in LANES, ts.name


@pytest.mark.parametrize("name", ["post_loan.bpmn", "microcredit_loan.bpmn"])
def test_every_element_is_drawn(name):
    root = etree.parse(str(BPMN / name)).getroot()
    drawn = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNPlane/*", NS)}
    ids = {e.get("id") for e in root.find("bpmn:process", NS).iterfind(".//bpmn:*[@id]", NS)
           if etree.QName(e).localname not in ("laneSet", "documentation", "timerEventDefinition", "timeDate",
                                               "messageEventDefinition", "conditionExpression")}
    assert ids <= drawn, ids - drawn
