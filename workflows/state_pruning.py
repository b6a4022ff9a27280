"""The stored state leaves out the finished past (已完成历史不入库): only what can still run is kept.

SpiffWorkflow keeps every task a workflow ever ran, so a loan's state grows with its history: after
disbursement 24 of its 38 top-level tasks are finished application steps (and their cancelled
withdrawal events) that no rule of the engine will look at again, and each post-loan round adds
more. Every load, walk and dump pays for them (a fired timer loads, walks and dumps the whole
state). Camunda and Flowable keep only the running executions in their runtime tables and move the
rest to history; this does the same for the stored state. The history proper (who did what, when,
with which data) is the audit trail and the inbox rows, which are unaffected.

**The cut.** For each workflow (the top one and each sub-workflow), the *anchors* are the tasks
whose ancestry the engine may still read:

- every unfinished task (ready, waiting, started, the predicted ones, and one in error, which may
  be retried);
- the workflow's ``last_task`` (a step's ``process_data`` and a call activity's result read its data).

A structured join (a boundary event's, a start event join) looks its split up with
``find_ancestor``; that split stays, since the join's branches (the activity and its boundary
events) are its children and stay unfinished until the join runs, which the engine does before a
state is stored.

The cut point is the deepest task that is an ancestor of (or is) every anchor. Everything above it
is finished, and off the path to it every branch is finished too (a parallel branch that is still
waiting at a join is unfinished, so the cut stays above its split). What is stored is the tree's
root, then the cut point as the root's child, and everything below the cut point, unchanged; the
sub-workflows of pruned tasks (finished call activities) go with them. The root keeps, in its
``internal_data`` under ``FINISHED_KEY``, the BPMN ids of the completed tasks it dropped, in the
order they ran, so the loan's diagram still shows the path taken (``loan_queries.diagram_state``).

The cut is made on the serialized copy only (``stored_view`` undoes it as soon as the state is
dumped): the workflow in memory, which a step still reads after saving, is not changed. A state
written before this (or by a version without it) loads as it is, and is pruned at its next save.

**What changes, and what does not.** The engine's joins look at their own inputs below the split
(kept), at unfinished tasks (kept) and, for a parallel gateway in a loop, at its earlier instances
that are not ancestors: those of a round already past the cut are gone, so their data no longer
merges into a later round's join (the round's own branches still do). A version migration reads
the record as well: a step in the pruned past that the new version changed or removed still blocks
moving an instance, as it did when the step was stored (``migration._pruned_blockers``). ``tests/workflows/engine_state/test_state_pruning.py`` runs every
stage of the bundled diagrams with and without pruning and compares what the engine does.
"""
from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field

from SpiffWorkflow.util.task import TaskState

FINISHED_KEY = "finished_bpmn_ids"
_DONE = TaskState.COMPLETED | TaskState.CANCELLED  # a task in ERROR may be retried: it anchors


@dataclass
class Cut:
    """One workflow's pruning: its root, the task that becomes the root's only child, and what goes."""

    workflow: object
    root: object
    point: object
    pruned: list = field(default_factory=list)  # the tasks left out, root first (pre-order)


def _anchors(workflow) -> list:
    anchors = []
    for task in workflow.tasks.values():
        if task.state & _DONE:
            continue
        anchors.append(task)
    if workflow.last_task is not None and workflow.last_task.workflow is workflow:
        anchors.append(workflow.last_task)
    return anchors


def _meeting_point(anchors: list):
    """The deepest task that is an ancestor of, or is, every anchor."""
    chain = []
    task = anchors[0]
    while task is not None:
        chain.append(task)
        task = task.parent
    chain.reverse()
    position = {task.id: depth for depth, task in enumerate(chain)}
    deepest = len(chain) - 1
    for anchor in anchors[1:]:
        task = anchor
        while task.id not in position:
            task = task.parent
        deepest = min(deepest, position[task.id])
    return chain[deepest]


def cut_of(workflow) -> Cut | None:
    """Where ``workflow``'s stored tree can be cut, or None if nothing would go (see the module)."""
    root = workflow.task_tree
    if root is None or workflow.completed:
        return None
    anchors = _anchors(workflow)
    if not anchors:
        return None
    point = _meeting_point(anchors)
    if point is root or point.parent is root and len(root._children) == 1:
        return None
    kept = {point.id}
    stack = [point]
    while stack:
        for child in stack.pop().children:
            kept.add(child.id)
            stack.append(child)
    pruned, stack = [], [root]
    while stack:
        task = stack.pop()
        if task is not root:
            pruned.append(task)
        stack.extend(child for child in reversed(task.children) if child.id not in kept)
    return Cut(workflow, root, point, pruned)


def _completed_ids(tasks) -> list[str]:
    return [task.task_spec.bpmn_id for task in tasks
            if task.state == TaskState.COMPLETED and getattr(task.task_spec, "bpmn_id", None) is not None]


def _tree(workflow) -> list:
    """A workflow's tasks in the order they ran (pre-order from its root)."""
    found, stack = [], [workflow.task_tree]
    while stack:
        task = stack.pop()
        found.append(task)
        stack.extend(reversed(task.children))
    return found


def finished_record(top) -> dict[str, list[str]]:
    """What the stored state left out: process spec name -> the BPMN ids of its completed tasks."""
    return top.task_tree.internal_data.get(FINISHED_KEY, {})


def finished_ids(top) -> list[str]:
    """The BPMN ids of completed tasks a stored state left out, in the order they ran (top process first)."""
    return [bpmn_id for ids in finished_record(top).values() for bpmn_id in ids]


def _recorded(record: dict, process: str, ids: list[str]) -> None:
    known = record.setdefault(process, [])
    seen = set(known)
    for bpmn_id in ids:
        if bpmn_id not in seen:
            seen.add(bpmn_id)
            known.append(bpmn_id)


def _dropped_subprocesses(top, pruned_ids: set) -> set:
    """The sub-workflows (keyed, as SpiffWorkflow keys them, by their task's id) under pruned tasks,
    and those nested in them."""
    dropped = {key for key in top.subprocesses if key in pruned_ids}
    grew = bool(dropped)
    while grew:
        nested = {key for key in top.subprocesses
                  if key not in dropped and any(key in top.subprocesses[owner].tasks for owner in dropped)}
        dropped |= nested
        grew = bool(nested)
    return dropped


@contextmanager
def stored_view(top):
    """The workflow as it is to be stored, for the ``with`` block: each tree cut (``cut_of``), the
    sub-workflows of pruned tasks left out, and what went recorded in the top root. Undone on exit."""
    cuts = [cut for cut in map(cut_of, (top, *top.subprocesses.values())) if cut is not None]
    if not cuts:
        yield top
        return
    dropped = _dropped_subprocesses(top, {task.id for cut in cuts for task in cut.pruned})
    record = {process: list(ids) for process, ids in finished_record(top).items()}
    top_root, subprocesses, undo = top.task_tree, top.subprocesses, []
    root_internal = top_root.internal_data
    try:
        for cut in cuts:
            workflow, root, point = cut.workflow, cut.root, cut.point
            if workflow is not top and workflow.parent_task_id in dropped:
                continue
            _recorded(record, workflow.spec.name, _completed_ids(cut.pruned))
            gone = {task.id for task in cut.pruned}
            undo.append((workflow, workflow.tasks, root, root._children, point, point._parent))
            workflow.tasks = {key: task for key, task in workflow.tasks.items() if key not in gone}
            root._children, point._parent = [point.id], root.id
        for key in dropped:
            sub = subprocesses[key]
            _recorded(record, sub.spec.name, _completed_ids(_tree(sub)))
        top.subprocesses = {key: sub for key, sub in subprocesses.items() if key not in dropped}
        top_root.internal_data = {**root_internal, FINISHED_KEY: record}
        yield top
    finally:
        top.subprocesses, top_root.internal_data = subprocesses, root_internal
        for workflow, tasks, root, children, point, parent in reversed(undo):
            workflow.tasks, root._children, point._parent = tasks, children, parent
