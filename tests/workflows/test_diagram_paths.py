"""Drive ``microcredit_loan.bpmn`` and its DMN tables in memory with raw SpiffWorkflow (no database).

The post-loan part (``post_loan.bpmn``, a call activity) is driven in ``test_post_loan_diagram.py``."""
import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import EndEvent
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask
from SpiffWorkflow.util.task import TaskState

from workflows import clock
from workflows.sandbox import make_script_engine

BPMN_DIR = Path(__file__).resolve().parents[2] / "workflows" / "bpmn"
DMN_FILES = ("loan_policy.dmn", "credit_line.dmn", "rate_cap.dmn")
ROLES = {"township_clerk", "rural_bureau", "bank_officer", "bank_approver", "finance_bureau", "supervisor"}
STATUSES = {"submitted", "approved", "active", "rejected", "closed", "written_off", "recovering", "withdrawn", "declined"}
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
}


@pytest.fixture(scope="module")
def specs():
    parser = SpiffBpmnParser(validator=VALIDATOR)  # validates BPMN and DMN 1.3 against the XSDs too
    parser.add_bpmn_files([str(BPMN_DIR / "microcredit_loan.bpmn"), str(BPMN_DIR / "post_loan.bpmn")])
    parser.add_dmn_files([str(BPMN_DIR / name) for name in DMN_FILES])
    return parser.get_spec("microcredit_loan"), parser.get_subprocess_specs("microcredit_loan")


def properties(task_spec):
    return task_spec.extensions.get("properties", {})


def application(**overrides):
    data = dict(
        id_number="500234199001011234", bank="cqrcb", amount=Decimal("30000"), term_months=24,
        purpose_category="planting", purpose="种植柑橘", kind="new",
        applicant_age=40, on_list=True, removed=False, dishonest=False,
    )
    data.update(overrides)
    data.setdefault("household_total", data["amount"])
    return data


def start(specs):
    workflow = BpmnWorkflow(*specs, script_engine=make_script_engine())
    workflow.get_next_task(state=TaskState.READY, spec_name="Start").data["loan_id"] = 1
    workflow.do_engine_steps()
    return workflow


def ready(workflow):
    return workflow.get_next_task(state=TaskState.READY, manual=True)


def ready_status(workflow):
    """``loan_status`` on a user task: the loan's status once that task is READY."""
    return properties(ready(workflow).task_spec).get("loan_status")


def complete(workflow, name, **data):
    task = ready(workflow)
    assert task.task_spec.name == name
    task.data.update(data)
    task.run()
    workflow.do_engine_steps()


def ready_or_waiting_data(workflow):
    return in_post_loan(workflow)[1].data


def reached_end(workflow):
    assert workflow.is_completed()
    [end] = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if isinstance(t.task_spec, EndEvent)]
    return end.task_spec.name


def registered(specs, **overrides):
    workflow = start(specs)
    complete(workflow, "register_application", **application(**overrides))
    return workflow


def investigated(specs, grade="AA"):
    workflow = registered(specs)
    complete(workflow, "confirm_eligibility", eligible=True, eligibility_note="核实无误")
    investigate(workflow, grade)
    return workflow


def investigate(workflow, grade):
    complete(workflow, "investigate_credit", grade=grade, recommended_amount=Decimal("30000"),
             recommended_term_months=24, investigation_report="种植柑橘, 有还款能力")


def approve(workflow, decision="approve", term=24):
    approved = decision == "approve"
    complete(workflow, "approve_loan", decision=decision,
             approved_amount=Decimal("30000") if approved else None,
             approved_term_months=term if approved else None,
             annual_rate=Decimal("3.45") if approved else None, approval_comment="同意")


def disburse(workflow):
    with clock.frozen(datetime.datetime(2024, 3, 1, 10, tzinfo=datetime.timezone.utc)):
        complete(workflow, "disburse_loan", contract_number="KZ-2024-0001",
                 disbursed_on=datetime.date(2024, 3, 1), account_number="6228480000000000000",
                 next_visit_at="2024-06-01T09:00:00+08:00", visit_escalation_period="P30D",
                 reminder_at="2025-02-01T09:00:00+08:00", reminder_due=True, maturity_at="2025-03-01T09:00:00+08:00",
                 entry_point="monitoring", post_loan_result="closed")


def in_post_loan(workflow):
    """Disbursed: the instance runs on in the call activity ``post_loan``, waiting on its first visit."""
    assert not workflow.is_completed()
    [call] = [t for t in workflow.get_tasks(state=TaskState.STARTED) if t.task_spec.name == "post_loan"]
    [timer] = [t for t in workflow.get_tasks(state=TaskState.WAITING) if t.task_spec.name == "visit_timer"]
    return call, timer


def test_happy_path_reaches_post_loan_with_status_trail(specs):
    workflow = registered(specs)
    trail = [ready_status(workflow)]
    complete(workflow, "confirm_eligibility", eligible=True, eligibility_note="")
    trail.append(ready_status(workflow))
    investigate(workflow, "AA")
    trail.append(ready_status(workflow))
    approve(workflow)
    trail.append(ready_status(workflow))
    disburse(workflow)
    in_post_loan(workflow)
    assert trail == ["submitted", None, None, "approved"]
    assert properties(workflow.spec.task_specs["loan_closed"]) == {"loan_status": "closed"}
    assert properties(workflow.spec.task_specs["loan_written_off"]) == {"loan_status": "written_off"}
    data = ready_or_waiting_data(workflow)
    assert (data["loan_id"], data["policy_violations"], data["credit_line"], data["lpr_tenor"]) == (1, [], 40000, "5y_plus")
    assert data["disbursed_on"] == datetime.date(2024, 3, 1) and data["amount"] == Decimal("30000")


@pytest.mark.parametrize("overrides", [
    dict(amount=Decimal("50000")),
    dict(kind="additional", amount=Decimal("50000"), household_total=Decimal("100000")),
    dict(applicant_age=18), dict(applicant_age=65), dict(term_months=36),
], ids=["amount_50000", "total_100000", "age_18", "age_65", "term_36"])
def test_policy_passes_at_the_boundary(specs, overrides):
    workflow = registered(specs, **overrides)
    assert ready(workflow).task_spec.name == "confirm_eligibility"
    assert ready(workflow).data["policy_violations"] == []


NON_PRODUCTIVE = ("wedding", "housing", "wealth_management", "consumer", "enterprise")


@pytest.mark.parametrize("overrides, codes", [
    (dict(amount=Decimal("50000.01")), ["amount_over_cap"]),
    (dict(kind="additional", amount=Decimal("40000"), household_total=Decimal("100000.01")), ["total_over_cap"]),
    (dict(applicant_age=17), ["age_out_of_range"]),
    (dict(applicant_age=66), ["age_out_of_range"]),
    (dict(term_months=37), ["term_over_cap"]),
    (dict(on_list=False), ["not_registered"]),
    (dict(on_list=None), ["not_registered"]),
    (dict(removed=True), ["removed_from_list"]),
    (dict(dishonest=True), ["dishonest_debtor"]),
    *[(dict(purpose_category=purpose), ["purpose_not_productive"]) for purpose in NON_PRODUCTIVE],
    (dict(amount=Decimal("60000"), household_total=Decimal("120000"), applicant_age=70, term_months=48,
          purpose_category="wedding", on_list=False, removed=True, dishonest=True),
     ["age_out_of_range", "amount_over_cap", "dishonest_debtor", "not_registered", "purpose_not_productive",
      "removed_from_list", "term_over_cap", "total_over_cap"]),
])
def test_policy_refuses_with_sorted_codes(specs, overrides, codes):
    workflow = registered(specs, **overrides)
    assert reached_end(workflow) == "application_rejected"
    assert workflow.data["policy_violations"] == codes
    assert properties(workflow.spec.task_specs["application_rejected"])["loan_status"] == "rejected"


def test_eligibility_refused(specs):
    workflow = registered(specs)
    complete(workflow, "confirm_eligibility", eligible=False, eligibility_note="不在名单")
    assert reached_end(workflow) == "eligibility_refused"


def test_approval_rejected(specs):
    workflow = investigated(specs)
    approve(workflow, decision="reject")
    assert reached_end(workflow) == "loan_rejected"


def test_returned_then_reinvestigated_then_approved(specs):
    workflow = investigated(specs, grade="B")
    assert ready(workflow).data["credit_line"] == 0
    approve(workflow, decision="return")
    assert ready(workflow).task_spec.name == "investigate_credit"
    investigate(workflow, "AAA")
    assert ready(workflow).data["credit_line"] == 50000
    approve(workflow)
    disburse(workflow)
    in_post_loan(workflow)
    runs = [t for t in workflow.get_tasks(state=TaskState.COMPLETED) if t.task_spec.name == "investigate_credit"]
    assert len(runs) == 2


@pytest.mark.parametrize("grade, credit_line", [("AAA", 50000), ("AA", 40000), ("A", 30000), ("B", 0), ("C", 0)])
def test_credit_line_per_grade(specs, grade, credit_line):
    workflow = investigated(specs, grade)
    assert ready(workflow).task_spec.name == "approve_loan"
    assert ready(workflow).data["credit_line"] == credit_line


@pytest.mark.parametrize("term, tenor", [(6, "1y"), (12, "1y"), (13, "5y_plus"), (36, "5y_plus"), (37, "none")])
def test_lpr_tenor_by_approved_term(specs, term, tenor):
    workflow = investigated(specs)
    approve(workflow, term=term)
    assert ready(workflow).task_spec.name == "disburse_loan"
    assert ready(workflow).data["lpr_tenor"] == tenor


def test_user_tasks_have_form_due_period_and_role_lane(specs):
    task_specs = specs[0].task_specs.values()
    user_tasks = {ts.name: ts for ts in task_specs if isinstance(ts, UserTask)}
    assert set(user_tasks) == {"register_application", "confirm_eligibility", "investigate_credit",
                               "approve_loan", "disburse_loan"}
    for ts in user_tasks.values():
        props = properties(ts)
        assert props["form"].endswith("Form") and ISO_DURATION.match(props["due_period"]), ts.name
        assert ts.lane in ROLES and props.get("loan_status", "submitted") in STATUSES, ts.name
    for ts in (ts for ts in task_specs if isinstance(ts, EndEvent)):
        assert properties(ts)["loan_status"] in STATUSES, ts.name


def test_lanes_are_roles_and_every_element_is_drawn():
    root = etree.parse(str(BPMN_DIR / "microcredit_loan.bpmn")).getroot()
    lanes = root.findall(".//bpmn:lane", NS)
    assert {lane.get("name") for lane in lanes} == ROLES
    assert all(lane.get("id") == f"lane_{lane.get('name')}" for lane in lanes)
    drawn = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNPlane/*", NS)}
    process = root.find("bpmn:process", NS)
    for element in [*process.iterfind("bpmn:*[@id]", NS), *lanes, *root.iterfind(".//bpmn:participant", NS)]:
        if etree.QName(element).localname == "laneSet":
            continue
        assert element.get("id") in drawn, element.get("id")
        if etree.QName(element).localname == "sequenceFlow":
            assert len(drawn[element.get("id")].findall("{*}waypoint")) >= 2, element.get("id")


@pytest.mark.parametrize("name", DMN_FILES)
def test_dmn_table_ends_with_catch_all_and_is_drawn(name):
    root = etree.parse(str(BPMN_DIR / name)).getroot()
    for table in root.iterfind(".//dmn:decisionTable", NS):
        last = table.findall("dmn:rule", NS)[-1]
        cells = [(entry.findtext("dmn:text", default="", namespaces=NS) or "").strip()
                 for entry in last.findall("dmn:inputEntry", NS)]
        assert all(cell in ("", "-") for cell in cells), name
    decisions = {d.get("id") for d in root.iterfind("dmn:decision", NS)}
    assert decisions == {name.removesuffix(".dmn")}
    assert {s.get("dmnElementRef") for s in root.iterfind(".//dmndi:DMNShape", NS)} == decisions
