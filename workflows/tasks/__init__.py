"""The one task pipeline (任务流水线) every process's user tasks go through.

- ``access``: the one access authority (``task_for(user, task_id, purpose)``);
- ``steps``: the step registry the domains fill (by process id and BPMN task id);
- ``service``: the one ``complete_task`` use case; ``claims``: claim, give back, hand over;
- ``inbox``: the ready tasks a user may take; ``facts``: what a task page shows beside its form;
- ``history``: what a task that comes round again shows of its last round;
- ``four_eyes``: the diagram-declared separation of duties; ``refusals``: refused attempts audited.

Import the modules themselves (``from workflows.tasks import service``): this package's
``__init__`` imports nothing, so the engine integration can use ``four_eyes`` without a cycle.
"""
