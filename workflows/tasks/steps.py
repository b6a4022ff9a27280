"""The step registry (环节登记): what each user task checks and writes besides running the engine.

A domain registers its steps by process id and BPMN task id (``register("microcredit_loan",
"approve_loan")(ApproveLoan())``); a task without a registered step gets ``Step()``, which
checks and writes nothing, so a task an administrator adds in the designer just runs. The
process id is the one the task is drawn in: a task of the ``post_loan`` call activity registers
under ``post_loan`` although its instance is a ``microcredit_loan``.

``before`` runs before the engine completes the task; ``after`` runs on the engine's result,
before anything is saved, so a refusal from either discards the whole step.
"""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from models import Loan, ProcessInstance

from ..audit import Actor


@dataclass
class StepContext:
    """What a step sees: the subject (the loan, or the instance of a process without one), who
    acts, the workflow, the task's data as it was before completion, and the form's data."""

    instance: ProcessInstance
    loan: Loan | None
    actor: Actor
    workflow: BpmnWorkflow
    task_data: dict
    data: dict

    @property
    def process_data(self) -> dict:
        """The data of the task that ran last (the outputs of the business rule tasks after it)."""
        return self.workflow.last_task.data if self.workflow.last_task else self.workflow.data


class Step:
    """The default step: nothing to check or write beyond the engine and the audit event."""

    def before(self, ctx: StepContext) -> None:
        """Checks that must pass before the engine runs the task."""

    def after(self, ctx: StepContext) -> None:
        """Checks on the engine's result, and the business columns this step fills in."""


class FunctionStep(Step):
    """A step written as one function ``(ctx)`` run before the engine (the finance steps)."""

    def __init__(self, function):
        self.function = function

    def before(self, ctx: StepContext) -> None:
        self.function(ctx)


_STEPS: dict[tuple[str, str], Step] = {}
DEFAULT = Step()


def register(process_key: str, task_name: str):
    """Decorator/registrar: ``register(process, task)(step)`` files ``step`` and returns it."""

    def add(step):
        step = step if isinstance(step, Step) else FunctionStep(step)
        key = (process_key, task_name)
        if key in _STEPS and _STEPS[key] is not step:
            raise ValueError(f"step {process_key}/{task_name} is registered twice")
        _STEPS[key] = step
        return step

    return add


def step_of(spiff_task, task_name: str) -> Step:
    """The step of a task wherever the diagram draws it: filed under its own (sub-)process or any
    process around it, the nearest first. An administrator who moves a task into an embedded
    sub-process (or out of one) keeps its step; a called process is its own key."""
    workflow = spiff_task.workflow
    while workflow is not None:
        step = _STEPS.get((workflow.spec.name, task_name))
        if step is not None:
            return step
        workflow = getattr(workflow, "parent_workflow", None)
    return DEFAULT


def registered() -> dict[tuple[str, str], Step]:
    return dict(_STEPS)
