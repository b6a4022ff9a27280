"""A dry run of a draft: drive it along a scripted happy path, in memory (试运行).

The run never touches the database: it parses the sources, starts a workflow in memory, and
completes the ready user tasks with the scripted data in order. This is the issue's "scratch
database": nothing is stored, so the real one cannot be changed. The report says where the run
stopped and why (finished, waiting for a timer or message, a task the script does not cover,
an error raised by the diagram).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.exceptions import SpiffWorkflowException

from .. import engine
from ..errors import DomainError
from ..instances import reached_end

MAX_STEPS = 200


@dataclass
class TestRunReport:
    """What a scripted run did: completed user tasks in order, and where and why it stopped."""

    __test__ = False  # not a pytest class

    completed: bool
    reason: str
    steps: list[str] = field(default_factory=list)
    waiting_at: list[str] = field(default_factory=list)
    end_event: str | None = None
    data: dict = field(default_factory=dict)


def test_run(process_key: str, sources: dict, script: list[tuple[str, dict]],
             start_data: dict | None = None) -> TestRunReport:
    """Run ``script`` [(task name, data), …] against the draft; never raises for a diagram's error."""
    report = TestRunReport(False, "")
    try:
        workflow = engine.new_workflow(engine.parse_sources(process_key, sources), start_data)
        engine.run_engine(workflow)
        _drive(workflow, list(script), report)
    except (SpiffWorkflowException, DomainError, ValueError, TypeError, KeyError, NameError) as err:
        report.reason = f"error: {err}"
        return report
    return report


def _drive(workflow, script: list[tuple[str, dict]], report: TestRunReport) -> None:
    for _ in range(MAX_STEPS):
        ready = engine.ready_user_tasks(workflow)
        report.waiting_at = [t.task_spec.bpmn_id for t in ready]
        if workflow.completed:
            _finish(workflow, report)
            return
        if not ready:
            report.reason = "waiting for a timer or a message"
            return
        if not script:
            report.reason = f"the script ends; waiting at {', '.join(report.waiting_at)}"
            return
        name, data = script[0]
        task = next((t for t in ready if t.task_spec.bpmn_id == name), None)
        if task is None:
            report.reason = f"the script expects {name}, but the process waits at {', '.join(report.waiting_at)}"
            return
        script.pop(0)
        engine.complete_user_task(workflow, task, dict(data))
        report.steps.append(name)
    report.reason = f"stopped after {MAX_STEPS} steps"


def _finish(workflow, report: TestRunReport) -> None:
    report.completed, report.waiting_at = True, []
    report.end_event = reached_end(workflow)
    report.data = dict(workflow.last_task.data) if workflow.last_task else {}
    report.reason = f"finished at {report.end_event}"


test_run.__test__ = False  # a service, not a pytest test, wherever it is imported
