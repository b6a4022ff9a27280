"""Load and save process instances, and keep the inbox projection (``human_tasks``) in step."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from models import IS_READY, HumanTask, HumanTaskState, Loan, ProcessInstance, ProcessVersion, db, utcnow

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
    """Write the state back; a concurrent save of the same instance raises ``ConcurrentUpdateError``.

    What else the transaction changed (the step's loan columns, the completed inbox row) is flushed
    first, then the state of an existing instance goes in one Core UPDATE checked against the version
    it was loaded at: the order the ORM's flush wrote them in (rows, then the instance), without its
    unit of work for the versioned row."""
    row, workflow = loaded.row, loaded.workflow
    state, next_timer = engine.dump_state(workflow), engine.next_timer_at(workflow)
    end_event = reached_end(workflow) if workflow.completed else None
    new = row.id is None
    if new:
        row.state, row.next_timer_at = state, next_timer
        if workflow.completed:
            row.status, row.end_event = "completed", end_event
        db.session.add(row)
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConcurrentUpdateError("somebody else completed this step first") from exc
    if new:
        return
    values = saved_values(row, state, next_timer, end_event, workflow.completed)
    if db.session.execute(SAVE_STATE, values).rowcount != 1:
        raise ConcurrentUpdateError("somebody else completed this step first")
    mark_saved(row, values)


_INSTANCES, _ROWS = ProcessInstance.__table__, HumanTask.__table__
# An instance's state written back, checked against the version it was read at. Core, built once: every
# completion and every fired timer runs it, and the ORM's unit of work for one versioned row costs about
# three times the statement (the row's attributes are then set as written, so nothing flushes them again).
SAVE_STATE = sa.update(_INSTANCES).where(
    _INSTANCES.c.id == sa.bindparam("b_id"), _INSTANCES.c.version == sa.bindparam("b_version")).values(
    state=sa.bindparam("b_state", type_=_INSTANCES.c.state.type),
    next_timer_at=sa.bindparam("b_next_timer_at", type_=_INSTANCES.c.next_timer_at.type),
    status=sa.bindparam("b_status", type_=_INSTANCES.c.status.type),
    end_event=sa.bindparam("b_end_event", type_=_INSTANCES.c.end_event.type),
    updated_at=sa.bindparam("b_updated_at", type_=_INSTANCES.c.updated_at.type),
    timer_lease_until=None,  # a saved state ends a timer worker's claim on it
    version=sa.bindparam("b_version") + 1)


def saved_values(row: ProcessInstance, state: bytes, next_timer_at: datetime | None, end_event: str | None,
                 completed: bool) -> dict:
    """The parameters of ``SAVE_STATE`` for ``row`` (its status and end event kept unless the process completed)."""
    return {"b_id": row.id, "b_version": row.version, "b_state": state, "b_next_timer_at": next_timer_at,
            "b_status": "completed" if completed else row.status,
            "b_end_event": end_event if completed else row.end_event, "b_updated_at": utcnow()}


def mark_saved(row: ProcessInstance, values: dict) -> None:
    """Set on ``row`` what ``SAVE_STATE`` wrote, as its loaded values: the ORM does not write them again."""
    for key in ("state", "next_timer_at", "status", "end_event", "updated_at"):
        set_committed_value(row, key, values["b_" + key])
    set_committed_value(row, "timer_lease_until", None)
    set_committed_value(row, "version", values["b_version"] + 1)


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


def status_after_step(loaded: LoadedInstance, fresh: list) -> str | None:
    """The loan status the diagram names (``loan_status``) for the tasks just made ready (``fresh``,
    in the engine's order) or the end reached."""
    status = None
    for spiff_task in fresh:
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
    insert_rows(created)
    for row, spiff_task in zip(created, fresh):
        four_eyes.exclude_performers(row, engine.task_properties(spiff_task))
    return created


_ROW_COLUMNS = tuple(column.key for column in _ROWS.columns if column.key != "id")
# Core, built once: the rows' ids returned in the order given (one INSERT for all of them on PostgreSQL;
# one per row on SQLite, which cannot promise the order of RETURNING otherwise, as with the ORM)
_INSERT_ROWS = sa.insert(_ROWS).returning(_ROWS.c.id, sort_by_parameter_order=True)


def insert_rows(rows: list[HumanTask]) -> None:
    """Insert new inbox rows (made by ``inbox_row``, not added) and attach them to the session as loaded
    rows with their ids: the ORM's unit of work would cost about three times the statement, and this
    flushes nothing else."""
    if not rows:
        return
    for row in rows:  # every column given: the row is complete as loaded, nothing left to read back
        if row.state is None:
            row.state = HumanTaskState.READY
        for key in _ROW_COLUMNS:
            if key not in row.__dict__:
                setattr(row, key, None)
    values = [{key: getattr(row, key) for key in _ROW_COLUMNS} for row in rows]
    ids = db.session.execute(_INSERT_ROWS, values).scalars()
    for row, row_id in zip(rows, ids, strict=True):
        row.id = row_id
        make_transient_to_detached(row)
        _forget_rolled_back(HumanTask, row_id)
        db.session.add(row)


def _forget_rolled_back(model, row_id: int) -> None:
    """Drop from the session a row of this id that a rolled-back transaction inserted: rows attached this
    way stay in the identity map after a rollback (the ORM forgets only what its flush inserted), and
    SQLite gives the id out again."""
    stale = db.session.identity_map.get(db.session.identity_key(model, row_id))
    if stale is not None:
        db.session.expunge(stale)


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
    status = status_after_step(loaded, fresh) or status
    if status != "rejected" or not loaded.workflow.completed:
        return status, None
    data = loaded.workflow.last_task.data if loaded.workflow.last_task else {}
    return status, data.get("policy_violations") or [reached_end(loaded.workflow)]
