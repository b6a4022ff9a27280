"""The admin's test run drives every bundled diagram to an end, and says where and why a draft stops.

The scripts are the web layer's (``webapp.admin.test_scripts``); the run is ``workflows.validation.dry_run``.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from types import SimpleNamespace
from xml.sax.saxutils import quoteattr

import pytest

from tests.factories_admin import with_compliance_review
from webapp.admin import test_scripts
from webapp.admin.common import known_forms
from workflows import clock, loan_steps, policy, post_loan, validation
from workflows.deployment import bundled_sources
from workflows.validation.dry_run import ScriptStep, SendMessage

LOAN, POST = "microcredit_loan.bpmn", "post_loan.bpmn"
NOW = datetime(2026, 3, 2, 2, tzinfo=timezone.utc)  # 10:00 in Shanghai
FIELDS = [{"name": "compliance_ok", "label": {"zh": "合规结论"}, "type": "yesno", "required": True},
          {"name": "compliance_note", "label": {"zh": "审查意见"}, "type": "textarea", "min": 5},
          {"name": "level", "label": {"zh": "等级"}, "type": "choice",
           "choices": [{"value": "b", "label": {"zh": "乙"}}, {"value": "a", "label": {"zh": "甲"}}]},
          {"name": "fee", "label": {"zh": "费用"}, "type": "money", "min": 10},
          {"name": "checked_on", "label": {"zh": "日期"}, "type": "date", "max": "2026-01-31"}]


def with_form_fields_review() -> dict[str, str]:
    """The compliance review of tests/factories_admin.py, its form defined in the diagram."""
    sources = with_compliance_review(bundled_sources())
    old = '<spiffworkflow:property name="form" value="ConfirmEligibilityForm" />\n          <spiffworkflow:property ' \
          'name="due_period" value="P2D" />'
    new = f'<spiffworkflow:property name="form_fields" value={quoteattr(json.dumps(FIELDS, ensure_ascii=False))} />'
    assert old in sources[LOAN]
    return {**sources, LOAN: sources[LOAN].replace(old, new)}


def edited(file_name: str, old: str, new: str) -> dict[str, str]:
    sources = bundled_sources()
    assert old in sources[file_name]
    return {**sources, file_name: sources[file_name].replace(old, new, 1)}


ENDS = [("microcredit_loan", "loan_closed"), ("risk_fund_topup", "fund_topped_up"),
        ("interest_subsidy_settlement", "settlement_confirmed")]


@pytest.mark.parametrize("process_key, end", ENDS)
def test_each_bundled_process_runs_to_its_end(world, process_key, end):
    report = test_scripts.run(process_key, bundled_sources())
    assert report.ok and report.completed and report.end_event == end, report.reason
    assert report.error is None and test_scripts.run_problems(report) == {}


def test_the_loan_runs_through_disbursement_and_its_post_loan_timers_to_the_repayment(world):
    report = test_scripts.run("microcredit_loan", bundled_sources())
    assert report.steps[:5] == ["register_application", "confirm_eligibility", "investigate_credit", "approve_loan",
                                "disburse_loan"]
    assert report.steps[5:] == ["post_loan_visit"] * 3 + ["maturity_reminder"]  # visits each quarter, then reminded
    timers = [entry.split()[1] for entry in report.trail if entry.startswith("⏱ ")]
    assert timers == ["visit_timer"] * 3 + ["reminder_timer"] and report.trail[-1] == "✉ loan_repaid"
    shown = test_scripts.report_json(report)
    assert shown["ok"] and shown["stopped_at"] == "loan_closed" and "⏱ visit_timer" in shown["summary"]


def test_the_script_adds_what_the_real_steps_add(world):
    with clock.frozen(NOW):
        real = {"disbursed_on": clock.today()}
        loan_steps.DisburseLoan().before(SimpleNamespace(loan=SimpleNamespace(approved_term_months=12), data=real))
        scripted = test_scripts.disburse({"approved_term_months": 12}, NOW)
        loan = SimpleNamespace(disbursed_on=date(2025, 12, 2), maturity_date=date(2026, 12, 2))
        real_visit = {"used_for_production": True}
        post_loan.steps.PostLoanVisit().before(SimpleNamespace(loan=loan, data=real_visit, workflow=NoTasks()))
    assert scripted == real and {"next_visit_at", "reminder_at", "maturity_at", "post_loan_result"} <= set(real)
    data = {"disbursed_on": loan.disbursed_on, "approved_term_months": 12}
    assert {"used_for_production": True, **test_scripts.visit(data, NOW)} == real_visit


class NoTasks:
    """A workflow with nothing waiting and nothing ready (the step fires due timers first)."""

    def get_tasks(self, **_):
        return []

    def refresh_waiting_tasks(self):
        pass

    def do_engine_steps(self):
        pass

    def get_events(self):
        return []


def test_a_task_with_its_form_in_the_diagram_gets_sample_data_within_its_bounds(world):
    report = test_scripts.run("microcredit_loan", with_form_fields_review())
    assert report.ok and report.end_event == "loan_closed" and report.filled == ["compliance_review"]
    sample = test_scripts.sample_data({"form_fields": json.dumps(FIELDS)}, NOW)
    assert sample == {"compliance_ok": True, "compliance_note": "试运行试运", "level": "b", "fee": 10,
                      "checked_on": date(2026, 1, 31)}
    assert test_scripts.sample_data({"form": "ConfirmEligibilityForm"}, NOW) is None


def test_a_task_with_a_registered_form_the_script_does_not_know_stops_the_run_there(world):
    report = test_scripts.run("microcredit_loan", with_compliance_review(bundled_sources()))
    assert not report.ok and report.stopped_at == "compliance_review"
    assert report.reason == "the script expects disburse_loan, but the process waits at compliance_review"
    assert test_scripts.run_problems(report) == {"compliance_review": [f"test run: {report.reason}"]}


@pytest.mark.parametrize("file_name, old, new, where", [
    (LOAN, "for c in violation if", "for c in violations if", {"process": "microcredit_loan",
                                                                "task": "collect_violations", "line": 1}),
    (POST, ">next_visit_at</bpmn:timeDate>", ">next_visit_on</bpmn:timeDate>", {"process": "monitoring",
                                                                                  "task": "visit_timer"}),
    (LOAN, 'decision == "approve"', 'decison == "approve"', {"process": "microcredit_loan",
                                                             "task": "approval_decision"}),
])
def test_an_error_names_the_element_it_stopped_on(world, file_name, old, new, where):
    sources = edited(file_name, old, new)
    report = test_scripts.run("microcredit_loan", sources)
    assert not report.ok and report.reason.startswith("error: ")
    assert {k: v for k, v in report.error.items() if k != "message"} == where
    assert list(test_scripts.run_problems(report)) == [where["task"]]


def test_data_a_real_step_cannot_make_is_an_error_on_that_task(world):
    script, start = test_scripts.happy_path("microcredit_loan")
    script[4] = ScriptStep("disburse_loan", {}, lambda data, now: {"x": policy.setting("no_such_setting", NOW.date())})
    report = validation.test_run("microcredit_loan", bundled_sources(), script, start)
    assert not report.ok and report.error["task"] == "disburse_loan" and report.steps[-1] == "approve_loan"
    assert report.reason.startswith("error: the data the real step adds cannot be made: MissingPolicyDataError")


def test_data_that_cannot_be_stored_stops_the_run(world):
    _, start = test_scripts.happy_path("risk_fund_topup")
    report = validation.test_run("risk_fund_topup", bundled_sources(), [("record_topup", {"voucher": object()})],
                                 start)
    assert not report.ok and "the task data cannot be stored: TypeError" in report.reason


def test_validate_passes_a_draft_only_if_its_test_run_gets_through(login):
    admin = login("admin")
    draft_id = int(admin.post("/admin/processes/microcredit_loan/drafts").headers["Location"].rsplit("/", 1)[1])
    broken = edited(POST, ">next_visit_at</bpmn:timeDate>", ">next_visit_on</bpmn:timeDate>")
    assert validation.problems("microcredit_loan", broken, known_forms()) == {}  # a name: fine on sample data
    problems = admin.post(f"/admin/drafts/{draft_id}/validate", json={"sources": broken}).json["problems"]
    assert list(problems) == ["visit_timer"] and problems["visit_timer"][0].startswith("test run: error: NameError")
    answer = admin.post(f"/admin/drafts/{draft_id}/test-run", json={"sources": bundled_sources()}).json
    assert answer["ok"] and answer["stopped_at"] == "loan_closed" and answer["error"] is None
    broken_run = admin.post(f"/admin/drafts/{draft_id}/test-run", json={"sources": broken}).json
    assert not broken_run["ok"] and broken_run["stopped_at"] == "visit_timer"
    assert broken_run["error"]["process"] == "monitoring"  # the embedded sub-process of post_loan.bpmn


TINY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="tiny_definitions" targetNamespace="urn:test">
  <bpmn:message id="nudge_message" name="nudge" />
  <bpmn:process id="tiny" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:intermediateCatchEvent id="wait">{}</bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="done" />
    <bpmn:sequenceFlow id="to_wait" sourceRef="start" targetRef="wait" />
    <bpmn:sequenceFlow id="to_done" sourceRef="wait" targetRef="done" />
  </bpmn:process>
</bpmn:definitions>"""
TIMER = ('<bpmn:timerEventDefinition><bpmn:{0} xsi:type="bpmn:tFormalExpression">{1}</bpmn:{0}>'
         "</bpmn:timerEventDefinition>")
MESSAGE = '<bpmn:messageEventDefinition messageRef="nudge_message" />'


@pytest.mark.parametrize("definition, script, ok, reason", [
    (TIMER.format("timeDate", '"2030-01-01T09:00:00+08:00"'), [], True, "finished at done"),
    (TIMER.format("timeDuration", '"P30D"'), [], True, "finished at done"),
    (TIMER.format("timeCycle", '"R2/PT1H"'), [], True, "waiting for a timer: wait (the timer worker fires it)"),
    (MESSAGE, [SendMessage("nudge")], True, "finished at done"),
    (MESSAGE, [], False, "waiting for a message: nudge"),
])
def test_timers_fire_in_memory_and_a_wait_says_what_it_waits_for(monkeypatch, definition, script, ok, reason):
    monkeypatch.setattr(clock, "frozen", None)  # the process-wide clock is never moved (other threads read it)
    report = validation.test_run("tiny", {"tiny.bpmn": TINY.format(definition)}, script, now=NOW)
    assert (report.ok, report.reason) == (ok, reason)
    assert report.stopped_at == ("done" if report.completed else "wait")
