"""Load and save process instances, and keep the inbox projection (``human_tasks``) in step."""
from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from models import IS_READY, HumanTask, HumanTaskState, Loan, ProcessInstance, ProcessVersion, db

from . import clock, engine
from .errors import ConcurrentUpdateError, NotFoundError, ProcessError
from .tasks import four_eyes


@dataclass
class LoadedInstance:
    """A process instance row with its workflow deserialized onto the cached spec."""

    row: ProcessInstance
    workflow: BpmnWorkflow
    loaded_version: int
    # the ready user tasks when loaded, which the inbox holds as open rows (one per task): the refresh
    # after a step works from it instead of reading the rows back; None: read them (a new instance has none)
    ready_when_loaded: frozenset[str] | None = None


def latest_version(process_key: str) -> ProcessVersion:
    version = db.session.scalars(ProcessVersion.latest(process_key)).first()
    if version is None:
        raise ProcessError(f"process {process_key!r} is not deployed; run `flask --app webapp deploy`")
    return version


def start(process_key: str, loan: Loan | None, data: dict, *, township_id: int | None = None,
          bank_id: int | None = None) -> LoadedInstance:
    """A new instance on the newest deployed version, run up to its first wait.

    Its inbox scope is the loan's township and bank, or for a process without a loan the
    ``township_id`` / ``bank_id`` given (a bank's subsidy settlement; none: district-wide)."""
    version = latest_version(process_key)
    workflow = engine.new_workflow(engine.SPECS.get(version), data)
    if loan is not None:
        township_id, bank_id = loan.township_id, loan.bank_id
    row = ProcessInstance(process_version=version, loan_id=loan.id if loan else None, state=b"",
                          township_id=township_id, bank_id=bank_id)
    engine.run_engine(workflow)
    return LoadedInstance(row, workflow, loaded_version=0)


def load(instance_id: int, expected_version: int | None = None) -> LoadedInstance:
    row = db.session.get(ProcessInstance, instance_id)
    if row is None:
        raise NotFoundError(f"process instance {instance_id}")
    if expected_version is not None and row.version != expected_version:
        raise ConcurrentUpdateError("the loan changed since you opened it")
    parsed = engine.SPECS.get(row.process_version)
    workflow = engine.load_state(parsed, row.state)
    ready = frozenset(str(t.id) for t in engine.ready_user_tasks(workflow))
    return LoadedInstance(row, workflow, row.version, ready)


def save(loaded: LoadedInstance) -> None:
    """Write the state back; a concurrent save of the same instance raises ``ConcurrentUpdateError``."""
    row, workflow = loaded.row, loaded.workflow
    row.state = engine.dump_state(workflow)
    row.next_timer_at = engine.next_timer_at(workflow)
    if workflow.completed:
        row.status, row.end_event = "completed", reached_end(workflow)
    if row.id is None:
        db.session.add(row)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdateError("somebody else completed this step first") from exc


def _end_task(workflow: BpmnWorkflow):
    ends = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if isinstance(t.task_spec, EndEvent) and t.workflow is workflow]
    return ends[-1] if ends else None


def reached_end(workflow: BpmnWorkflow) -> str | None:
    """The id of the end event the top-level process finished on."""
    end = _end_task(workflow)
    return end.task_spec.bpmn_id if end else None


def find_ready_task(loaded: LoadedInstance, spiff_task_id: str):
    """The ready user task with this id, or ``ConcurrentUpdateError`` if it moved on meanwhile."""
    spiff_task = loaded.workflow.get_task_from_id(UUID(spiff_task_id))
    if spiff_task is None or spiff_task.state != TaskState.READY:
        raise ConcurrentUpdateError("the task is no longer waiting")
    return spiff_task


def status_after_step(loaded: LoadedInstance, new_task_ids: set[str]) -> str | None:
    """The loan status the diagram names (``loan_status``) for the tasks just made ready or the end reached."""
    status = None
    for spiff_task in engine.ready_user_tasks(loaded.workflow):
        if str(spiff_task.id) in new_task_ids:
            status = engine.task_properties(spiff_task).get("loan_status") or status
    end = _end_task(loaded.workflow) if loaded.workflow.completed else None
    if end is not None:
        status = engine.task_properties(end).get("loan_status") or status
    return status


def refresh_inbox(loaded: LoadedInstance, loan: Loan | None) -> list[HumanTask]:
    """Insert rows for newly ready user tasks, cancel rows whose task is no longer ready.

    The rows' township and bank come from ``loan``, or for a process without a loan from the
    instance's own scope. A new row gets the four-eyes exclusions its task declares. Returns the
    rows of tasks that became ready in this step.
    """
    return _insert_rows(loaded, loan, newly_ready(loaded))


def newly_ready(loaded: LoadedInstance) -> list:
    """The ready user tasks the inbox has no row for yet; rows of tasks no longer ready are cancelled."""
    ready = {str(t.id): t for t in engine.ready_user_tasks(loaded.workflow)}
    known = _cancel_rows_no_longer_ready(loaded, ready)
    return [t for key, t in ready.items() if key not in known]


def _insert_rows(loaded: LoadedInstance, loan: Loan | None, fresh: list) -> list[HumanTask]:
    township_id, bank_id = (loan.township_id, loan.bank_id) if loan else (loaded.row.township_id, loaded.row.bank_id)
    created = [inbox_row(loaded.row, loan, t, township_id, bank_id) for t in fresh]
    db.session.add_all(created)
    db.session.flush()  # one INSERT for all the new rows
    for row, spiff_task in zip(created, fresh):
        four_eyes.exclude_performers(row, engine.task_properties(spiff_task))
    return created


def _cancel_rows_no_longer_ready(loaded: LoadedInstance, ready: dict) -> set[str]:
    """Cancel the open rows whose task is no longer ready; the spiff ids of the open rows before."""
    if loaded.ready_when_loaded is None:
        open_rows = db.session.scalars(sa.select(HumanTask).where(
            HumanTask.process_instance_id == loaded.row.id, IS_READY)).all()
        for row in open_rows:
            if row.spiff_task_id not in ready:
                row.state = HumanTaskState.CANCELLED
        return {row.spiff_task_id for row in open_rows}
    gone = [key for key in loaded.ready_when_loaded if key not in ready and not _completed(loaded.workflow, key)]
    if gone:  # a completed task's row is done by its step: this runs only when a step cancels other tasks
        db.session.execute(sa.update(HumanTask).where(
            HumanTask.process_instance_id == loaded.row.id, IS_READY,
            HumanTask.spiff_task_id.in_(gone)).values(state=HumanTaskState.CANCELLED))
    return set(loaded.ready_when_loaded)


def _completed(workflow: BpmnWorkflow, spiff_task_id: str) -> bool:
    spiff_task = workflow.get_task_from_id(UUID(spiff_task_id))
    return spiff_task is not None and spiff_task.state == TaskState.COMPLETED


def inbox_row(instance: ProcessInstance, loan: Loan | None, spiff_task, township_id: int | None,
              bank_id: int | None) -> HumanTask:
    """The inbox row (not yet added) of a ready user task: its lane is the role, its scope the given one."""
    props, now = engine.task_properties(spiff_task), clock.now()
    spec = spiff_task.task_spec
    return HumanTask(
        process_instance_id=instance.id, loan_id=loan.id if loan else None, spiff_task_id=str(spiff_task.id),
        name=spec.bpmn_id, title=spec.bpmn_name or spec.bpmn_id, form=props.get("form", ""),
        role=spec.lane or "", township_id=township_id, bank_id=bank_id, created_at=now,
        due_at=engine.due_at(props.get("due_period"), now),
    )


def settle(loaded: LoadedInstance, loan: Loan | None) -> list[HumanTask]:
    """After the engine ran: apply the diagram's ``loan_status``, save the state, then insert the new
    inbox rows. The status first: the loan's columns go in one UPDATE with the step's own. The save
    before the rows: of two completions racing on one instance, the second fails on the instance's
    version (``ConcurrentUpdateError``, 409) before it could insert the rows the first already has."""
    fresh = newly_ready(loaded)
    if loan is not None:
        loan.status, codes = loan_outcome(loaded, fresh, loan.status)
        if codes is not None:
            loan.rejection_codes = codes
    save(loaded)
    return _insert_rows(loaded, loan, fresh)


def loan_outcome(loaded: LoadedInstance, fresh: list, status: str) -> tuple[str, list | None]:
    """The loan's status after a step that made ``fresh`` ready (``status`` unless the diagram names
    one), and for a process that ended in rejection the codes it was rejected with (else None).
    Used by a completion (``settle``) and a timer's fire alike."""
    status = status_after_step(loaded, {str(t.id) for t in fresh}) or status
    if status != "rejected" or not loaded.workflow.completed:
        return status, None
    data = loaded.workflow.last_task.data if loaded.workflow.last_task else {}
    return status, data.get("policy_violations") or [reached_end(loaded.workflow)]
