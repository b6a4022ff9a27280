"""``post_loan.bpmn`` on its own: forms, lanes, drawing, and its paths driven in memory (no Python steps)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from forms import form_class
from workflows import clock, engine

BPMN = Path(__file__).resolve().parents[2] / "workflows" / "bpmn"
NS = {"bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL", "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI"}
LANES = {"township_clerk", "bank_officer", "bank_approver", "finance_bureau"}
START = datetime(2025, 1, 10, 2, tzinfo=timezone.utc)
TIMERS = dict(next_visit_at="2025-04-10T09:00:00+08:00", visit_escalation_period="P30D",
              reminder_at="2025-12-11T09:00:00+08:00", reminder_due=True, maturity_at="2026-01-10T09:00:00+08:00",
              entry_point="monitoring", post_loan_result="closed")


@pytest.fixture(scope="module")
def parsed():
    return engine.parse_sources("post_loan", {"post_loan.bpmn": (BPMN / "post_loan.bpmn").read_text(encoding="utf-8")})


def start(parsed, **data):
    workflow = engine.new_workflow(parsed, {**TIMERS, **data})
    with clock.frozen(START):
        engine.run_engine(workflow)
    return workflow


def at(workflow, day: datetime):
    with clock.frozen(day):
        engine.run_engine(workflow)
    return sorted(t.task_spec.name for t in engine.ready_user_tasks(workflow))


def step(workflow, name, day=datetime(2026, 3, 1, tzinfo=timezone.utc), **data):
    [task] = [t for t in engine.ready_user_tasks(workflow) if t.task_spec.name == name]
    with clock.frozen(day):
        engine.complete_user_task(workflow, task, data)


def ended_at(workflow):
    return [t.task_spec.name for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.workflow is workflow and t.task_spec.name.startswith("post_loan_")][-1]


def test_the_branches_wait_on_their_own_timers(parsed):
    workflow = start(parsed)
    assert engine.next_timer_at(workflow) == datetime(2025, 4, 10, 1, tzinfo=timezone.utc)
    assert at(workflow, datetime(2025, 4, 10, 2, tzinfo=timezone.utc)) == ["post_loan_visit"]
    assert at(workflow, datetime(2025, 5, 10, 3, tzinfo=timezone.utc)) == [
        "post_loan_visit", "supervise_visit", "supervise_visit_bank"]
    assert at(workflow, datetime(2025, 12, 11, 2, tzinfo=timezone.utc))[0] == "maturity_reminder"
    assert "maturity_review" in at(workflow, datetime(2026, 1, 10, 2, tzinfo=timezone.utc))


def test_a_visit_ends_its_round_and_waits_for_the_next(parsed):
    workflow = start(parsed)
    at(workflow, datetime(2025, 5, 10, 3, tzinfo=timezone.utc))
    step(workflow, "post_loan_visit", datetime(2025, 5, 11, tzinfo=timezone.utc), used_for_production=True,
         next_visit_at="2025-07-10T09:00:00+08:00")
    assert engine.ready_user_tasks(workflow) == [] and not workflow.completed
    assert engine.next_timer_at(workflow) == datetime(2025, 7, 10, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("outcome, path, end", [
    ("recovered", [], "post_loan_recovered"),
    ("loss", [("claim_compensation", {"loss_confirmed": True, "post_loan_result": "written_off"})], "post_loan_written_off"),
    ("malicious", [("claim_compensation", {"loss_confirmed": True, "post_loan_result": "written_off"})],
     "post_loan_written_off"),
])
def test_misuse_cancels_the_maturity_branch_and_each_outcome_ends(parsed, outcome, path, end):
    workflow = start(parsed, reminder_at="2025-04-01T09:00:00+08:00")
    assert at(workflow, datetime(2025, 4, 10, 2, tzinfo=timezone.utc)) == ["maturity_reminder", "post_loan_visit"]
    step(workflow, "post_loan_visit", used_for_production=False)
    assert sorted(t.task_spec.name for t in engine.ready_user_tasks(workflow)) == ["recover_loan"]
    assert engine.next_timer_at(workflow) is None  # no visit, no maturity: only recovery
    step(workflow, "recover_loan", recovery_outcome=outcome)
    step(workflow, "confirm_recovery", recovery_confirmed=True)
    for name, data in path:
        step(workflow, name, **data)
    assert workflow.completed and ended_at(workflow) == end


def test_a_loan_in_recovery_starts_there(parsed):
    workflow = start(parsed, entry_point="recovery")
    assert [t.task_spec.name for t in engine.ready_user_tasks(workflow)] == ["recover_loan"]


def test_an_approved_extension_starts_a_new_round_and_a_refused_one_recovers(parsed):
    workflow = start(parsed, reminder_at="2025-01-01T09:00:00+08:00", maturity_at="2025-02-10T09:00:00+08:00")
    assert at(workflow, datetime(2025, 2, 10, 2, tzinfo=timezone.utc)) == ["maturity_reminder", "maturity_review"]
    day = datetime(2025, 2, 10, 3, tzinfo=timezone.utc)
    step(workflow, "maturity_reminder", day, extension_requested=True)
    step(workflow, "request_extension", day)
    new = dict(reminder_at="2025-02-08T09:00:00+08:00", maturity_at="2025-03-10T09:00:00+08:00", round_result="extended")
    step(workflow, "approve_extension", day, extension_approved=True, **new)
    assert at(workflow, datetime(2025, 2, 11, 2, tzinfo=timezone.utc)) == ["maturity_reminder"]  # the old review closed
    day = datetime(2025, 3, 10, 2, tzinfo=timezone.utc)
    step(workflow, "maturity_reminder", day, extension_requested=False)
    assert at(workflow, day) == ["maturity_review"]
    step(workflow, "maturity_review", day, maturity_decision="extend")
    step(workflow, "request_extension", day)
    step(workflow, "approve_extension", day, extension_approved=False, round_result="recover")
    assert [t.task_spec.name for t in engine.ready_user_tasks(workflow)] == ["recover_loan"]


def test_state_survives_a_round_trip_with_every_branch_open(parsed):
    workflow = start(parsed, reminder_at="2025-04-01T09:00:00+08:00")
    at(workflow, datetime(2025, 4, 10, 2, tzinfo=timezone.utc))
    at(workflow, datetime(2025, 5, 10, 3, tzinfo=timezone.utc))
    restored = engine.load_state(parsed, engine.dump_state(workflow))
    assert sorted(t.task_spec.name for t in engine.ready_user_tasks(restored)) == [
        "maturity_reminder", "post_loan_visit", "supervise_visit", "supervise_visit_bank"]
    step(restored, "post_loan_visit", datetime(2025, 5, 11, tzinfo=timezone.utc), used_for_production=True,
         next_visit_at="2025-07-10T09:00:00+08:00")
    assert [t.task_spec.name for t in engine.ready_user_tasks(restored)] == ["maturity_reminder"]


def test_user_tasks_name_real_forms_and_lanes(parsed):
    specs = [parsed.spec, *parsed.subprocess_specs.values()]
    user_tasks = [ts for spec in specs for ts in spec.task_specs.values() if isinstance(ts, UserTask)]
    assert len(user_tasks) == 10
    for ts in user_tasks:
        assert form_class(ts.extensions["properties"]["form"]) and ts.lane in LANES, ts.name
    lanes = {ts.name: ts.lane for ts in user_tasks}
    assert (lanes["supervise_visit"], lanes["supervise_visit_bank"]) == ("township_clerk", "bank_officer")


@pytest.mark.parametrize("name", ["post_loan.bpmn", "microcredit_loan.bpmn"])
def test_every_element_is_drawn(name):
    root = etree.parse(str(BPMN / name)).getroot()
    drawn = {e.get("bpmnElement") for e in root.iterfind(".//bpmndi:BPMNPlane/*", NS)}
    ids = {e.get("id") for e in root.find("bpmn:process", NS).iterfind(".//bpmn:*[@id]", NS)
           if etree.QName(e).localname not in ("laneSet", "documentation", "timerEventDefinition", "timeDate",
                                               "messageEventDefinition", "conditionExpression",
                                               "terminateEventDefinition")}
    assert ids <= drawn, ids - drawn
