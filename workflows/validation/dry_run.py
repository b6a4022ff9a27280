"""A dry run of a draft: drive it along a scripted happy path, in memory (试运行).

The run never writes to the database: it parses the sources, starts a workflow in memory, and
completes the ready user tasks with the scripted data in order. This is the issue's "scratch
database": nothing is stored, so the real one cannot be changed. As the real process does, the
state is stored and loaded again after every step, so data that cannot be stored fails here too.
The report says where the run stopped and why (finished, a task the script does not cover, a
message nothing sends, an error raised by the diagram, naming its element).

The script is a list of steps in order: ``ScriptStep`` (or a plain ``(task id, data)`` pair) and
``SendMessage``.

* ``ScriptStep.before(data, now)`` returns what the real service step adds before the engine runs
  the task (e.g. the first post-loan timer at disbursement), from the task's data merged with the
  scripted data and the run's clock ``now``. ``repeat=True``: the task may come any number of times,
  none included, before the next step (the quarterly post-loan visits).
* A ready user task the script does not expect next is completed with ``fill(properties, now)``,
  when that gives data (the web layer builds sample data from a form defined in the diagram,
  ``form_fields``; ``workflows`` may not import ``forms``); otherwise the run stops there.
* ``SendMessage(name)`` is sent once the process waits for it (``loan_repaid``: repaid in full).

Timers: when nothing but timers is left, the run fires the earliest waiting date or duration timer
in memory (it marks the timer as fired, as the engine does once its instant has passed) and moves
its own clock ``now`` to that instant. It never moves ``workflows.clock``: that clock is
process-wide, and a request served meanwhile by another thread would read the wrong time. A cycle
timer is not fired: the run stops there, successfully ("waiting for a timer"), as the real process
waits for the timer worker. ``ok`` is true for a run that finished or stopped that way.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (DurationTimerEventDefinition, TimeDateEventDefinition,
                                                               TimerEventDefinition)
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition

from .. import clock, engine
from ..errors import ProcessError
from ..instances import reached_end

MAX_STEPS = 200
Before = Callable[[dict, datetime], dict]
Filler = Callable[[dict, datetime], "dict | None"]


@dataclass(frozen=True)
class ScriptStep:
    """One user task of the script: the data a person enters and what the real step adds."""

    task: str
    data: dict = field(default_factory=dict)
    before: Before | None = None
    repeat: bool = False


@dataclass(frozen=True)
class SendMessage:
    """A message from outside the diagram, sent once the process waits for it."""

    name: str


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
    ok: bool = False
    trail: list[str] = field(default_factory=list)  # tasks, timers fired and messages sent, in order
    filled: list[str] = field(default_factory=list)  # tasks completed with sample data of their form
    error: dict | None = None  # process, task, line and message of the error the run stopped on

    @property
    def stopped_at(self) -> str | None:
        if self.error:
            return self.error.get("task")
        return self.waiting_at[0] if self.waiting_at else self.end_event


def test_run(process_key: str, sources: dict, script: list, start_data: dict | None = None,
             fill: Filler | None = None, now: datetime | None = None) -> TestRunReport:
    """Run ``script`` against the draft; never raises for a diagram's error, whatever the library raises
    for it (a bad duration is a bare ``Exception``): the report says it."""
    report = TestRunReport(False, "")
    run = _Run([_step(entry) for entry in script], fill, now or clock.now(), report)
    try:
        parsed = engine.parse_sources(process_key, sources)
        workflow = engine.new_workflow(parsed, start_data)
        engine.run_engine(workflow)
        run.drive(parsed, workflow)
    except Exception as err:  # noqa: BLE001  reported, never swallowed
        _failed(report, err)
    return report


def _step(entry) -> ScriptStep | SendMessage:
    return entry if isinstance(entry, (ScriptStep, SendMessage)) else ScriptStep(entry[0], dict(entry[1]))


def _failed(report: TestRunReport, err: Exception) -> None:
    where = err.where() if isinstance(err, ProcessError) else {}
    message = str(err).splitlines()[0] if str(err) else type(err).__name__
    report.error = {**where, "message": message}
    place = ", ".join(f"{key} {value}" for key, value in where.items())
    report.reason = f"error: {message}" + (f" ({place})" if place else "")


class _Run:
    def __init__(self, script: list, fill: Filler | None, now: datetime, report: TestRunReport):
        self.script, self.fill, self.now, self.report = script, fill, now, report

    def drive(self, parsed, workflow) -> None:
        report = self.report
        for _ in range(MAX_STEPS):
            ready = engine.ready_user_tasks(workflow)
            report.waiting_at = [t.task_spec.bpmn_id for t in ready]
            if workflow.completed:
                return _finish(workflow, report)
            if not (self._message(workflow) or self._task(workflow, ready) or (not ready and self._timer(workflow))):
                return self._stop(workflow, ready)
            workflow = _round_trip(parsed, workflow)
        report.reason = f"stopped after {MAX_STEPS} steps"

    def _message(self, workflow) -> bool:
        head = self.script[0] if self.script else None
        if not isinstance(head, SendMessage) or head.name not in _awaited_messages(workflow):
            return False
        self.script.pop(0)
        workflow.catch(BpmnEvent(MessageEventDefinition(head.name)))
        engine.run_engine(workflow)
        self.report.trail.append(f"✉ {head.name}")
        return True

    def _task(self, workflow, ready: list) -> bool:
        by_id = {t.task_spec.bpmn_id: t for t in ready}
        step = self._scripted(by_id)
        if step is not None:
            if not step.repeat:
                self.script.pop(0)
            self._complete(workflow, by_id[step.task], step)
            return True
        for spiff_task in ready:
            sample = self.fill(engine.task_properties(spiff_task), self.now) if self.fill else None
            if sample is not None:
                self.report.filled.append(spiff_task.task_spec.bpmn_id)
                self._complete(workflow, spiff_task, ScriptStep(spiff_task.task_spec.bpmn_id, sample))
                return True
        return False

    def _scripted(self, by_id: dict) -> ScriptStep | None:
        """The script's step for a ready task: the next one, or the one after a repeatable step."""
        head = self.script[0] if self.script else None
        if isinstance(head, ScriptStep) and head.task in by_id:
            return head
        following = self.script[1] if len(self.script) > 1 else None
        if isinstance(head, ScriptStep) and head.repeat and isinstance(following, ScriptStep) \
                and following.task in by_id:
            self.script.pop(0)
            return following
        return None

    def _complete(self, workflow, spiff_task, step: ScriptStep) -> None:
        data = dict(step.data)
        if step.before is not None:
            try:
                data.update(step.before({**spiff_task.data, **data}, self.now))
            except Exception as err:  # noqa: BLE001  whatever the script's function raises, on this task
                raise ProcessError(f"the data the real step adds cannot be made: {type(err).__name__}: {err}",
                                   process=spiff_task.workflow.spec.name, task=step.task) from err
        engine.complete_user_task(workflow, spiff_task, data)
        self.report.steps.append(step.task)
        self.report.trail.append(step.task)

    def _timer(self, workflow) -> bool:
        """Fire the earliest waiting date or duration timer (and any due with it); False if none."""
        due = _timers(workflow)
        if not due:
            return False
        self.now = max(self.now, min(instant for instant, _ in due))
        for instant, spiff_task in due:
            if instant <= self.now:
                spiff_task.internal_data["event_fired"] = True
                self.report.trail.append(f"⏱ {spiff_task.task_spec.bpmn_id} {clock.local(instant):%Y-%m-%d %H:%M}")
        engine.run_engine(workflow)
        return True

    def _stop(self, workflow, ready: list) -> None:
        report, head = self.report, self.script[0] if self.script else None
        expected = head.task if isinstance(head, ScriptStep) else f"the message {head.name}" if head else None
        if ready and expected:
            report.reason = f"the script expects {expected}, but the process waits at {', '.join(report.waiting_at)}"
        elif ready:
            report.reason = f"the script ends; waiting at {', '.join(report.waiting_at)}"
        else:
            self._waiting(workflow)

    def _waiting(self, workflow) -> None:
        """Nothing ready and no timer the run fires: a cycle timer (the worker's) or a message."""
        report, waiting = self.report, list(workflow.event_manager.tasks.values())
        timers = [t.task_spec.bpmn_id for t in waiting if isinstance(_definition(t), TimerEventDefinition)]
        report.waiting_at = timers or [t.task_spec.bpmn_id for t in waiting]
        if timers:
            report.ok, report.reason = True, f"waiting for a timer: {', '.join(timers)} (the timer worker fires it)"
        elif _awaited_messages(workflow):
            report.reason = f"waiting for a message: {', '.join(sorted(_awaited_messages(workflow)))}"
        else:
            report.reason = "nothing is ready and nothing is awaited: the process cannot go on"


def _definition(spiff_task):
    return getattr(spiff_task.task_spec, "event_definition", None)


def _timers(workflow) -> list[tuple[datetime, object]]:
    """The waiting date and duration timers with their instants (all processes, called ones included)."""
    found = []
    for spiff_task in workflow.event_manager.tasks.values():
        value = spiff_task.internal_data.get("event_value")
        if isinstance(_definition(spiff_task), (TimeDateEventDefinition, DurationTimerEventDefinition)) \
                and isinstance(value, str):
            found.append((TimerEventDefinition.get_datetime(value), spiff_task))
    return found


def _awaited_messages(workflow) -> set[str]:
    return {w.name for w in workflow.waiting_events() if w.event_type == "MessageEventDefinition"}


def _round_trip(parsed, workflow):
    """Store and load the state, as the real process does between steps."""
    try:
        return engine.load_state(parsed, engine.dump_state(workflow))
    except (TypeError, ValueError, KeyError) as err:
        raise ProcessError(f"the task data cannot be stored: {type(err).__name__}: {err}",
                           process=workflow.spec.name) from err


def _finish(workflow, report: TestRunReport) -> None:
    report.completed, report.ok, report.waiting_at = True, True, []
    report.end_event = reached_end(workflow)
    report.data = dict(workflow.last_task.data) if workflow.last_task else {}
    report.reason = f"finished at {report.end_event}"


test_run.__test__ = False  # a service, not a pytest test, wherever it is imported
