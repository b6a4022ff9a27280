"""The scripted happy path a draft's "test run" follows (试运行脚本), and its report as JSON.

One script per bundled process, driven to an end in memory (``workflows.validation.dry_run``):

* ``microcredit_loan``: the test factories' defaults (tests/factories.py), a 30,000 yuan, 12-month
  loan for pig breeding by a listed 45-year-old, approved at 3.00 %, disbursed on the run's day;
  then its post-loan part: the quarterly visits and the maturity reminder as their timers fall due,
  and the household repays in full (message ``loan_repaid``): the loan ends at ``loan_closed``.
* ``risk_fund_topup``: started as ``risk_fund.check_ratio`` starts it; the top-up is recorded.
* ``interest_subsidy_settlement``: this quarter's settlement, as ``subsidy_settlement.schedule``
  starts it; the quarter closes, the list is approved, paid and passed on.

Each step's ``before`` adds what the real service step adds (``loan_steps.DisburseLoan.before``,
``post_loan.steps.PostLoanVisit.before``, ``post_loan.steps.MaturityReminder.before``), computed by the same
functions on the run's clock. A task the script does not cover gets sample data when its form is
defined in the diagram (``sample_data``, from ``form_fields``), so an administrator's added task
does not stop the run; a task naming a registered form the script does not know stops it there.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from forms.diagram import FieldSpec, parse_form_fields
from workflows import clock, policy, post_loan, subsidy_settlement, validation
from workflows.validation.dry_run import ScriptStep, SendMessage

SAMPLE_TEXT = "试运行"
APPLICATION = {"id_number": "500234198006150011", "bank": "cqrcb", "amount": Decimal("30000.00"),
               "term_months": 12, "purpose_category": "breeding", "purpose": "养殖生猪", "kind": "new",
               "applicant_age": 45, "on_list": True, "removed": False, "dishonest": False,
               "household_total": Decimal("30000.00")}
ELIGIBILITY = {"eligible": True, "eligibility_note": "核实在册"}
INVESTIGATION = {"grade": "AAA", "recommended_amount": Decimal("30000.00"), "recommended_term_months": 12,
                 "investigation_report": "有养殖经验，还款能力较强"}
APPROVAL = {"decision": "approve", "approved_amount": Decimal("30000.00"), "approved_term_months": 12,
            "annual_rate": Decimal("3.00"), "approval_comment": "同意"}
DISBURSEMENT = {"contract_number": "KZ-TEST-1", "account_number": "6228480000001"}
VISIT = {"used_for_production": True, "visit_note": "养殖正常"}
REMINDER = {"household_informed": True, "reminder_note": "已电话告知到期日"}


def day_of(now: datetime) -> date:
    return clock.local(now).date()


def maturity(data: dict) -> date:
    """The loan's maturity as the task data has it (an approved extension moves it)."""
    extended = data.get("approved_maturity_date")
    if extended:
        return date.fromisoformat(str(extended))
    return post_loan.maturity_of(data["disbursed_on"], int(data["approved_term_months"]))


def disburse(data: dict, now: datetime) -> dict:
    """As ``DisburseLoan.before``: the day entered, the first post-loan timer, the default result."""
    day = day_of(now)
    due = post_loan.maturity_of(day, int(data["approved_term_months"]))
    return {"disbursed_on": day, **post_loan.next_check(day, due, day, None), "post_loan_result": "closed"}


def visit(data: dict, now: datetime) -> dict:
    """As ``PostLoanVisit.before`` for money used in production: the next check."""
    return post_loan.next_check(data["disbursed_on"], maturity(data), day_of(now), data.get("reminded_for"))


def remind(data: dict, now: datetime) -> dict:
    """As ``MaturityReminder.before``: the reminder given for this maturity, then the next check."""
    reminded_for = maturity(data).isoformat()
    return {"reminded_for": reminded_for,
            **post_loan.next_check(data["disbursed_on"], maturity(data), day_of(now), reminded_for)}


def loan_script() -> tuple[list, dict]:
    return [ScriptStep("register_application", APPLICATION), ScriptStep("confirm_eligibility", ELIGIBILITY),
            ScriptStep("investigate_credit", INVESTIGATION), ScriptStep("approve_loan", APPROVAL),
            ScriptStep("disburse_loan", DISBURSEMENT, disburse),
            ScriptStep("post_loan_visit", VISIT, visit, repeat=True),  # each quarter, until the reminder
            ScriptStep("maturity_reminder", REMINDER, remind), SendMessage("loan_repaid")], {"loan_id": 0}


def topup_script() -> tuple[list, dict]:
    """Started as ``risk_fund.check_ratio`` starts it: a 100,000 yuan fund against 1.5 million covered."""
    now, days = clock.now(), int(policy.setting("topup_due_days", clock.today()))
    start = {"fund_id": 0, "covered_balance": Decimal("1500000.00"), "fund_balance": Decimal("100000.00"),
             "ratio": Decimal("10"), "topup_amount": Decimal("50000.00"), "topup_due_days": days,
             "topup_due_at": clock.local(now + timedelta(days=days)).isoformat()}

    def paid_in(data: dict, now: datetime) -> dict:
        return {"amount": data["topup_amount"], "topped_up_on": day_of(now)}

    return [ScriptStep("record_topup", {"voucher_number": "PZ-TEST-1", "comment": "试运行"}, paid_in)], start


def settlement_script() -> tuple[list, dict]:
    """This quarter's settlement of one bank, started as ``subsidy_settlement.schedule`` starts it."""
    year, quarter = subsidy_settlement.quarter_of(clock.today())
    start = {"settlement_id": 0, "bank_id": 0, "year": year, "quarter": quarter,
             "settle_at": subsidy_settlement.settle_at(year, quarter).isoformat()}
    return [ScriptStep("review_subsidy_settlement", {"decision": "approve", "comment": "核对无误"}),
            ScriptStep("record_subsidy_payment", {"voucher_number": "PZ-TEST-2"},
                       lambda data, now: {"paid_on": day_of(now)}),
            ScriptStep("confirm_subsidy_passed_on", {"comment": "已到户"},
                       lambda data, now: {"confirmed_on": day_of(now)})], start


def campaign_script() -> tuple[list, dict]:
    """A rating campaign (评级授信) as ``credit_rating.campaigns.open_campaign`` starts it."""
    return [ScriptStep("confirm_roster", {"roster_confirmed": True, "comment": "已核对"}),
            ScriptStep("rate_households", {"comment": "已逐户评级"}),
            ScriptStep("approve_ratings", {"comment": "同意"}),
            ScriptStep("publish_ratings", {"comment": "已公示"})], {"campaign_id": 0}


def designation_script() -> tuple[list, dict]:
    """A township's designation review, as ``credit_rating.designations.propose`` starts it."""
    return [ScriptStep("review_designations", {"comment": "同意"},
                       lambda data, now: {"decided_on": day_of(now)})], {"township_id": 0,
                                                                         "computed_on": clock.today()}


SCRIPTS = {"microcredit_loan": loan_script, "risk_fund_topup": topup_script,
           "interest_subsidy_settlement": settlement_script, "credit_rating_campaign": campaign_script,
           "credit_designation": designation_script}


def happy_path(process_key: str) -> tuple[list, dict]:
    """The script [ScriptStep | SendMessage, ...] and the start data; an empty script for other processes."""
    make = SCRIPTS.get(process_key)
    return make() if make else ([], {})


def sample_data(properties: dict, now: datetime) -> dict | None:
    """Data for a form defined in the diagram (``form_fields``), within its bounds; None for any other task."""
    fields, problems = parse_form_fields(properties.get("form_fields")) if properties.get("form_fields") else ([], [])
    if problems or not fields:
        return None
    return {spec.name: sample_value(spec, day_of(now)) for spec in fields}


def sample_value(spec: FieldSpec, today: date):
    if spec.type in ("text", "textarea"):
        length = spec.min or min(len(SAMPLE_TEXT), spec.max if spec.max is not None else len(SAMPLE_TEXT))
        return (SAMPLE_TEXT * (length // len(SAMPLE_TEXT) + 1))[:length]
    if spec.type == "choice":
        return spec.choices[0][0]
    if spec.type == "yesno":
        return True
    default = {"integer": 1, "money": Decimal("1.00"), "date": today}[spec.type]
    low = spec.min if spec.min is not None else default
    return min(max(default, low), spec.max) if spec.max is not None else max(default, low)


def run(process_key: str, sources: dict) -> validation.TestRunReport:
    """The test run of a draft's sources: the process's script, sample data for forms in the diagram."""
    script, start_data = happy_path(process_key)
    return validation.test_run(process_key, sources, script, start_data, fill=sample_data)


def run_problems(report: validation.TestRunReport) -> dict[str, list[str]]:
    """The test run as validation problems: none if it passed, else one on the element where it stopped."""
    if report.ok:
        return {}
    return {report.stopped_at or "__all__": [f"test run: {report.reason}"]}


def report_json(report: validation.TestRunReport) -> dict:
    """What the editor shows: the steps done, where the run stopped and why, and whether it passed."""
    summary = " → ".join(report.trail) or "—"
    return {"completed": report.completed, "ok": report.ok, "reason": report.reason, "steps": report.steps,
            "filled": report.filled, "waiting_at": report.waiting_at, "end_event": report.end_event,
            "stopped_at": report.stopped_at, "error": report.error, "summary": f"{summary}\n{report.reason}"}
