"""``task_walk.QuickTaskIterator`` finds what SpiffWorkflow's ``BpmnTaskIterator`` finds, in the same order,
on a loan's state at every stage (post-loan rounds included), for every kind of query the engine and
the app make; and it walks as SpiffWorkflow does where a depth limit could apply."""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from SpiffWorkflow.bpmn.util import subworkflow
from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState

from models import ProcessInstance, db
from tests.factories import make_household
from tests.factories_postloan import at, disbursed, sweep
from workflows import clock, engine, task_walk

from .test_state_codec import states_of_every_stage

QUERIES = [
    {}, {"state": TaskState.READY}, {"state": TaskState.READY, "manual": True}, {"state": TaskState.READY, "manual": False},
    {"state": TaskState.WAITING}, {"state": TaskState.COMPLETED}, {"state": TaskState.FINISHED_MASK},
    {"state": TaskState.NOT_FINISHED_MASK}, {"state": TaskState.PREDICTED_MASK}, {"state": TaskState.DEFINITE_MASK},
    {"skip_subprocesses": True}, {"state": TaskState.READY, "skip_subprocesses": True},
    {"spec_name": "monitoring"}, {"spec_name": "visit_round"}, {"end_at_spec": "post_loan"},
    {"end_at_spec": "approve_loan", "state": TaskState.NOT_FINISHED_MASK}, {"max_depth": 4}, {"depth_first": False},
]


@pytest.fixture
def workflows(world):
    states = states_of_every_stage(world)
    loan = disbursed(world, on=date(2025, 1, 10), household=make_household())
    for day in (date(2025, 4, 11), date(2025, 7, 11), date(2025, 10, 11)):  # visit rounds and reminders
        sweep(day)
        db.session.expire_all()
        row = db.session.scalars(sa.select(ProcessInstance).filter_by(loan_id=loan.id)).one()
        states.append(row.state)
    parsed = engine.SPECS.get(row.process_version)
    return [engine.load_state(parsed, state) for state in states]


def _walk(iterator_class, workflow, first, query) -> list[str]:
    return [str(task.id) for task in iterator_class(first, **query)]


def test_the_quick_walk_is_spiffworkflows_walk(workflows):
    assert subworkflow.BpmnTaskIterator is task_walk.QuickTaskIterator  # what get_tasks uses
    compared = 0
    for workflow in workflows:
        starts = [workflow.task_tree, *(sub.task_tree for sub in workflow.subprocesses.values()),
                  *workflow.get_tasks(state=TaskState.READY | TaskState.WAITING)]
        for first in starts:
            for query in QUERIES:
                assert _walk(task_walk.QuickTaskIterator, workflow, first, query) == \
                       _walk(BpmnTaskIterator, workflow, first, query), (first.task_spec.name, query)
                compared += 1
    assert compared > 500
    assert any(len(workflow.subprocesses) >= 3 for workflow in workflows)


def test_the_quick_walk_is_taken_only_where_no_depth_limit_can_apply(workflows):
    workflow = workflows[-1]
    assert task_walk.QuickTaskIterator(workflow.task_tree).quick
    assert not task_walk.QuickTaskIterator(workflow.task_tree, max_depth=4).quick
    assert not task_walk.QuickTaskIterator(workflow.task_tree, depth_first=False).quick
    count = task_walk._task_count(workflow)
    assert count >= 60
    assert not task_walk.QuickTaskIterator(workflow.task_tree, max_depth=count).quick
    assert task_walk.QuickTaskIterator(workflow.task_tree, max_depth=count + 1).quick


def test_the_engine_steps_the_same_with_either_walk(workflows, monkeypatch):
    """A timer fired on the last state gives the same tasks whichever iterator ``get_tasks`` makes."""
    def fired(iterator_class) -> list[tuple]:
        monkeypatch.setattr(subworkflow, "BpmnTaskIterator", iterator_class)
        workflow = engine.load_state(engine.SPECS.get(_version()), engine.dump_state(workflows[-1]))
        with clock.frozen(at(date(2026, 6, 1))):
            engine.run_engine(workflow)
        return [(t.task_spec.name, t.state) for t in workflow.get_tasks()]

    assert fired(task_walk.QuickTaskIterator) == fired(BpmnTaskIterator)


def _version():
    return db.session.scalars(sa.select(ProcessInstance).where(ProcessInstance.loan_id.is_not(None))
                              .order_by(ProcessInstance.id.desc())).first().process_version
