"""The SpiffWorkflow 3.2 pitfalls of docs/engine.md, each pinned by a test."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from workflows import engine
from workflows.errors import FormInvalidError, ProcessError

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')


def diagram(body: str, extra: str = "") -> dict[str, str]:
    return {"tiny.bpmn": f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d" '
                         f'targetNamespace="t">{extra}<bpmn:process id="tiny" isExecutable="true">'
                         f'{body}</bpmn:process></bpmn:definitions>'}


USER_TASK = ('<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>'
             '<bpmn:userTask id="ask"/><bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="done"/>'
             '<bpmn:endEvent id="done"/>')


def run(sources: dict[str, str], key: str = "tiny"):
    workflow = engine.new_workflow(engine.parse_sources(key, sources), {"loan_id": 1})
    engine.run_engine(workflow)
    return workflow


def test_decimal_and_date_survive_the_state_round_trip():
    parsed = engine.parse_sources("tiny", diagram(USER_TASK))
    workflow = engine.new_workflow(parsed, {"loan_id": 1})
    engine.run_engine(workflow)
    (task,) = engine.ready_user_tasks(workflow)
    engine.complete_user_task(workflow, task, {"amount": Decimal("50000.01"), "paid_on": date(2026, 1, 20),
                                               "nested": {"rate": Decimal("3.45")}})
    restored = engine.load_state(parsed, engine.dump_state(workflow))
    data = restored.last_task.data
    assert data["amount"] == Decimal("50000.01") and isinstance(data["amount"], Decimal)
    assert data["paid_on"] == date(2026, 1, 20) and data["nested"]["rate"] == Decimal("3.45")


def test_state_does_not_embed_the_spec():
    workflow = run(diagram(USER_TASK))
    state = json.loads(engine.state_json(engine.dump_state(workflow)))
    assert "spec" not in state and "subprocess_specs" not in state


@pytest.mark.parametrize("data", [{"typename": "x"}, {"nested": {"typename": "Decimal"}}])
def test_the_typename_key_is_refused(data):
    workflow = run(diagram(USER_TASK))
    (task,) = engine.ready_user_tasks(workflow)
    with pytest.raises(FormInvalidError):
        engine.complete_user_task(workflow, task, data)


def test_an_uncaught_error_end_event_raises():
    body = ('<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="boom"/>'
            '<bpmn:endEvent id="boom"><bpmn:errorEventDefinition errorRef="err"/></bpmn:endEvent>')
    with pytest.raises(ProcessError, match="E42"):
        run(diagram(body, '<bpmn:error id="err" name="failure" errorCode="E42"/>'))


def test_a_timer_sets_next_timer_at():
    body = ('<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>'
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>"P30D"'
            '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="done"/><bpmn:endEvent id="done"/>')
    before = datetime.now(timezone.utc)
    due = engine.next_timer_at(run(diagram(body)))
    assert due is not None and 29 <= (due - before).days <= 30


def test_due_period_of_a_user_task():
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert engine.due_at("P3D", start) == datetime(2026, 1, 4, tzinfo=timezone.utc)
    assert engine.due_at(None, start) is None


def test_timers_follow_the_system_clock():
    from datetime import timedelta

    from workflows import clock

    body = ('<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>'
            '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>"P30D"'
            '</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
            '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="done"/><bpmn:endEvent id="done"/>')
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with clock.frozen(start):
        workflow = run(diagram(body))
    assert engine.next_timer_at(workflow) == start + timedelta(days=30)
    with clock.frozen(start + timedelta(days=29)):
        engine.run_engine(workflow)
        assert not workflow.completed
    with clock.frozen(start + timedelta(days=30, seconds=1)):
        engine.run_engine(workflow)
        assert workflow.completed and engine.next_timer_at(workflow) is None
