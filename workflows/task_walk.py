"""SpiffWorkflow's walk over a workflow's task tree, with less Python per task (the same tasks, in the same order).

Every engine step asks for the ready tasks (``get_tasks(state=READY)``) several times, and each ask
walks the whole tree, subprocesses included: 80 tasks for a loan in post-loan monitoring. SpiffWorkflow's
``BpmnTaskIterator`` takes the next task off the front of a list, looks the top workflow up through
two properties and keeps a depth count for its ``max_depth`` (1,000 by default), walking back up
through each leaf's ancestors to do so. ``QuickTaskIterator`` keeps the list as a stack (the next task
at its end) and keeps no depth count when the count could not reach ``max_depth`` anyway: the count
grows by at most one per task visited, so with fewer tasks than ``max_depth`` in the whole workflow
it never stops the walk. With more (or a ``max_depth`` of its own, or breadth first) it walks as
SpiffWorkflow does. ``engine`` sets it in place of ``BpmnTaskIterator`` where ``get_tasks`` makes one
(the module global of ``SpiffWorkflow.bpmn.util.subworkflow``); tests/workflows/engine_state/
test_task_walk.py compares the two on every stage of the bundled diagrams.
"""
from __future__ import annotations

from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
from SpiffWorkflow.util.task import TaskState


def _task_count(workflow) -> int:
    top = workflow.top_workflow
    return len(top.tasks) + sum(len(sub.tasks) for sub in top.subprocesses.values())


class QuickTaskIterator(BpmnTaskIterator):
    """``BpmnTaskIterator`` as a stack walk where no depth limit can apply (see the module's docstring)."""

    def __init__(self, task, end_at_spec=None, max_depth=1000, depth_first=True, skip_subprocesses=False,
                 task_filter=None, **kwargs):
        super().__init__(task, end_at_spec, max_depth, depth_first, skip_subprocesses, task_filter, **kwargs)
        self.quick = depth_first and _task_count(task.workflow) < max_depth
        if self.quick:
            self.subprocesses = task.workflow.top_workflow.subprocesses
            self.descends = not (self.task_filter.state <= TaskState.FINISHED_MASK)

    def _next(self):
        if not self.quick:
            return super()._next()
        stack = self.task_list
        if not stack:
            raise StopIteration()
        task = stack.pop()
        subprocess = self.subprocesses.get(task.id)
        if subprocess is None:
            if task._children and task.state >= self.min_state and task.task_spec.name != self.end_at_spec:
                stack.extend(reversed(task.children))
        elif task.task_spec.name != self.end_at_spec:
            stack.extend(reversed(task.children))
            # into the subprocess before the task's own children, unless it finished and the filter
            # asks only for finished tasks (a finished subprocess holds no unfinished ones)
            if not (self.skip_subprocesses or (task.state >= TaskState.FINISHED_MASK and not self.descends)):
                stack.append(subprocess.task_tree)
        return task
