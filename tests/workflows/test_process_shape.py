"""The required shape of the loan, subsidy and top-up processes: added tasks pass, removed or moved ones do not."""
from __future__ import annotations

import json
import re
from xml.sax.saxutils import quoteattr

import pytest

from forms.diagram import check_form_fields
from forms.registry import TASK_FORMS
from tests.factories_admin import with_compliance_review
from workflows import validation
from workflows.deployment import bundled_sources
from workflows.safe_xml import parse_xml
from workflows.validation.shape import SHAPES, shape_problems

LOAN, SUBSIDY, TOPUP = "microcredit_loan.bpmn", "interest_subsidy_settlement.bpmn", "risk_fund_topup.bpmn"
KEYS = {LOAN: "microcredit_loan", SUBSIDY: "interest_subsidy_settlement", TOPUP: "risk_fund_topup"}
APPROVE = re.compile(r'<bpmn:userTask id="approve_loan".*?</bpmn:userTask>\n'
                     r'|<bpmn:boundaryEvent id="withdrawn_at_approve_loan".*?</bpmn:boundaryEvent>\n'
                     r'|<bpmn:sequenceFlow id="flow_withdrawn_at_approve_loan"[^>]*/>\n'
                     r'|<bpmn:(flowNodeRef|incoming)>(withdrawn_at_approve_loan|flow_withdrawn_at_approve_loan)</bpmn:\1>', re.S)
FIELDS = json.dumps([{"name": "compliance_ok", "label": {"zh": "合规结论"}, "type": "yesno", "required": True}],
                    ensure_ascii=False)


def edited(file_name: str, *changes: tuple[str, str]) -> dict[str, str]:
    sources = bundled_sources()
    text = sources[file_name]
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    return {**sources, file_name: text}


def without_approval() -> dict[str, str]:
    """approve_loan deleted, its flows joined: the credit line lookup leads straight to the decision."""
    sources = edited(LOAN, ("<bpmn:flowNodeRef>approve_loan</bpmn:flowNodeRef>", ""),
                     ('sourceRef="look_up_credit_line" targetRef="approve_loan"',
                      'sourceRef="look_up_credit_line" targetRef="approval_decision"'),
                     ('<bpmn:sequenceFlow id="flow_to_approval_decision" sourceRef="approve_loan" '
                      'targetRef="approval_decision" />', ""))
    return {**sources, LOAN: APPROVE.sub("", sources[LOAN])}


def around(flow: str, source: str, target: str) -> tuple[str, str]:
    """A second flow from ``source`` to ``target``, drawn before the flow ``flow``: a branch around something."""
    anchor = f'<bpmn:sequenceFlow id="{flow}"'
    return anchor, f'<bpmn:sequenceFlow id="around" sourceRef="{source}" targetRef="{target}" />\n    {anchor}'


def problems(file_name: str, sources: dict[str, str]) -> dict:
    return validation.problems(KEYS[file_name], sources, validation.FormCatalog(TASK_FORMS, check_form_fields))


BROKEN = [  # (file, sources, element id, message)
    (LOAN, without_approval, "approve_loan", "required user task missing"),
    (LOAN, lambda: edited(LOAN, ('<bpmn:userTask id="approve_loan" name="贷款审批">',
                                 '<bpmn:manualTask id="approve_loan" name="贷款审批">'),
                          ('</bpmn:userTask>\n\n    <bpmn:exclusiveGateway id="approval_decision"',
                           '</bpmn:manualTask>\n\n    <bpmn:exclusiveGateway id="approval_decision"')),
     "approve_loan", "must be a user task (it is a manualTask)"),
    (LOAN, lambda: edited(LOAN, ("<bpmn:flowNodeRef>approve_loan</bpmn:flowNodeRef>", ""),
                          ("<bpmn:flowNodeRef>disburse_loan</bpmn:flowNodeRef>",
                           "<bpmn:flowNodeRef>disburse_loan</bpmn:flowNodeRef><bpmn:flowNodeRef>approve_loan"
                           "</bpmn:flowNodeRef>")), "approve_loan", "must be in lane bank_approver"),
    (LOAN, lambda: edited(LOAN, ('name="four_eyes_with" value="investigate_credit"',
                                 'name="four_eyes_with" value="confirm_eligibility"')),
     "approve_loan", "four_eyes_with must name investigate_credit: whoever did it may not do this task"),
    (LOAN, lambda: edited(LOAN, ("<spiffworkflow:calledDecisionId>loan_policy<",
                                 "<spiffworkflow:calledDecisionId>credit_line<")),
     "loan_policy", "required business rule task missing (calledDecisionId loan_policy, "
                    "between register_application and approve_loan)"),
    (LOAN, lambda: edited(LOAN, around("flow_to_check_loan_policy", "register_application", "confirm_eligibility")),
     "approve_loan", "loan_policy must come before approve_loan (on every path from register_application)"),
    (LOAN, lambda: edited(LOAN, around("flow_to_approve_loan", "look_up_credit_line", "look_up_rate_tenor")),
     "disburse_loan", "approve_loan must come before disburse_loan on every path"),
    (SUBSIDY, lambda: edited(SUBSIDY, ("<bpmn:flowNodeRef>record_subsidy_payment</bpmn:flowNodeRef>", ""),
                             ("<bpmn:flowNodeRef>confirm_subsidy_passed_on</bpmn:flowNodeRef>",
                              "<bpmn:flowNodeRef>confirm_subsidy_passed_on</bpmn:flowNodeRef>"
                              "<bpmn:flowNodeRef>record_subsidy_payment</bpmn:flowNodeRef>")),
     "record_subsidy_payment", "must be in lane finance_bureau"),
    (SUBSIDY, lambda: edited(SUBSIDY, ('sourceRef="review_decision" targetRef="record_subsidy_payment"',
                                       'sourceRef="review_decision" targetRef="confirm_subsidy_passed_on"'),
                             ('sourceRef="record_subsidy_payment" targetRef="confirm_subsidy_passed_on"',
                              'sourceRef="record_subsidy_payment" targetRef="settlement_confirmed"'),
                             ('sourceRef="confirm_subsidy_passed_on" targetRef="settlement_confirmed"',
                              'sourceRef="confirm_subsidy_passed_on" targetRef="record_subsidy_payment"')),
     "confirm_subsidy_passed_on", "record_subsidy_payment must come before confirm_subsidy_passed_on on every path"),
    (TOPUP, lambda: edited(TOPUP, ("<bpmn:flowNodeRef>record_topup</bpmn:flowNodeRef>", ""),
                           ("<bpmn:flowNodeRef>review_overdue_topup</bpmn:flowNodeRef>",
                            "<bpmn:flowNodeRef>review_overdue_topup</bpmn:flowNodeRef>"
                            "<bpmn:flowNodeRef>record_topup</bpmn:flowNodeRef>")),
     "record_topup", "must be in lane finance_bureau"),
]


@pytest.mark.parametrize("file_name", [LOAN, SUBSIDY, TOPUP])
def test_the_bundled_processes_have_their_shape(file_name):
    assert problems(file_name, bundled_sources()) == {}


@pytest.mark.parametrize("sources", [
    with_compliance_review(bundled_sources()),  # tests/factories_admin.py: a supervisor's review before disbursement
    edited(LOAN, ('targetRef="disburse_loan" />', 'targetRef="compliance_review" />'),
           ("<bpmn:flowNodeRef>confirm_eligibility</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>confirm_eligibility</bpmn:flowNodeRef><bpmn:flowNodeRef>compliance_review"
            "</bpmn:flowNodeRef>"),
           ("<bpmn:incoming>flow_to_disburse_loan</bpmn:incoming>", "<bpmn:incoming>flow_from_review</bpmn:incoming>"),
           ("</bpmn:process>", '<bpmn:userTask id="compliance_review" name="合规审查"><bpmn:extensionElements>'
            f'<spiffworkflow:properties><spiffworkflow:property name="form_fields" value={quoteattr(FIELDS)} />'
            "</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>"
            '<bpmn:sequenceFlow id="flow_from_review" sourceRef="compliance_review" targetRef="disburse_loan" />'
            "</bpmn:process>")),  # as tests/browser/test_task_pipeline.py draws it, with its form in the diagram
], ids=["registered_form", "form_fields"])
def test_an_added_task_keeps_the_loan_valid(sources):
    assert problems(LOAN, sources) == {}


@pytest.mark.parametrize("file_name, make, element_id, message", BROKEN, ids=[b[3][:40] for b in BROKEN])
def test_each_required_element_is_named_when_removed_or_moved(file_name, make, element_id, message):
    assert problems(file_name, make()) == {element_id: [message]}
    with pytest.raises(validation.DiagramInvalidError) as refused:
        validation.check(KEYS[file_name], make(), TASK_FORMS, check_form_fields)
    assert refused.value.problems == {element_id: [message]}


def test_a_task_moved_into_a_sub_process_is_moved():
    roots = [parse_xml(edited(TOPUP, ('<bpmn:userTask id="record_topup"', '<bpmn:subProcess id="wrapper">'
                                      '<bpmn:userTask id="record_topup"'),
                              ("</bpmn:userTask>\n\n    <bpmn:boundaryEvent", "</bpmn:userTask></bpmn:subProcess>\n\n"
                                                                          "    <bpmn:boundaryEvent"))[TOPUP])]
    assert shape_problems("risk_fund_topup", roots) == {"record_topup": [
        "must be drawn in the process risk_fund_topup itself, not inside a sub-process"]}


def test_an_element_already_reported_gets_no_shape_message_on_top():
    found = problems(LOAN, edited(LOAN, ('name="four_eyes_with" value="investigate_credit"',
                                         'name="four_eyes_with" value="approve_loan"')))
    assert found == {"approve_loan": ["four_eyes_with names the task itself ('approve_loan'): name the earlier "
                                      "tasks whose performer may not complete it"]}


def test_other_processes_have_no_required_shape():
    roots = [parse_xml(text) for name, text in bundled_sources().items() if name.endswith(".bpmn")]
    assert set(SHAPES) == {"microcredit_loan", "interest_subsidy_settlement", "risk_fund_topup"}
    assert shape_problems("post_loan", roots) == {} and shape_problems("nowhere", roots) == {}
