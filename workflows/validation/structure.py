"""Structural rules of BPMN processes and DMN tables, each problem reported on its element's id.

Lanes are role codes (``models.ROLES`` minus ``admin``); user tasks name a known form (``form``)
or define one (``form_fields``, checked by the ``check_form_fields`` the caller passes in); exclusive
gateways that branch have a default flow or a condition on every outgoing flow (whether the
conditions cover every case cannot be decided statically: that is what the default is for); call
activities and business rule tasks resolve inside the same set of sources; every name in a user
task's ``four_eyes_with`` is another user task of the set (any process of it: ``post_loan`` runs as
a call activity of ``microcredit_loan``); every flow node is reachable from a start event and reaches
an end event (boundary events hang on their activity); every decision table ends with a catch-all
row and uses a hit policy SpiffWorkflow runs.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Set

from models import ROLES

from .xml import FLOW_NODES, Problems, add, children, descendants, first, local, spiff_extension, \
    spiff_property, text_of

LANE_ROLES = frozenset(ROLES) - {"admin"}
HIT_POLICIES = frozenset({"UNIQUE", "COLLECT"})
SCOPES = ("process", "subProcess", "transaction")


class ProcessIds(frozenset):
    """The process ids of a set of diagrams, knowing the ids of every user task in them.

    The user tasks travel with the process ids so that ``bpmn_structure``, which sees one file,
    can check a ``four_eyes_with`` naming a task drawn in another file of the set."""

    user_tasks: frozenset[str]

    def __new__(cls, ids, user_tasks=()):
        made = super().__new__(cls, ids)
        made.user_tasks = frozenset(user_tasks)
        return made


def process_ids(roots: list) -> ProcessIds:
    return ProcessIds({p.get("id") for root in roots for p in descendants(root, "process")},
                      {t.get("id") for root in roots for t in descendants(root, "userTask")})


def decision_ids(roots: list) -> set[str]:
    return {d.get("id") for root in roots for d in descendants(root, "decision")}


FieldChecker = Callable[[str], Iterable[str]]


def bpmn_structure(root, problems: Problems, known_forms, processes: Set[str], decisions: Set[str],
                   check_form_fields: FieldChecker | None = None) -> None:
    for process in descendants(root, "process"):
        _lanes_and_forms(process, problems, known_forms, check_form_fields)
    user_tasks = getattr(processes, "user_tasks", None)
    if user_tasks is None:  # a plain set of process ids: only this file's user tasks are known
        user_tasks = {task.get("id") for task in descendants(root, "userTask")}
    for task in descendants(root, "userTask"):
        _four_eyes(task, user_tasks, problems)
    for gateway in descendants(root, "exclusiveGateway"):
        _gateway(gateway, problems)
    for call in descendants(root, "callActivity"):
        if call.get("calledElement") not in processes:
            add(problems, call.get("id"), f"calls process '{call.get('calledElement') or ''}', "
                                          "which is not in these diagrams")
    for task in descendants(root, "businessRuleTask"):
        called = [text_of(node) for node in spiff_extension(task, "calledDecisionId")]
        if not called or called[0] not in decisions:
            add(problems, task.get("id"), f"decision table '{called[0] if called else ''}' is not in these files")
    for scope in descendants(root, *SCOPES):
        _reachability(scope, problems)


def _lanes_and_forms(process, problems: Problems, known_forms, check_form_fields: FieldChecker | None) -> None:
    lane_of = {}
    for lane in descendants(process, "lane"):
        for ref in children(lane, "flowNodeRef"):
            lane_of[text_of(ref)] = lane.get("name") or ""
    for task in descendants(process, "userTask"):
        task_id, lane = task.get("id"), lane_of.get(task.get("id"))
        if lane is None:
            add(problems, task_id, "user task is in no lane: put it in the lane of the role that does it")
        elif lane not in LANE_ROLES:
            add(problems, task_id, f"lane '{lane}' is not a role ({', '.join(sorted(LANE_ROLES))})")
        _form(task_id, spiff_property(task, "form"), spiff_property(task, "form_fields"), problems,
              known_forms, check_form_fields)


def _form(task_id: str, form: str | None, form_fields: str | None, problems: Problems, known_forms,
          check_form_fields: FieldChecker | None) -> None:
    """A registered class (``form``) or a form defined in the diagram (``form_fields``), not both.

    Without ``check_form_fields`` (a caller below ``webapp``) the fields themselves are not checked."""
    if form and form_fields:
        add(problems, task_id, "user task has both 'form' and 'form_fields': keep one of them")
    elif form_fields:
        for problem in (check_form_fields(form_fields) if check_form_fields is not None else ()):
            add(problems, task_id, problem if problem.startswith("form_fields") else f"form_fields: {problem}")
    elif not form:
        add(problems, task_id, "user task names no form (extension property 'form' or 'form_fields')")
    elif form not in known_forms:
        add(problems, task_id, f"form '{form}' does not exist")


def _four_eyes(task, user_tasks: Set[str], problems: Problems) -> None:
    """Each name in ``four_eyes_with`` (comma or space separated) is another user task of the set."""
    task_id = task.get("id")
    for name in dict.fromkeys((spiff_property(task, "four_eyes_with") or "").replace(",", " ").split()):
        if name == task_id:
            add(problems, task_id, f"four_eyes_with names the task itself ('{name}'): name the earlier tasks "
                                   "whose performer may not complete it")
        elif name not in user_tasks:
            add(problems, task_id, f"four_eyes_with names '{name}', which is not a user task of these diagrams")


def _gateway(gateway, problems: Problems) -> None:
    gateway_id = gateway.get("id")
    scope = gateway.getparent()
    outgoing = [flow for flow in children(scope, "sequenceFlow") if flow.get("sourceRef") == gateway_id]
    default = gateway.get("default")
    if default and default not in {flow.get("id") for flow in outgoing}:
        add(problems, gateway_id, f"default flow '{default}' does not leave this gateway")
    if default or len(outgoing) < 2:
        return
    bare = [flow.get("id") for flow in outgoing if not text_of(first(flow, "conditionExpression"))]
    if bare:
        add(problems, gateway_id, "needs a default flow or a condition on every outgoing flow "
                                  f"(no condition: {', '.join(bare)})")


def _reachability(scope, problems: Problems) -> None:
    """Every node of this scope reachable from a start event and able to reach an end event."""
    nodes = {n.get("id"): n for n in scope if local(n) in FLOW_NODES}
    forward: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for flow in children(scope, "sequenceFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source not in nodes or target not in nodes:
            add(problems, flow.get("id"), "connects an element that does not exist in its process")
            continue
        forward[source].add(target)
    for node_id, node in nodes.items():
        if local(node) == "boundaryEvent" and node.get("attachedToRef") in forward:
            forward[node.get("attachedToRef")].add(node_id)
    starts = {i for i, n in nodes.items() if local(n) == "startEvent" or _event_subprocess(n)}
    ends = {i for i, n in nodes.items() if local(n) == "endEvent"}
    if not starts and local(scope) in SCOPES and not _event_subprocess(scope):
        add(problems, scope.get("id"), "has no start event")
    reached = _walk(starts, forward)
    backward: dict[str, set[str]] = {node_id: set() for node_id in nodes}
    for source, targets in forward.items():
        for target in targets:
            backward[target].add(source)
    finishing = _walk(ends, backward)
    for node_id, node in nodes.items():
        if node_id not in reached:
            add(problems, node_id, "cannot be reached from a start event")
        elif node_id not in finishing and local(node) != "boundaryEvent":
            add(problems, node_id, "has no path to an end event")


def _event_subprocess(node) -> bool:
    return local(node) == "subProcess" and node.get("triggeredByEvent") == "true"


def _walk(seeds: set[str], edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(seeds), list(seeds)
    while todo:
        for nxt in edges.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def dmn_structure(root, problems: Problems) -> None:
    for decision in descendants(root, "decision"):
        table = first(decision, "decisionTable")
        if table is None:
            add(problems, decision.get("id"), "has no decision table")
            continue
        policy = (table.get("hitPolicy") or "UNIQUE").upper()
        if policy not in HIT_POLICIES:
            add(problems, decision.get("id"), f"hit policy {policy} is not supported: use UNIQUE or COLLECT")
        rules = children(table, "rule")
        if not rules or not all(_matches_all(entry) for entry in children(rules[-1], "inputEntry")):
            add(problems, decision.get("id"), "the last rule must be a catch-all (every input '-' or empty), "
                                              "or some cases get no result")


def _matches_all(entry) -> bool:
    return text_of(first(entry, "text")) in ("", "-")
