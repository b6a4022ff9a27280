"""New tasks' ids: unique, alike within a process (so a state compresses), drawn anew in a forked
worker, and the ids SpiffWorkflow gives the tasks it creates; times stored to the millisecond."""
from __future__ import annotations

import json
import multiprocessing
import time
from uuid import UUID

from SpiffWorkflow import task as spiff_task

from tests.workflows.test_engine_pitfalls import USER_TASK, diagram
from workflows import engine, state_codec


def _prefix(task_id: UUID) -> int:
    return task_id.int >> 64


def test_ids_are_unique_share_the_process_prefix_and_count_up():
    ids = [state_codec.new_task_id() for _ in range(10_000)]
    assert len(set(ids)) == len(ids)
    assert {_prefix(i) for i in ids} == {_prefix(ids[0])}
    assert [i.int - ids[0].int for i in ids[:3]] == [0, 1, 2]
    assert {i.version for i in ids} == {8} and {i.variant for i in ids} == {"specified in RFC 4122"}


def test_a_new_seed_draws_another_prefix_and_offset():
    ids = state_codec.TaskIds()
    first = ids()
    ids.reseed()
    assert _prefix(ids()) != _prefix(first)


def _child_id(queue) -> None:
    queue.put(str(state_codec.new_task_id()))


def test_a_forked_worker_draws_its_own_prefix():
    """gunicorn forks its workers from one parent: sharing the parent's prefix and counter would repeat ids."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    children = [context.Process(target=_child_id, args=(queue,)) for _ in range(2)]
    for child in children:
        child.start()
    prefixes = {_prefix(UUID(queue.get(timeout=30))) for _ in children}
    for child in children:
        child.join()
    assert len(prefixes) == 2 and _prefix(state_codec.new_task_id()) not in prefixes


def test_spiffworkflow_creates_its_tasks_with_these_ids():
    assert spiff_task.uuid4 is state_codec.new_task_id
    workflow = engine.new_workflow(engine.parse_sources("tiny", diagram(USER_TASK)), {"loan_id": 1})
    engine.run_engine(workflow)
    assert {_prefix(t.id) for t in workflow.get_tasks()} == {_prefix(state_codec.new_task_id())}


def test_a_tasks_state_change_time_is_stored_to_the_millisecond():
    workflow = engine.new_workflow(engine.parse_sources("tiny", diagram(USER_TASK)), {"loan_id": 1})
    engine.run_engine(workflow)
    (task,) = engine.ready_user_tasks(workflow)
    task.last_state_change = 1796101734.5133214
    stored = json.loads(engine.SERIALIZER.serialize_json(workflow))["tasks"][str(task.id)]["last_state_change"]
    assert stored == 1796101734.513
    assert abs(stored - time.time()) < 10 * 365 * 86400  # still a time, seconds since the epoch
