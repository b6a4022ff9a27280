"""The required shape of the processes that decide on a loan or move money (流程必备环节).

The Python steps (``loan_steps``, ``risk_fund``, ``subsidy_settlement``) and the policy rely on
these tasks being there, done by these roles, in this order. An administrator may add tasks
(a compliance review between approval and disbursement) and re-style a diagram, but not remove,
re-assign or reorder what ``SHAPES`` lists, per process id:

* ``tasks``: user tasks drawn in the process itself (not inside a sub-process), each in the lane
  of its role, with the names its ``four_eyes_with`` must keep;
* ``order``: each of these tasks comes before the next on every path from a start event;
* ``checks``: a business rule task calling the decision lies on every path from one task to
  another (the loan policy between the registration and the approval).

Problems are reported on the element concerned ("approve_loan: must be in lane bank_approver");
a missing element is reported under its id (or the decision's) although nothing is drawn there.
"""
from __future__ import annotations

from dataclasses import dataclass

from .xml import FLOW_NODES, Problems, add, children, descendants, local, spiff_extension, spiff_property, \
    text_of


@dataclass(frozen=True)
class RequiredTask:
    """A user task that must stay, in the lane of ``role``, keeping ``four_eyes_with`` these tasks."""

    task: str
    role: str
    four_eyes_with: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequiredCheck:
    """A business rule task calling ``decision`` on every path from ``after`` to ``before``."""

    decision: str
    after: str
    before: str


@dataclass(frozen=True)
class Shape:
    tasks: tuple[RequiredTask, ...]
    order: tuple[str, ...] = ()
    checks: tuple[RequiredCheck, ...] = ()


SHAPES: dict[str, Shape] = {
    "microcredit_loan": Shape(
        tasks=(RequiredTask("register_application", "township_clerk"),
               RequiredTask("confirm_eligibility", "rural_bureau"),
               RequiredTask("investigate_credit", "bank_officer"),
               RequiredTask("approve_loan", "bank_approver", four_eyes_with=("investigate_credit",)),
               RequiredTask("disburse_loan", "bank_officer")),
        order=("register_application", "confirm_eligibility", "investigate_credit", "approve_loan", "disburse_loan"),
        checks=(RequiredCheck("loan_policy", after="register_application", before="approve_loan"),)),
    "interest_subsidy_settlement": Shape(
        tasks=(RequiredTask("review_subsidy_settlement", "finance_bureau"),
               RequiredTask("record_subsidy_payment", "finance_bureau"),
               RequiredTask("confirm_subsidy_passed_on", "bank_officer")),
        order=("review_subsidy_settlement", "record_subsidy_payment", "confirm_subsidy_passed_on")),
    "risk_fund_topup": Shape(tasks=(RequiredTask("record_topup", "finance_bureau"),)),
}


def shape_problems(process_key: str, roots: list) -> Problems:
    """What the diagrams of ``process_key`` lack of its required shape (nothing for other processes)."""
    found: Problems = {}
    shape = SHAPES.get(process_key)
    process = next((p for root in roots for p in descendants(root, "process") if p.get("id") == process_key), None)
    if shape is None or process is None:
        return found
    graph = _Graph(process)
    present = {rule.task for rule in shape.tasks if _task(process, graph, rule, found)}
    for earlier, later in zip(shape.order, shape.order[1:]):
        if {earlier, later} <= present and later in graph.reachable(graph.starts, without={earlier}):
            add(found, later, f"{earlier} must come before {later} on every path")
    for check in shape.checks:
        _check(process, graph, check, present, found)
    return found


def _task(process, graph: _Graph, rule: RequiredTask, found: Problems) -> bool:
    """Whether the task is there as a user task of the process itself; its lane and four eyes."""
    element = next((e for e in descendants(process, *FLOW_NODES) if e.get("id") == rule.task), None)
    if element is None:
        add(found, rule.task, "required user task missing")
        return False
    if local(element) != "userTask":
        add(found, rule.task, f"must be a user task (it is a {local(element)})")
        return False
    if rule.task not in graph.nodes:
        add(found, rule.task, f"must be drawn in the process {process.get('id')} itself, not inside a sub-process")
        return False
    if graph.lane_of.get(rule.task) != rule.role:
        add(found, rule.task, f"must be in lane {rule.role}")
    named = set((spiff_property(element, "four_eyes_with") or "").replace(",", " ").split())
    for other in rule.four_eyes_with:
        if other not in named:
            add(found, rule.task, f"four_eyes_with must name {other}: whoever did it may not do this task")
    return True


def _check(process, graph: _Graph, check: RequiredCheck, present: set[str], found: Problems) -> None:
    calls = {node_id for node_id, node in graph.nodes.items() if local(node) == "businessRuleTask"
             and any(text_of(d) == check.decision for d in spiff_extension(node, "calledDecisionId"))}
    if not calls:
        add(found, check.decision, f"required business rule task missing (calledDecisionId {check.decision}, "
                                   f"between {check.after} and {check.before})")
    elif {check.after, check.before} <= present and \
            check.before in graph.reachable(graph.successors(check.after), without=calls):
        add(found, check.before, f"{check.decision} must come before {check.before} "
                                 f"(on every path from {check.after})")


class _Graph:
    """The flow nodes drawn directly in a process, their sequence flows and the lanes they are in."""

    def __init__(self, process):
        self.nodes = {n.get("id"): n for n in process if local(n) in FLOW_NODES}
        self.edges: dict[str, set[str]] = {node_id: set() for node_id in self.nodes}
        for flow in children(process, "sequenceFlow"):
            if flow.get("sourceRef") in self.edges:
                self.edges[flow.get("sourceRef")].add(flow.get("targetRef"))
        for node_id, node in self.nodes.items():
            if local(node) == "boundaryEvent" and node.get("attachedToRef") in self.edges:
                self.edges[node.get("attachedToRef")].add(node_id)
        self.starts = {i for i, n in self.nodes.items() if local(n) == "startEvent"}
        self.lane_of = {text_of(ref): lane.get("name") or "" for lane in descendants(process, "lane")
                        for ref in children(lane, "flowNodeRef")}

    def successors(self, node_id: str) -> set[str]:
        return set(self.edges.get(node_id, ()))

    def reachable(self, seeds: set[str], without: set[str]) -> set[str]:
        """The nodes reachable from ``seeds`` on paths that do not pass through ``without``."""
        seen, todo = set(seeds - without), list(seeds - without)
        while todo:
            for target in self.edges.get(todo.pop(), set()) - without - seen:
                seen.add(target)
                todo.append(target)
        return seen
