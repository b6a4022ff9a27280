"""The forms of confirm_eligibility, investigate_credit, approve_loan and disburse_loan."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from forms import ApproveLoanForm, ConfirmEligibilityForm, DisburseLoanForm, InvestigateCreditForm

GOOD = {
    ConfirmEligibilityForm: {"eligible": "yes", "eligibility_note": "核实在册"},
    InvestigateCreditForm: {"grade": "AA", "recommended_amount": "20000", "recommended_term_months": "12",
                            "investigation_report": "有养殖经验"},
    ApproveLoanForm: {"decision": "approve", "approved_amount": "20000.00", "approved_term_months": "12",
                      "annual_rate": "3.45", "approval_comment": ""},
    DisburseLoanForm: {"contract_number": "KZ-1", "disbursed_on": "2026-03-02", "account_number": "6228480000001"},
}


@pytest.fixture
def english(app):
    with app.test_request_context("/?lang=en"):
        yield


def submit(form_cls, **changes):
    data = {k: v for k, v in {**GOOD[form_cls], **changes}.items() if v is not None}
    form = form_cls(formdata=MultiDict(data), meta={"csrf": False})
    form.validate()
    return form


def errors(form) -> dict:
    return {k: [str(m) for m in v] for k, v in form.errors.items()}


def test_the_data_is_typed_as_the_services_expect(english):
    assert submit(ConfirmEligibilityForm).to_data() == {"eligible": True, "eligibility_note": "核实在册"}
    assert submit(InvestigateCreditForm).to_data() == {
        "grade": "AA", "recommended_amount": Decimal("20000"), "recommended_term_months": 12,
        "investigation_report": "有养殖经验", "investigation_decision": "proceed"}
    assert submit(ApproveLoanForm).to_data() == {
        "decision": "approve", "approved_amount": Decimal("20000.00"), "approved_term_months": 12,
        "annual_rate": Decimal("3.45"), "approval_comment": None}
    assert submit(DisburseLoanForm, account_number="6228 4800 0000 1").to_data() == {
        "contract_number": "KZ-1", "disbursed_on": date(2026, 3, 2), "account_number": "6228480000001"}


def test_a_refusal_of_eligibility_is_false_with_its_reason(english):
    form = submit(ConfirmEligibilityForm, eligible="no", eligibility_note="不在名单")
    assert form.errors == {} and form.to_data() == {"eligible": False, "eligibility_note": "不在名单"}


def test_rejecting_needs_no_terms_and_drops_them(english):
    form = submit(ApproveLoanForm, decision="reject", approved_amount="", approved_term_months="",
                  annual_rate="", approval_comment="收入不稳定")
    assert form.errors == {}
    assert form.to_data() == {"decision": "reject", "approved_amount": None, "approved_term_months": None,
                              "annual_rate": None, "approval_comment": "收入不稳定"}


def test_the_instance_version_rides_along_but_is_not_task_data(english):
    form = submit(ConfirmEligibilityForm, instance_version="4")
    assert form.expected_version == 4 and "instance_version" not in form.to_data()


@pytest.mark.parametrize(("form_cls", "changes", "expected"), [
    (ConfirmEligibilityForm, {"eligible": None}, {"eligible": ["This field is required."]}),
    (ConfirmEligibilityForm, {"eligible": "maybe"}, {"eligible": ["Not a valid choice."]}),
    (ConfirmEligibilityForm, {"eligible": "no", "eligibility_note": ""},
     {"eligibility_note": ["Say why the household is not eligible."]}),
    (ConfirmEligibilityForm, {"eligibility_note": "x" * 501}, {"eligibility_note": ["At most 500 characters."]}),
    (InvestigateCreditForm, {"grade": ""}, {"grade": ["This field is required."]}),
    (InvestigateCreditForm, {"grade": "C"}, {"grade": ["Not a valid choice."]}),
    (InvestigateCreditForm, {"recommended_amount": "two"}, {"recommended_amount": ["Not a valid decimal value."]}),
    (InvestigateCreditForm, {"recommended_amount": "0"}, {"recommended_amount": ["Must be greater than zero."]}),
    (InvestigateCreditForm, {"recommended_term_months": "0"}, {"recommended_term_months": ["At least one month."]}),
    (InvestigateCreditForm, {"investigation_report": ""}, {"investigation_report": ["This field is required."]}),
    (ApproveLoanForm, {"decision": "defer"}, {"decision": ["Not a valid choice."]}),
    (ApproveLoanForm, {"approved_amount": ""}, {"approved_amount": ["This field is required."]}),
    (ApproveLoanForm, {"approved_term_months": ""}, {"approved_term_months": ["This field is required."]}),
    (ApproveLoanForm, {"annual_rate": ""}, {"annual_rate": ["This field is required."]}),
    (ApproveLoanForm, {"annual_rate": "3.455"}, {"annual_rate": ["Use at most 2 decimals."]}),
    (ApproveLoanForm, {"annual_rate": "-1"}, {"annual_rate": ["Must be greater than zero."]}),
    (ApproveLoanForm, {"decision": "return", "approval_comment": " "},
     {"approval_comment": ["Give the reason for rejecting or returning."]}),
    (DisburseLoanForm, {"contract_number": ""}, {"contract_number": ["This field is required."]}),
    (DisburseLoanForm, {"disbursed_on": "2026-02-30"}, {"disbursed_on": ["Not a valid date value."]}),
    (DisburseLoanForm, {"disbursed_on": ""}, {"disbursed_on": ["This field is required."]}),
    (DisburseLoanForm, {"account_number": "62-28"}, {"account_number": ["Digits only, 8 to 32 of them."]}),
])
def test_bad_input_is_refused_with_its_message(english, form_cls, changes, expected):
    assert errors(submit(form_cls, **changes)) == expected
