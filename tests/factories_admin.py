"""Helpers for the admin tests: microcredit_loan with a compliance review added (sign in with ``login``)."""
from __future__ import annotations


COMPLIANCE_TASK = """    <bpmn:userTask id="compliance_review" name="合规复核">
      <bpmn:extensionElements>
        <spiffworkflow:properties>
          <spiffworkflow:property name="form" value="ConfirmEligibilityForm" />
          <spiffworkflow:property name="due_period" value="P2D" />
        </spiffworkflow:properties>
      </bpmn:extensionElements>
      <bpmn:incoming>flow_to_disburse_loan</bpmn:incoming>
      <bpmn:outgoing>flow_compliance_to_disburse</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_compliance_to_disburse" sourceRef="compliance_review" targetRef="disburse_loan" />
"""


def with_compliance_review(sources: dict[str, str]) -> dict[str, str]:
    """The sources with a supervisor's compliance review between the approval branch and disbursement."""
    xml = sources["microcredit_loan.bpmn"]
    lane_at = xml.index('<bpmn:lane id="lane_supervisor"')
    lane_end = xml.index("</bpmn:lane>", lane_at)
    xml = xml[:lane_end] + "  <bpmn:flowNodeRef>compliance_review</bpmn:flowNodeRef>\n      " + xml[lane_end:]
    old_flow = 'id="flow_to_disburse_loan" sourceRef="look_up_rate_tenor" targetRef="disburse_loan"'
    assert old_flow in xml
    xml = xml.replace(old_flow, 'id="flow_to_disburse_loan" sourceRef="look_up_rate_tenor" targetRef="compliance_review"')
    xml = xml.replace("<bpmn:incoming>flow_to_disburse_loan</bpmn:incoming>",
                      "<bpmn:incoming>flow_compliance_to_disburse</bpmn:incoming>")
    xml = xml.replace("</bpmn:process>", COMPLIANCE_TASK + "  </bpmn:process>", 1)
    return {**sources, "microcredit_loan.bpmn": xml}
