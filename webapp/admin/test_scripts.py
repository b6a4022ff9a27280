"""The scripted happy path a draft's "test run" follows (试运行脚本), and its report as JSON.

The data are the test factories' defaults (tests/factories.py): a 30,000 yuan, 12-month loan for
pig breeding by a listed 45-year-old, approved at 3.00 %, disbursed today.
"""
from __future__ import annotations

from decimal import Decimal

from workflows import clock

APPLICATION = {"id_number": "500234198006150011", "bank": "cqrcb", "amount": Decimal("30000.00"),
               "term_months": 12, "purpose_category": "breeding", "purpose": "养殖生猪", "kind": "new",
               "applicant_age": 45, "on_list": True, "removed": False, "dishonest": False,
               "household_total": Decimal("30000.00")}
ELIGIBILITY = {"eligible": True, "eligibility_note": "核实在册"}
INVESTIGATION = {"grade": "AAA", "recommended_amount": Decimal("30000.00"), "recommended_term_months": 12,
                 "investigation_report": "有养殖经验，还款能力较强"}
APPROVAL = {"decision": "approve", "approved_amount": Decimal("30000.00"), "approved_term_months": 12,
            "annual_rate": Decimal("3.00"), "approval_comment": "同意"}


def happy_path(process_key: str) -> tuple[list[tuple[str, dict]], dict]:
    """The script [(task id, data), ...] and the start data; an empty script for other processes."""
    if process_key != "microcredit_loan":
        return [], {}
    disbursement = {"contract_number": "KZ-TEST-1", "disbursed_on": clock.today(), "account_number": "6228480000001"}
    script = [("register_application", APPLICATION), ("confirm_eligibility", ELIGIBILITY),
              ("investigate_credit", INVESTIGATION), ("approve_loan", APPROVAL), ("disburse_loan", disbursement)]
    return script, {"loan_id": 0}


def report_json(report) -> dict:
    """What the editor shows: the steps done, where the run stopped and why."""
    stopped_at = report.waiting_at[0] if report.waiting_at else report.end_event
    summary = " → ".join(report.steps) or "—"
    return {"completed": report.completed, "reason": report.reason, "steps": report.steps,
            "waiting_at": report.waiting_at, "end_event": report.end_event, "stopped_at": stopped_at,
            "summary": f"{summary}\n{report.reason}"}
