"""Move running instances to another version of their process (流程实例迁移).

Running loans stay on the version they started on; new loans start on the newest. An
administrator may move waiting instances to another version when that is safe: SpiffWorkflow's
``diff_workflow`` aligns the instance's tasks with the target spec, and the move is refused when
a task whose spec changed or disappeared has already run in the instance (completed, started,
or ready now): its data was produced or is being produced under the old rules. A move keeps the
task data, re-predicts the branches after the ready and waiting tasks (``migrate_workflow``),
refreshes the inbox rows and writes one ``instance_migrated`` audit event per loan. Undo is a
move back, allowed under the same rule.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from models import Loan, ProcessInstance, ProcessVersion, db

from . import audit, engine, instances
from .audit import Actor
from .drafts import require_admin
from .errors import NotFoundError
from .unit_of_work import unit_of_work

RAN = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.ERROR
PRESENT = RAN | TaskState.WAITING


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one instance may move to the target version, and why not."""

    instance_id: int
    loan_id: int | None
    ok: bool
    reason: str


def running_instances(process_key: str, version: int | None = None) -> list[ProcessInstance]:
    """Running instances of the process (of one version number if given), oldest first."""
    query = (sa.select(ProcessInstance).join(ProcessInstance.process_version)
             .where(ProcessVersion.process_key == process_key, ProcessInstance.status == "running")
             .order_by(ProcessInstance.id))
    if version is not None:
        query = query.where(ProcessVersion.version == version)
    return list(db.session.scalars(query))


def _target(target_version_id: int) -> ProcessVersion:
    target = db.session.get(ProcessVersion, target_version_id)
    if target is None:
        raise NotFoundError(f"process version {target_version_id}")
    return target


def _diffs(workflow, parsed):
    top, subprocesses = diff_workflow(engine.SERIALIZER.registry, workflow, parsed.spec, parsed.subprocess_specs)
    return top, subprocesses


def _blockers(workflow, parsed) -> list[str]:
    """Names of tasks that ran in this instance and changed (or vanished) in the target spec."""
    top, subprocesses = _diffs(workflow, parsed)
    names = set()
    for sp_id, diff in [(None, top), *subprocesses.items()]:
        if diff is None:
            names.add(workflow.subprocesses[sp_id].spec.name)
            continue
        names |= {t.task_spec.name for t in diff.changed if t.state & RAN}
        names |= {t.task_spec.name for t in diff.removed if t.state & PRESENT}
    return sorted(names)


def _check(row: ProcessInstance | None, instance_id: int, target: ProcessVersion) -> tuple[MigrationCheck, object]:
    if row is None:
        return MigrationCheck(instance_id, None, False, "no such process instance"), None
    current = row.process_version
    refuse = None
    if current.process_key != target.process_key:
        refuse = f"the instance runs {current.process_key}, not {target.process_key}"
    elif current.id == target.id:
        refuse = f"already on version {target.version}"
    elif row.status != "running":
        refuse = f"the instance is {row.status}"
    if refuse:
        return MigrationCheck(row.id, row.loan_id, False, refuse), None
    loaded = instances.load(row.id)
    blockers = _blockers(loaded.workflow, engine.SPECS.get(target))
    if blockers:
        return MigrationCheck(row.id, row.loan_id, False,
                              f"changed in version {target.version} after it ran here: {', '.join(blockers)}"), None
    return MigrationCheck(row.id, row.loan_id, True,
                          f"can move from version {current.version} to {target.version}"), loaded


def plan_migration(instance_ids: list[int], target_version_id: int) -> list[MigrationCheck]:
    """Dry run: for each instance, may it move to the target version? Nothing is changed."""
    target = _target(target_version_id)
    return [_check(db.session.get(ProcessInstance, i), i, target)[0] for i in instance_ids]


@unit_of_work
def migrate(actor: Actor, instance_ids: list[int], target_version_id: int) -> list[MigrationCheck]:
    """Move the instances that may move; the others are left as they are. One transaction."""
    require_admin(actor)
    target = _target(target_version_id)
    results = []
    for instance_id in instance_ids:
        check, loaded = _check(db.session.get(ProcessInstance, instance_id), instance_id, target)
        if loaded is not None:
            _move(actor, loaded, target)
        results.append(check)
    return results


def _move(actor: Actor, loaded: instances.LoadedInstance, target: ProcessVersion) -> None:
    parsed, workflow, row = engine.SPECS.get(target), loaded.workflow, loaded.row
    before = row.process_version.version
    top, subprocesses = _diffs(workflow, parsed)
    for sp_id, diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        migrate_workflow(diff, sub, parsed.subprocess_specs[sub.spec.name])
    migrate_workflow(top, workflow, parsed.spec)
    workflow.subprocess_specs = parsed.subprocess_specs
    engine.run_engine(workflow)
    row.process_version_id, row.process_version = target.id, target
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    instances.refresh_inbox(loaded, loan)
    instances.save(loaded)
    audit.record("instance_migrated", actor, loan=loan, process_instance_id=row.id,
                 before={"process_key": target.process_key, "version": before},
                 after={"process_key": target.process_key, "version": target.version})
