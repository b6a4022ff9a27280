"""不予受理: the bank officer declines at investigation, with a reason; the process ends ``declined``."""
from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from forms.loan_tasks import InvestigateCreditForm
from models import db
from workflows import engine, instances
from workflows.errors import PolicyViolationError
from workflows.tasks import service
from tests.factories import ready_task

from .drivers import DECLINE, events, instance_of, loan_at, open_rows


def test_a_declined_application_ends_with_its_reason(world):
    loan = loan_at(world, "investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    service.complete_task(world.actor("officer_rcb"), task.id, dict(DECLINE))
    db.session.expire_all()
    assert loan.status == "declined" and loan.grade is None and loan.credit_line is None
    assert loan.investigated_by.username == "officer_rcb"
    assert open_rows(loan.id) == []
    instance = instance_of(loan.id)
    assert (instance.status, instance.end_event) == ("completed", "application_declined")
    [event] = events("task_completed", loan.id)[-1:]
    assert event.task_name == "investigate_credit"
    assert event.after["form"]["decline_reason"] == DECLINE["decline_reason"]
    assert event.after["loan"]["status"] == "declined"


def test_a_decline_without_a_reason_is_refused(world):
    loan = loan_at(world, "investigate_credit")
    task = ready_task(loan.id, "investigate_credit")
    with pytest.raises(PolicyViolationError) as refused:
        service.complete_task(world.actor("officer_rcb"), task.id, {"investigation_decision": "decline",
                                                                     "decline_reason": "  "})
    assert refused.value.field_errors == {"decline_reason": ["reason_required"]}
    db.session.expire_all()
    assert loan.status == "submitted" and ready_task(loan.id, "investigate_credit").id == task.id


def test_proceeding_is_the_default_and_reaches_the_approval(world):
    loan = loan_at(world, "approve_loan")
    assert ready_task(loan.id, "approve_loan") is not None
    [event] = [e for e in events("task_completed", loan.id) if e.task_name == "investigate_credit"]
    assert event.after["form"].get("decline_reason") is None


def test_the_decline_is_a_gateway_after_the_investigation(world):
    spec = engine.SPECS.get(instances.latest_version("microcredit_loan")).spec
    gateway = spec.task_specs["investigation_outcome"]
    assert "investigation_outcome" in [t.name for t in spec.task_specs["investigate_credit"].outputs]
    assert {t.name for t in gateway.outputs} == {"look_up_credit_line", "application_declined"}
    assert gateway.default_task_spec == "look_up_credit_line"
    parsed = engine.SPECS.get(instances.latest_version("microcredit_loan"))
    assert engine.spec_properties(parsed, "application_declined")["loan_status"] == "declined"


@pytest.mark.parametrize("formdata, valid, data", [
    ({"investigation_decision": "decline", "decline_reason": "无经营场地"}, True,
     {"investigation_decision": "decline", "decline_reason": "无经营场地"}),
    ({"investigation_decision": "decline"}, False, None),
    ({"grade": "AA", "recommended_amount": "30000", "recommended_term_months": "12",
      "investigation_report": "可以"}, True, {"investigation_decision": "proceed", "grade": "AA"}),
    ({"investigation_decision": "proceed"}, False, None),
])
def test_the_investigation_form_needs_the_reason_to_decline_and_the_rating_to_proceed(app, formdata, valid, data):
    with app.test_request_context(method="POST"):
        form = InvestigateCreditForm(formdata=MultiDict(formdata), meta={"csrf": False})
        assert form.validate() is valid, form.errors
        if valid:
            out = form.to_data()
            assert {k: out[k] for k in data} == data
            if data["investigation_decision"] == "decline":
                assert not {"grade", "recommended_amount", "investigation_report"} & out.keys()
            else:
                assert "decline_reason" not in out
        else:
            assert ("decline_reason" in form.errors) == (formdata.get("investigation_decision") == "decline")
