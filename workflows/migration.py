"""Move running instances to another version of their process (流程实例迁移).

Running loans stay on the version they started on; new loans start on the newest. An
administrator may move waiting instances to another version when that is safe: SpiffWorkflow's
``diff_workflow`` aligns the instance's tasks with the target spec, and the move is refused when
a task whose spec changed or disappeared has already run in the instance (completed, started,
or ready now): its data was produced or is being produced under the old rules. A move keeps the
task data, re-predicts the branches after the ready and waiting tasks (``migrate_workflow``),
refreshes the inbox rows and writes one ``instance_migrated`` audit event per loan. Undo is a
move back, allowed under the same rule.

"Changed" is structural (结构性变更): task specs are compared as the engine serialises them, without
what cannot affect a running instance: names and labels, documentation, DMN annotations (a rule's
description), input and output labels and row numbers (the rows' order stays compared). Layout (DI)
never reaches a spec. A waiting duration timer keeps its fire time: the move re-predicts the
waiting branches, which would otherwise start the duration again from the moment of the move.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition
from SpiffWorkflow.bpmn.util.diff import SpecDiff, WorkflowDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from models import Loan, ProcessInstance, ProcessVersion, db

from . import audit, engine, instances, state_pruning
from .audit import Actor
from .drafts import require_admin
from .errors import NotFoundError, PolicyViolationError
from .unit_of_work import unit_of_work

RAN = TaskState.COMPLETED | TaskState.STARTED | TaskState.READY | TaskState.ERROR
PRESENT = RAN | TaskState.WAITING


@dataclass(frozen=True)
class MigrationCheck:
    """Whether one instance may move to the target version, and why not.

    ``reason`` is English (logs, the command line); ``code`` and ``params`` let a page say it in
    the reader's language: no_instance, other_process, same_version, not_running, changed (with
    the task names in ``params["tasks"]``), can_move."""

    instance_id: int
    loan_id: int | None
    ok: bool
    reason: str
    code: str = ""
    params: dict = field(default_factory=dict)


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


COSMETIC_KEYS = frozenset({"bpmn_name", "documentation", "description", "label", "row_number"})


def structural(value):
    """A serialised task spec without what cannot affect a running instance (``COSMETIC_KEYS``)."""
    if isinstance(value, dict):
        return {k: structural(v) for k, v in value.items() if k not in COSMETIC_KEYS}
    if isinstance(value, (list, tuple)):
        return [structural(v) for v in value]
    return value


class StructuralSpecDiff(SpecDiff):
    """SpiffWorkflow's spec diff, blind to names, labels, documentation and annotations."""

    def _compare_task_specs(self, spec, candidate):
        s1 = structural(self._registry.convert(spec))
        s2 = structural(self._registry.convert(candidate))
        if s1.get("typename") != s2.get("typename"):
            return ["typename"]
        return [key for key, value in s1.items() if s2.get(key) != value]


def _diffs(workflow, parsed):
    """``diff_workflow`` with the structural comparison: the top workflow and each sub-workflow."""
    registry = engine.SERIALIZER.registry
    top = WorkflowDiff(workflow, StructuralSpecDiff(registry, workflow.spec, parsed.spec))
    subprocesses = {}
    for sp_id, sub in workflow.subprocesses.items():
        new_spec = parsed.subprocess_specs.get(sub.spec.name)
        subprocesses[sp_id] = (WorkflowDiff(sub, StructuralSpecDiff(registry, sub.spec, new_spec))
                               if new_spec is not None else None)
    return top, subprocesses


def changed_task_names(old_parsed, new_parsed) -> list[str]:
    """Task specs (of every process of a version) that changed structurally or vanished."""
    registry, names = engine.SERIALIZER.registry, set()
    pairs = [(old_parsed.spec, new_parsed.spec)] + [
        (spec, new_parsed.subprocess_specs.get(name)) for name, spec in old_parsed.subprocess_specs.items()]
    for old, new in pairs:
        if new is None:
            names |= {f"{old.name}:{n}" for n in old.task_specs}
            continue
        diff = StructuralSpecDiff(registry, old, new)
        names |= {f"{old.name}:{ts.name}" for ts in [*diff.changed, *diff.removed]}
    return sorted(names)


def _duration_timer(spec) -> str | None:
    definition = getattr(spec, "event_definition", None)
    return definition.expression if isinstance(definition, DurationTimerEventDefinition) else None


def _waiting_timers(workflow) -> dict[tuple[str, str], tuple[str, str]]:
    """(process, task spec) -> (timer expression, fire time) of each waiting duration timer."""
    kept = {}
    for task in workflow.get_tasks(state=TaskState.WAITING):
        expression, fires = _duration_timer(task.task_spec), task._get_internal_data("event_value")
        if expression is not None and fires is not None:
            kept[(task.workflow.spec.name, task.task_spec.name)] = (expression, fires)
    return kept


def _restore_timers(workflow, kept) -> None:
    """Give the re-predicted duration timers their fire time back (same expression only: a
    changed duration is computed anew, from the move)."""
    for task in workflow.get_tasks(state=TaskState.WAITING | TaskState.PREDICTED_MASK | TaskState.FUTURE):
        expression = _duration_timer(task.task_spec)
        saved = kept.get((task.workflow.spec.name, task.task_spec.name))
        if saved is not None and expression == saved[0]:
            task.internal_data.pop("event_fired", None)
            task._set_internal_data(event_value=saved[1])


def _blockers(workflow, parsed) -> dict[str, str]:
    """Tasks that ran in this instance and changed (or vanished) in the target spec: name -> the
    name the diagram gives it (its BPMN name, else the spec name). The completed tasks its stored
    state left out (``state_pruning``) count as having run."""
    top, subprocesses = _diffs(workflow, parsed)
    found = {}
    for sp_id, diff in [(None, top), *subprocesses.items()]:
        if diff is None:
            spec = workflow.subprocesses[sp_id].spec
            found[spec.name] = spec.name
            continue
        tasks = [t for t in diff.changed if t.state & RAN] + [t for t in diff.removed if t.state & PRESENT]
        found.update(_shown(t.task_spec) for t in tasks)
    found.update(_pruned_blockers(workflow, parsed))
    return dict(sorted(found.items()))


def _pruned_blockers(workflow, parsed) -> dict[str, str]:
    """``_blockers`` for the completed tasks left out of the stored state, per process they ran in."""
    registry, found = engine.SERIALIZER.registry, {}
    for process, ids in state_pruning.finished_record(workflow).items():
        old = workflow.spec if process == workflow.spec.name else workflow.subprocess_specs.get(process)
        new = parsed.spec if process == workflow.spec.name else parsed.subprocess_specs.get(process)
        if old is None:
            continue
        if new is None:
            found[process] = process
            continue
        diff, ran = StructuralSpecDiff(registry, old, new), set(ids)
        found.update(_shown(spec) for spec in [*diff.changed, *diff.removed] if spec.name in ran)
    return found


def _shown(spec) -> tuple[str, str]:
    """A task spec as people know it: the engine's own specs of a boundary event
    (``disburse_loan.BoundaryEventSplit``) are named by the task they belong to."""
    if getattr(spec, "bpmn_id", None) is None and "." in spec.name:
        owner = spec._wf_spec.task_specs.get(spec.name.rsplit(".", 1)[0])
        if owner is not None:
            spec = owner
    return spec.name, getattr(spec, "bpmn_name", None) or spec.name


def _check(row: ProcessInstance | None, instance_id: int, target: ProcessVersion) -> tuple[MigrationCheck, object]:
    if row is None:
        return MigrationCheck(instance_id, None, False, "no such process instance", "no_instance"), None
    current = row.process_version
    params = {"process": current.process_key, "target_process": target.process_key, "status": row.status,
              "version": current.version, "target": target.version}
    refuse = None
    if current.process_key != target.process_key:
        refuse = f"the instance runs {current.process_key}, not {target.process_key}", "other_process"
    elif current.id == target.id:
        refuse = f"already on version {target.version}", "same_version"
    elif row.status != "running":
        refuse = f"the instance is {row.status}", "not_running"
    if refuse:
        return MigrationCheck(row.id, row.loan_id, False, *refuse, params=params), None
    loaded = instances.load(row.id)
    blockers = _blockers(loaded.workflow, engine.SPECS.get(target))
    if blockers:
        return MigrationCheck(row.id, row.loan_id, False,
                              f"changed in version {target.version} after it ran here: {', '.join(blockers)}",
                              "changed", {**params, "tasks": list(blockers), "task_names": blockers}), None
    return MigrationCheck(row.id, row.loan_id, True,
                          f"can move from version {current.version} to {target.version}", "can_move", params), loaded


def plan_migration(instance_ids: list[int], target_version_id: int) -> list[MigrationCheck]:
    """Dry run: for each instance, may it move to the target version? Nothing is changed."""
    target = _target(target_version_id)
    return [_check(db.session.get(ProcessInstance, i), i, target)[0] for i in instance_ids]


@unit_of_work
def migrate(actor: Actor, instance_ids: list[int], target_version_id: int) -> list[MigrationCheck]:
    """Move the instances that may move; the others are left as they are. One transaction.

    An empty list moves nothing and is refused (``migration_nothing_chosen``), never read as "all"."""
    require_admin(actor)
    if not instance_ids:
        raise PolicyViolationError(("migration_nothing_chosen",), message="no instance chosen")
    target = _target(target_version_id)
    results = []
    for instance_id in instance_ids:
        check, loaded = _check(db.session.get(ProcessInstance, instance_id), instance_id, target)
        if loaded is not None:
            move_instance(actor, loaded, target)
        results.append(check)
    return results


def move_instance(actor: Actor, loaded: instances.LoadedInstance, target: ProcessVersion) -> None:
    """Move one instance onto ``target`` in the caller's transaction; the caller has checked that it may
    (``migrate`` here, ``post_loan.upgrade`` for the post-loan restart)."""
    parsed, workflow, row = engine.SPECS.get(target), loaded.workflow, loaded.row
    before = row.process_version.version
    top, subprocesses = _diffs(workflow, parsed)
    timers = _waiting_timers(workflow)
    for sp_id, diff in subprocesses.items():
        sub = workflow.subprocesses[sp_id]
        migrate_workflow(diff, sub, parsed.subprocess_specs[sub.spec.name])
    migrate_workflow(top, workflow, parsed.spec)
    workflow.subprocess_specs = parsed.subprocess_specs
    _restore_timers(workflow, timers)
    engine.run_engine(workflow)
    row.process_version_id, row.process_version = target.id, target
    loan = db.session.get(Loan, row.loan_id) if row.loan_id else None
    instances.save(loaded)  # the version check first, then the inbox (see instances.settle)
    instances.refresh_inbox(loaded, loan)
    audit.record("instance_migrated", actor, loan=loan, process_instance_id=row.id,
                 before={"process_key": target.process_key, "version": before},
                 after={"process_key": target.process_key, "version": target.version})
