"""``state_pruning``: the stored state leaves out the finished past, and nothing the engine or the app
does comes out differently for it.

The lifecycle test drives two loans through the same whole life (every visit and reminder, an
extension, a second maturity, recovery, a loss claimed), one stored with pruning and one without,
and compares what a user sees after each step. The small diagrams pin each rule of the cut.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from models import Loan, ProcessInstance, db
from tests.factories import make_household
from tests.factories_postloan import at, complete, disbursed, follow_timers, open_tasks
from workflows import clock, engine, loan_queries, risk_fund, state_pruning

from ..test_engine_pitfalls import NS

DISBURSED, MATURITY = date(2025, 1, 10), date(2026, 1, 10)
MONTH_MATURITY, EXTENDED = date(2025, 2, 10), date(2025, 3, 10)  # a month's loan extends by a month


@contextmanager
def _unpruned(workflow):
    yield workflow


def _row(loan_id: int) -> ProcessInstance:
    db.session.expire_all()
    return db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan_id)).one()


def _stored_tasks(state: bytes) -> int:
    dct = json.loads(engine.state_json(state))
    return len(dct["tasks"]) + sum(len(sub["tasks"]) for sub in dct["subprocesses"].values())


def _lifecycle(world) -> tuple[list[tuple], list[int]]:
    """Two loans' whole lives; after each step what a user sees, and the tasks the stored state holds.

    A year's loan: every visit and reminder, its maturity, recovery, a loss claimed. A month's loan:
    its reminder, an extension, the extended maturity, repaid in recovery... by the review's
    second answer."""
    seen, sizes = [], []

    def look(loan, step: str) -> None:
        row = _row(loan.id)
        diagram = loan_queries.diagram_state(loan.id)
        seen.append((step, open_tasks(loan.id), db.session.get(Loan, loan.id).status, row.status, row.end_event,
                     row.next_timer_at and clock.local(row.next_timer_at), sorted(diagram["completed"]),
                     diagram["current"]))  # the completed steps in any order: the diagram colours them
        sizes.append(_stored_tasks(row.state))

    year = disbursed(world, on=DISBURSED, household=make_household())
    look(year, "disbursed")
    follow_timers(world, year, MATURITY)
    look(year, "at maturity")
    complete(world, year.id, "maturity_review", "officer_rcb", MATURITY, maturity_decision="recover", review_note="")
    look(year, "recovering")
    complete(world, year.id, "recover_loan", "officer_rcb", MATURITY, recovery_outcome="loss", recovery_note="多次催收")
    complete(world, year.id, "confirm_recovery", "clerk_hanfeng", MATURITY, recovery_confirmed=True,
             confirmation_note=None)
    look(year, "loss confirmed")
    complete(world, year.id, "claim_compensation", "finance", MATURITY, loss_confirmed=True, comment="")
    look(year, "written off")

    month = disbursed(world, on=DISBURSED, term=1, household=make_household())
    follow_timers(world, month, MONTH_MATURITY)
    look(month, "a month's loan at maturity")
    complete(world, month.id, "maturity_review", "officer_rcb", MONTH_MATURITY, maturity_decision="extend")
    complete(world, month.id, "request_extension", "officer_rcb", MONTH_MATURITY,
             new_maturity_date=EXTENDED, extension_reason="生猪价格低迷，延后出栏")
    complete(world, month.id, "approve_extension", "approver_rcb", MONTH_MATURITY, extension_approved=True,
             extension_comment=None)
    look(month, "extended")
    follow_timers(world, month, EXTENDED)
    look(month, "at the extended maturity")
    return seen, sizes


def test_a_whole_life_comes_out_the_same_with_and_without_pruning(world, monkeypatch):
    with clock.frozen(at(DISBURSED)):
        risk_fund.record_entry(world.actor("finance"), "deposit", Decimal("100000.00"), DISBURSED, "首期")
    pruned, pruned_sizes = _lifecycle(world)
    monkeypatch.setattr(state_pruning, "stored_view", _unpruned)
    whole, whole_sizes = _lifecycle(world)
    assert pruned == whole
    steps = {step[0]: step for step in pruned}
    assert steps["at maturity"][1] == ["maturity_review"] and steps["written off"][2] == "written_off"
    assert steps["extended"][2] == "extended" and steps["at the extended maturity"][1] == ["maturity_review"]
    assert {"register_application", "disburse_loan", "post_loan_visit"} <= set(steps["at maturity"][6])
    for step, p, w in zip(pruned, pruned_sizes, whole_sizes):
        assert p < w or step[3] == "completed", step[0]  # a finished process is stored whole
    assert whole_sizes[1] - whole_sizes[0] > pruned_sizes[1] - pruned_sizes[0]  # a year's rounds grow it less


def test_after_disbursement_the_application_steps_are_left_out_and_the_workflow_in_memory_is_not(world):
    loan = disbursed(world, on=DISBURSED, household=make_household())
    parsed = engine.SPECS.get(_row(loan.id).process_version)
    workflow = engine.load_state(parsed, _row(loan.id).state)
    stored = json.loads(engine.state_json(_row(loan.id).state))
    root = stored["tasks"][stored["root"]]
    assert [stored["tasks"][child]["task_spec"] for child in root["children"]] == ["post_loan.BoundaryEventSplit"]
    assert not any(task["task_spec"] == "disburse_loan" for task in stored["tasks"].values())
    record = root["internal_data"][state_pruning.FINISHED_KEY]
    assert record["microcredit_loan"][:3] == ["application_received", "register_application", "check_loan_policy"]
    assert "disburse_loan" in record["microcredit_loan"]
    # A workflow that ran here: dumping it leaves it as it was.
    workflow = engine.new_workflow(parsed, {"loan_id": 1})
    engine.run_engine(workflow)
    before = {task.id: (task._parent, list(task._children)) for task in workflow.get_tasks()}
    engine.dump_state(workflow)
    assert {task.id: (task._parent, list(task._children)) for task in workflow.get_tasks()} == before


def _diagram(body: str, extra: str = "") -> dict[str, str]:
    return {"small.bpmn": f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d" targetNamespace="t">'
                          f'<bpmn:process id="small" isExecutable="true">{body}</bpmn:process>{extra}</bpmn:definitions>'}


def _flow(source: str, target: str) -> str:
    return f'<bpmn:sequenceFlow id="{source}_{target}" sourceRef="{source}" targetRef="{target}"/>'


def _round_trip(sources: dict[str, str], data: dict | None = None):
    parsed = engine.parse_sources("small", sources)
    workflow = engine.new_workflow(parsed, data or {"loan_id": 1})
    engine.run_engine(workflow)
    return parsed, workflow, engine.load_state(parsed, engine.dump_state(workflow))


def _names(workflow) -> list[str]:
    return sorted(task.task_spec.name for task in workflow.get_tasks())


def test_a_finished_call_activity_goes_with_its_sub_workflow_and_is_recorded():
    sub = ('<bpmn:process id="inner" isExecutable="true"><bpmn:startEvent id="inner_start"/>'
           '<bpmn:scriptTask id="inner_script"><bpmn:script>x = 1</bpmn:script></bpmn:scriptTask>'
           '<bpmn:endEvent id="inner_end"/>' + _flow("inner_start", "inner_script")
           + _flow("inner_script", "inner_end") + '</bpmn:process>')
    body = ('<bpmn:startEvent id="start"/><bpmn:callActivity id="call" calledElement="inner"/>'
            '<bpmn:scriptTask id="after"><bpmn:script>z = x + 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:userTask id="ask"/><bpmn:endEvent id="done"/>'
            + _flow("start", "call") + _flow("call", "after") + _flow("after", "ask") + _flow("ask", "done"))
    parsed, workflow, restored = _round_trip(_diagram(body, sub))
    assert len(workflow.subprocesses) == 1 and restored.subprocesses == {}
    assert state_pruning.finished_record(restored) == {"small": ["start", "call"],
                                                       "inner": ["inner_start", "inner_script", "inner_end"]}
    assert restored.last_task.data["z"] == 2  # the last task ran (its data is kept), the call before it went
    (task,) = engine.ready_user_tasks(restored)
    engine.complete_user_task(restored, task, {"answer": "y"})
    assert restored.completed and restored.last_task.data["answer"] == "y"


def test_the_last_task_of_a_finished_branch_is_kept():
    """``process_data`` reads the last task's data: a parallel branch that ended keeps the cut above it."""
    body = ('<bpmn:startEvent id="start"/><bpmn:parallelGateway id="fork"/><bpmn:userTask id="ask"/>'
            '<bpmn:scriptTask id="compute"><bpmn:script>y = 2</bpmn:script></bpmn:scriptTask>'
            '<bpmn:endEvent id="asked"/><bpmn:endEvent id="computed"/>'
            + _flow("start", "fork") + _flow("fork", "ask") + _flow("fork", "compute")
            + _flow("ask", "asked") + _flow("compute", "computed"))
    parsed, workflow, restored = _round_trip(_diagram(body))
    assert workflow.last_task.task_spec.name == "computed"
    assert restored.last_task is not None and restored.last_task.id == workflow.last_task.id
    assert restored.last_task.data["y"] == 2
    assert "fork" in _names(restored)


def test_an_unfinished_boundary_join_keeps_its_split():
    """A boundary event's join finds its split with ``find_ancestor``: the cut never goes below it."""
    body = ('<bpmn:startEvent id="start"/><bpmn:scriptTask id="first"><bpmn:script>a = 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:userTask id="ask"/><bpmn:boundaryEvent id="nudge" attachedToRef="ask" cancelActivity="false">'
            '<bpmn:timerEventDefinition><bpmn:timeDuration>"P1D"</bpmn:timeDuration></bpmn:timerEventDefinition>'
            '</bpmn:boundaryEvent><bpmn:endEvent id="nudged"/><bpmn:endEvent id="done"/>'
            + _flow("start", "first") + _flow("first", "ask") + _flow("nudge", "nudged") + _flow("ask", "done"))
    parsed, workflow, restored = _round_trip(_diagram(body))
    names = _names(restored)
    assert "ask.BoundaryEventSplit" in names and "first" not in names
    (task,) = engine.ready_user_tasks(restored)
    engine.complete_user_task(restored, task, {})
    assert restored.completed


def test_a_task_in_error_is_not_cut_away():
    body = ('<bpmn:startEvent id="start"/><bpmn:scriptTask id="first"><bpmn:script>a = 1</bpmn:script></bpmn:scriptTask>'
            '<bpmn:scriptTask id="second"><bpmn:script>b = 2</bpmn:script></bpmn:scriptTask>'
            '<bpmn:userTask id="ask"/><bpmn:endEvent id="done"/>'
            + _flow("start", "first") + _flow("first", "second") + _flow("second", "ask") + _flow("ask", "done"))
    parsed, workflow, restored = _round_trip(_diagram(body))
    assert "first" not in _names(restored) and "second" in _names(restored)
    first = next(task for task in workflow.get_tasks() if task.task_spec.name == "first")
    first._set_state(TaskState.ERROR)
    restored = engine.load_state(parsed, engine.dump_state(workflow))
    assert "first" in _names(restored)
