"""Loans still on the post-loan diagram of one timer move onto the parallel one (贷后流程升级).

Run by ``deployment.deploy_bundled`` (so by ``flask setup``) after a new version is deployed.
A ``microcredit_loan`` instance whose post-loan part runs on an older diagram (the call activity
``post_loan`` started, its spec waiting on the one timer ``next_check``) cannot be migrated task by
task (``next_check`` is gone), so its post-loan part is restarted at the equivalent point: a new
``post_loan`` instance is started on its own for the loan (``standalone``), with timers from the
loan's columns and the business date, and run (and, where needed, replayed through the steps
before it) until the task that was open is open again; that task's inbox row moves to the new
instance, so it keeps its claim, its four-eyes exclusions and its id, and its data is carried
over. The old instance ends (status ``completed``, end ``post_loan_restarted``). An instance not
yet in its post-loan part moves to the newest version by SpiffWorkflow's migration
(``workflows.migration``), so it calls the new diagram when disbursed.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from SpiffWorkflow.util.task import TaskState

from models import IS_READY, HumanTask, HumanTaskState, Loan, ProcessInstance, db

from .. import audit, clock, engine, instances, migration
from ..audit import SYSTEM, Actor
from . import standalone

OLD_TIMER = "next_check"  # the one timer of the diagram before the parallel branches
CALLER = "microcredit_loan"
RECOVERY = ("recover_loan", "confirm_recovery", "claim_compensation")
MATURITY = ("maturity_review", "request_extension", "approve_extension")
# The tasks to complete in the new diagram, with their data, before the open task is open again.
REPLAY = {
    "request_extension": (("maturity_review", {"maturity_decision": "extend"}),),
    "approve_extension": (("maturity_review", {"maturity_decision": "extend"}), ("request_extension", {})),
    "confirm_recovery": (("recover_loan", {}),),
    "claim_compensation": (("recover_loan", {"recovery_outcome": "loss"}), ("confirm_recovery", {"recovery_confirmed": True})),
}


def on_old_diagram(parsed) -> bool:
    post_loan = parsed.subprocess_specs.get(standalone.PROCESS_KEY)
    return post_loan is not None and OLD_TIMER in post_loan.task_specs


def old_part(workflow):
    """The running post-loan sub-workflow of a caller's instance, or None if it is not there yet."""
    for task in workflow.get_tasks(state=TaskState.STARTED, spec_name=standalone.PROCESS_KEY):
        return workflow.subprocesses.get(task.id)
    return None


def point_of(part) -> tuple[str | None, dict]:
    """The open user task of the old part (None: waiting on its timer) and the data it holds."""
    ready = [t for t in part.get_tasks(state=TaskState.READY) if t.task_spec.manual]
    if ready:
        return ready[0].task_spec.name, dict(ready[0].data)
    waiting = part.get_next_task(state=TaskState.WAITING, spec_name=OLD_TIMER)
    return None, dict(waiting.data) if waiting else {}


def restart_data(loan: Loan, open_task: str | None, data: dict) -> dict:
    """Start data that opens ``open_task`` again at once (its timers put just before now)."""
    day, just_now = clock.today(), (clock.now() - timedelta(minutes=1)).astimezone(clock.BUSINESS_TZ).isoformat()
    start = standalone.start_data(loan, day, data.get("reminded_for"))
    if open_task == "post_loan_visit":
        start["next_visit_at"] = just_now
    elif open_task == "maturity_reminder":
        start.update(reminder_at=just_now, reminder_due=True)
    elif open_task in MATURITY:
        start.update(reminder_at=just_now, reminder_due=False, maturity_at=just_now)
    elif open_task in RECOVERY:
        start["entry_point"] = "recovery"
    return start


def replay(loaded, open_task: str | None, data: dict) -> None:
    """Complete in the engine (no steps: they ran under the old diagram) the tasks before ``open_task``."""
    for name, answers in REPLAY.get(open_task, ()):
        task = next(t for t in engine.ready_user_tasks(loaded.workflow) if t.task_spec.name == name)
        engine.complete_user_task(loaded.workflow, task, {**data, **answers})


def move_rows(old_row: ProcessInstance, loaded, data: dict) -> list[str]:
    """Re-point the old instance's open inbox rows at the same tasks of the new one; cancel the rest."""
    ready = {t.task_spec.name: t for t in engine.ready_user_tasks(loaded.workflow)}
    moved = []
    for row in db.session.scalars(sa.select(HumanTask).where(
            HumanTask.process_instance_id == old_row.id, IS_READY)):
        task = ready.get(row.name)
        if task is None:
            row.state = HumanTaskState.CANCELLED
            continue
        task.data = {**data, **task.data}  # the old data carried over; the new timers win
        row.process_instance_id, row.spiff_task_id = loaded.row.id, str(task.id)
        moved.append(row.name)
    db.session.flush()
    return moved


def restart(old_row: ProcessInstance, part, actor: Actor) -> ProcessInstance:
    """Restart the post-loan part of ``old_row`` on the newest diagram at the equivalent point."""
    loan = db.session.get(Loan, old_row.loan_id)
    open_task, data = point_of(part)
    loaded = standalone.start(loan, restart_data(loan, open_task, data))
    replay(loaded, open_task, data)
    moved = move_rows(old_row, loaded, data)
    instances.settle(loaded, loan)
    old_row.status, old_row.end_event, old_row.next_timer_at = "completed", "post_loan_restarted", None
    audit.record("post_loan_upgraded", actor, loan=loan, process_instance_id=loaded.row.id,
                 before={"process_instance_id": old_row.id, "version": old_row.process_version.version,
                         "open_task": open_task},
                 after={"process_instance_id": loaded.row.id, "version": loaded.row.process_version.version,
                        "moved": moved})
    return loaded.row


def upgrade_running(actor: Actor = SYSTEM) -> dict[str, int]:
    """Every running loan on an older post-loan diagram moves on, in the caller's transaction."""
    counts = {"restarted": 0, "migrated": 0}
    target = instances.latest_version(CALLER)
    if on_old_diagram(engine.SPECS.get(target)):
        return counts
    for row in migration.running_instances(CALLER):
        if row.process_version_id == target.id or not on_old_diagram(engine.SPECS.get(row.process_version)):
            continue
        part = old_part(instances.load(row.id).workflow)
        if part is not None:
            restart(row, part, actor)
            counts["restarted"] += 1
        elif migration.plan_migration([row.id], target.id)[0].ok:
            migration.move_instance(actor, instances.load(row.id), target)  # the checks done above
            counts["migrated"] += 1
    return counts
