"""Helpers for the admin tests: microcredit_loan with a task added before disbursement (sign in with ``login``)."""
from __future__ import annotations

from xml.sax.saxutils import quoteattr


def with_task_before_disbursement(sources: dict[str, str], task_id: str, name: str, lane: str,
                                  properties: dict[str, str], flow: str | None = None) -> dict[str, str]:
    """The sources with a user task ``task_id`` in ``lane`` between the approval branch and disbursement,
    carrying the extension ``properties`` (form, form_fields, four_eyes_with, due_period…); ``flow`` is
    the id of the new flow from it to disbursement."""
    xml = sources["microcredit_loan.bpmn"]
    lane_end = xml.index("</bpmn:lane>", xml.index(f'<bpmn:lane id="{lane}"'))
    xml = xml[:lane_end] + f"  <bpmn:flowNodeRef>{task_id}</bpmn:flowNodeRef>\n      " + xml[lane_end:]
    old_flow = 'id="flow_to_disburse_loan" sourceRef="look_up_rate_tenor" targetRef="disburse_loan"'
    assert old_flow in xml
    xml = xml.replace(old_flow, f'id="flow_to_disburse_loan" sourceRef="look_up_rate_tenor" targetRef="{task_id}"')
    flow = flow or f"flow_{task_id}_to_disburse"
    xml = xml.replace("<bpmn:incoming>flow_to_disburse_loan</bpmn:incoming>", f"<bpmn:incoming>{flow}</bpmn:incoming>")
    listed = "".join(f"          <spiffworkflow:property name={quoteattr(key)} value={quoteattr(value)} />\n"
                     for key, value in properties.items())
    task = (f'    <bpmn:userTask id="{task_id}" name="{name}">\n      <bpmn:extensionElements>\n'
            f"        <spiffworkflow:properties>\n{listed}        </spiffworkflow:properties>\n"
            f"      </bpmn:extensionElements>\n      <bpmn:incoming>flow_to_disburse_loan</bpmn:incoming>\n"
            f"      <bpmn:outgoing>{flow}</bpmn:outgoing>\n    </bpmn:userTask>\n"
            f'    <bpmn:sequenceFlow id="{flow}" sourceRef="{task_id}" targetRef="disburse_loan" />\n')
    return {**sources, "microcredit_loan.bpmn": xml.replace("</bpmn:process>", task + "  </bpmn:process>", 1)}


def with_compliance_review(sources: dict[str, str]) -> dict[str, str]:
    """The sources with a supervisor's compliance review (a registered form) before disbursement."""
    return with_task_before_disbursement(sources, "compliance_review", "合规复核", "lane_supervisor",
                                         {"form": "ConfirmEligibilityForm", "due_period": "P2D"},
                                         flow="flow_compliance_to_disburse")
