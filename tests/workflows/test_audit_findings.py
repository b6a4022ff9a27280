"""Each finding rule flags exactly the rows of the fixture portfolio that break it, and no others."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from models import PolicySetting, db
from workflows import audit_findings
from workflows.errors import ForbiddenError

from ..factories import APPROVAL, INVESTIGATION
from ..factories_audit import at, build, insert


@pytest.fixture
def portfolio(world):
    return build(world)


def flagged(world, rule=None, loan_id=None) -> list[int]:
    return [f.event.id for f in audit_findings.find(world.users["supervisor"], rule, loan_id)]


@pytest.mark.parametrize("rule", audit_findings.RULES)
def test_each_rule_flags_exactly_the_expected_events(world, portfolio, rule):
    assert flagged(world, rule) == sorted(portfolio.flagged[rule])


def test_all_findings_together_oldest_event_first(world, portfolio):
    everything = sorted(i for ids in portfolio.flagged.values() for i in ids)
    assert flagged(world) == everything
    assert flagged(world, loan_id=portfolio.loans["C"].id) == portfolio.flagged["four_eyes"][:1]


def test_the_figures_come_with_the_finding(world, portfolio):
    (fast,) = audit_findings.find(world.users["supervisor"], "too_fast")
    assert fast.detail["minutes"] == Decimal("20.0") and fast.detail["limit"] == Decimal("30")
    (rate,) = audit_findings.find(world.users["supervisor"], "rate_over_cap")
    assert rate.detail == {"rate": Decimal("9.99"), "cap": Decimal("3.5000")}  # 5-year-plus LPR of 2025-05-20


def test_review_time_boundary_and_dated_setting(world, portfolio):
    d = portfolio.loans["D"]  # investigated 2026-03-05 09:00
    exactly = insert(world, d, "task_completed", "approver_rcb", "bank_approver", at(5, 9, 30), task_name="approve_loan",
                     after={"form": APPROVAL})
    assert exactly.id not in flagged(world, "too_fast")  # 30 minutes is enough
    db.session.add(PolicySetting(key="min_review_minutes", effective_from=date(2026, 3, 5), value="31"))
    db.session.commit()
    assert exactly.id in flagged(world, "too_fast")
    assert portfolio.flagged["rate_over_cap"][0] not in flagged(world, "too_fast")  # 90 minutes


def test_a_returned_or_rejected_decision_is_no_approval(world, portfolio):
    d = portfolio.loans["D"]
    for decision in ("reject", "return"):
        insert(world, d, "task_completed", "approver_rcb", "bank_approver", at(5, 9, 1), task_name="approve_loan",
               after={"form": {**APPROVAL, "decision": decision, "annual_rate": "12.00"}})
    assert flagged(world, "too_fast") == portfolio.flagged["too_fast"]
    assert flagged(world, "rate_over_cap") == portfolio.flagged["rate_over_cap"]


def test_the_rate_cap_recorded_with_the_loan_counts(world, portfolio):
    a = portfolio.loans["A"]  # approved at 3.00 for 12 months: capped by the 1-year LPR (3.00)
    assert a.rate_cap == Decimal("3.0000")
    over = insert(world, a, "task_completed", "approver_rcb", "bank_approver", at(2, 11), task_name="approve_loan",
                  after={"form": {**APPROVAL, "annual_rate": "3.20"}})
    assert over.id in flagged(world, "rate_over_cap")  # under the 5-year-plus LPR, over this loan's cap


def test_four_eyes_needs_the_same_user(world, portfolio):
    c = portfolio.loans["C"]
    insert(world, c, "task_completed", "officer_rcb", "bank_officer", at(4, 11), task_name="investigate_credit",
           after={"form": INVESTIGATION})
    insert(world, c, "task_completed", "approver_rcb", "bank_approver", at(4, 12), task_name="approve_loan",
           after={"form": APPROVAL})
    assert flagged(world, "four_eyes") == sorted(portfolio.flagged["four_eyes"])


def test_admin_has_no_loan_findings_and_others_are_refused(world, portfolio):
    assert audit_findings.find(world.users["admin"]) == []
    with pytest.raises(ForbiddenError):
        audit_findings.find(world.users["approver_rcb"])
    assert timedelta(0) < at(3, 23, 59, 59) - at(3, 23, 40)
