"""What a task page shows beside its form (任务要素), picked by the task's process.

A domain registers a facts provider for its process id (``register("microcredit_loan")``): it
returns the name of the facts panel to show and what the panel needs. A process without a
provider (one an administrator deployed) shows the loan's panel if its instance has a loan,
otherwise the generic panel of the instance's data.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from uuid import UUID

from models import HumanTask, HumanTaskState, Loan, ProcessInstance, db

from .. import engine, instances
from . import history


@dataclass(frozen=True)
class TaskFacts:
    """The task, its process, subject and form, the panel to show, and its last round if it loops."""

    task: HumanTask
    process_key: str
    instance_version: int
    loan: Loan | None
    form: str | None
    form_fields: str | None
    panel: str
    details: dict = field(default_factory=dict)
    history: history.LoopHistory | None = None


ANY_LOAN = "*loan"  # the provider for a task of any process whose instance has a loan
Provider = Callable[[HumanTask, ProcessInstance, Loan | None], tuple[str, dict]]
_PROVIDERS: dict[str, Provider] = {}


def register(process_key: str):
    def add(provider: Provider) -> Provider:
        _PROVIDERS[process_key] = provider
        return provider

    return add


def task_data(row: HumanTask) -> dict:
    """The task's data as the engine holds it (read-only copy; deserializes the instance)."""
    loaded = instances.load(row.process_instance_id)
    spiff_task = loaded.workflow.get_task_from_id(UUID(row.spiff_task_id))
    return dict(spiff_task.data) if spiff_task is not None else {}


def form_of(row: HumanTask, instance: ProcessInstance) -> tuple[str | None, str | None]:
    """The task's registered form class name (kept on its inbox row), or the field list its diagram defines
    (read from the parsed spec only then: a registered form costs no look-up of the version's sources)."""
    if row.form:
        return row.form, None
    properties = engine.spec_properties(engine.SPECS.get(instance.process_version), row.name)
    return None, properties.get("form_fields") or None


def facts_for(row: HumanTask) -> TaskFacts:
    instance = db.session.get(ProcessInstance, row.process_instance_id)
    process_key = instance.process_version.process_key
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    provider = _PROVIDERS.get(process_key) or (_PROVIDERS.get(ANY_LOAN) if loan else None) or generic
    panel, details = provider(row, instance, loan)
    form, form_fields = form_of(row, instance)
    return TaskFacts(row, process_key, instance.version, loan, form, form_fields, panel, details,
                     history.history_of(row) if row.state == HumanTaskState.READY else None)


def generic(row: HumanTask, instance: ProcessInstance, loan: Loan | None) -> tuple[str, dict]:
    """Any process: the instance's data, as the engine holds it for this task."""
    data = task_data(row) if row.state == HumanTaskState.READY else {}
    shown = {k: v for k, v in sorted(data.items()) if k not in engine.RESERVED_DATA_KEYS and not isinstance(v, dict)}
    return "process", {"data": shown}
