"""A diagram that fails after a user task (a script at line 2, a gateway's condition): completing the
task raises ProcessError naming the process, the task and the line; the page and the API answer 422
``process_error``; the instance keeps its last saved state; an audit event records the failure."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import AuditEvent, HumanTask, ProcessInstance, db
from workflows import audit, deployment, instances
from workflows.errors import ProcessError
from workflows.tasks import service

NS = ('xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
      'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"')
ASK = ('<bpmn:laneSet id="lanes"><bpmn:lane id="lane_finance_bureau" name="finance_bureau">'
       '<bpmn:flowNodeRef>ask</bpmn:flowNodeRef></bpmn:lane></bpmn:laneSet>'
       '<bpmn:startEvent id="start"/><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="ask"/>'
       '<bpmn:userTask id="ask" name="复核"><bpmn:extensionElements><spiffworkflow:properties>'
       '<spiffworkflow:property name="form" value="ReviewOverdueTopupForm"/>'
       '</spiffworkflow:properties></bpmn:extensionElements></bpmn:userTask>'
       '<bpmn:endEvent id="done"/>')
AFTER_ASK = {
    "failing_script": ('<bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="compute"/>'
                       '<bpmn:scriptTask id="compute" scriptFormat="python"><bpmn:script>x = 1\ny = 1 / 0'
                       '</bpmn:script></bpmn:scriptTask>'
                       '<bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="done"/>'),
    "failing_condition": ('<bpmn:sequenceFlow id="f2" sourceRef="ask" targetRef="route"/>'
                          '<bpmn:exclusiveGateway id="route" default="f4"/>'
                          '<bpmn:sequenceFlow id="f3" sourceRef="route" targetRef="done">'
                          '<bpmn:conditionExpression>no_such_value &gt; 1</bpmn:conditionExpression>'
                          '</bpmn:sequenceFlow><bpmn:sequenceFlow id="f4" sourceRef="route" targetRef="done"/>'),
}
WHERE = {"failing_script": {"task": "compute", "line": 2}, "failing_condition": {"task": "route"}}
ANSWER = {"comment": "已复核"}


def diagram(process_id: str) -> dict[str, str]:
    return {f"{process_id}.bpmn": f'<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions {NS} id="d_{process_id}" '
                                  f'targetNamespace="t"><bpmn:process id="{process_id}" isExecutable="true">'
                                  f'{ASK}{AFTER_ASK[process_id]}</bpmn:process></bpmn:definitions>'}


@pytest.fixture(params=sorted(AFTER_ASK))
def failing(request, world) -> HumanTask:
    """The ready user task of a fresh instance of the deployed tiny diagram (no loan: district-wide)."""
    process_id = request.param
    deployment.deploy(process_id, diagram(process_id), world.actor("admin"), comment="tiny")
    loaded = instances.start(process_id, None, {})
    instances.save(loaded)
    (task,) = instances.settle(loaded, None)
    db.session.commit()
    return task


def saved_state(task: HumanTask) -> tuple:
    db.session.expire_all()
    instance = db.session.get(ProcessInstance, task.process_instance_id)
    return instance.version, instance.state, instance.status, db.session.get(HumanTask, task.id).state


def process_errors() -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "process_error")))


def where(task: HumanTask) -> dict:
    process = db.session.get(ProcessInstance, task.process_instance_id).process_version.process_key
    return {"process": process, **WHERE[process]}


def test_completing_the_task_raises_a_process_error_that_says_where_and_saves_nothing(world, failing):
    before = saved_state(failing)
    with pytest.raises(ProcessError) as failed:
        service.complete_task(world.actor("finance"), failing.id, ANSWER)
    assert failed.value.codes == ("process_error",) and failed.value.where() == where(failing)
    assert saved_state(failing) == before and before[-1] == "ready"
    (event,) = process_errors()
    assert (event.actor_name, event.codes, event.task_name, event.process_instance_id) == (
        "finance", ["process_error"], "ask", failing.process_instance_id)
    assert {k: event.after[k] for k in where(failing)} == where(failing)
    assert audit.verify().ok
    assert not db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(
        ("task_completed", "attempt_refused")))).all()


def test_the_page_answers_422_process_error_and_keeps_the_form(world, login, failing):
    before = saved_state(failing)
    answer = login("finance").post(f"/tasks/{failing.id}", data={**ANSWER, "instance_version": before[0]})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422 and "process_error" in html and 'id="task-form"' in html
    assert all(str(value) in html for value in where(failing).values())
    assert saved_state(failing) == before and len(process_errors()) == 1


def test_the_api_answers_422_with_the_process_the_task_and_the_line(world, client, login, failing):
    before = saved_state(failing)
    answer = client.post(f"/api/v1/tasks/{failing.id}/complete", headers=login.token("finance"),
                         json={**ANSWER, "instance_version": before[0]})
    assert answer.status_code == 422
    body = answer.get_json()
    assert body["codes"] == ["process_error"] and {k: body.get(k) for k in ("process", "task", "line")} == {
        "line": None, **where(failing)}
    assert saved_state(failing) == before and len(process_errors()) == 1
