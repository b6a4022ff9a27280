"""Each invariant of the simulator passes on a sound database and fails on one broken behind the services' back."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import AuditEvent, HumanTask, Loan, db
from models.credit import CreditRating
from models.risk_fund import RiskFundEntry
from models.subsidy import SubsidySettlement
from tests.factories import drive, ready_task, register
from tests.factories_postloan import at, at_maturity_review, disbursed
from tests.factories_tasks import settlement, topup
from workflows import clock, risk_fund
from workflows.simulation import invariants
from workflows.tasks import service

from ..credit_rating import factories as credit
from ..test_audit_chain import tampering

REVIEW_DAY = date(2025, 2, 11)


def test_a_loan_past_maturity_without_review_or_recovery_is_stuck(world):
    loan = at_maturity_review(world)
    with clock.frozen(at(REVIEW_DAY)):
        assert invariants.no_loan_stuck(REVIEW_DAY).ok
        db.session.execute(sa.update(HumanTask).where(HumanTask.loan_id == loan.id, HumanTask.state == "ready")
                           .values(state="cancelled"))
        check = invariants.no_loan_stuck(REVIEW_DAY)
    assert not check.ok and str(loan.id) in check.detail


def test_a_balance_changed_by_sql_breaks_the_balance_check(world):
    loan = disbursed(world)
    assert invariants.balances().ok
    db.session.execute(sa.update(Loan).where(Loan.id == loan.id).values(principal_outstanding=Decimal("29000.00")))
    assert not invariants.balances().ok


def test_a_ledger_line_without_its_top_up_breaks_the_ledger_check(world):
    reached = topup(world)
    assert invariants.fund_ledger().ok
    fund = risk_fund.get_fund()
    db.session.add(RiskFundEntry(fund_id=fund.id, kind="topup", amount=Decimal("5000.00"), occurred_on=reached.day,
                                 created_at=clock.now()))
    db.session.flush()
    assert not invariants.fund_ledger().ok


def test_the_ratio_holds_only_while_a_recent_top_up_is_open(world):
    reached = topup(world)  # an empty fund against 50,000 covered: a top-up asked for
    day = reached.day
    with clock.frozen(reached.at):
        assert invariants.fund_ratio(day).ok
    later = reached.at + timedelta(days=31)
    with clock.frozen(later):
        assert not invariants.fund_ratio(clock.local(later).date()).ok
    db.session.execute(sa.delete(HumanTask).where(HumanTask.id == reached.task.id))
    with clock.frozen(reached.at):
        assert not invariants.fund_ratio(day).ok


def test_a_settlement_total_changed_by_sql_breaks_the_subsidy_check(world):
    drawn_up = settlement(world)
    check = invariants.subsidies()
    assert check.ok and drawn_up.total == Decimal("162.00")  # 324.00 paid, share 0.5 since 2023, check.detail
    db.session.execute(sa.update(SubsidySettlement).where(SubsidySettlement.id == drawn_up.id)
                       .values(total=Decimal("324.01")))
    assert not invariants.subsidies().ok


def test_an_audit_event_changed_by_sql_breaks_the_audit_check(world):
    disbursed(world)
    assert invariants.audit_chain().ok
    first = db.session.scalars(sa.select(AuditEvent.id).order_by(AuditEvent.id)).first()
    with tampering():  # the append-only trigger off on PostgreSQL, as its owner would
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == first).values(comment="changed"))
    assert not invariants.audit_chain().ok


def _short_path_loan(world):
    """A household rated AAA / 50,000 (rated by officer_rcb, approved by approver_rcb) whose
    application took the short investigation."""
    household = credit.households_in(credit.village(), 1)[0]
    credit.valid_campaign(world, [household])
    loan = register(world, household)
    drive(world, loan.id, "investigate_credit")
    service.complete_task(world.actor("officer_rcb"), ready_task(loan.id, "investigate_credit").id,
                          {"rating_still_valid": True})
    db.session.commit()
    return loan


def test_a_rating_approved_by_its_rater_breaks_the_four_eyes_check(world):
    _short_path_loan(world)
    check = invariants.rating_four_eyes()
    assert check.ok and check.detail == "1 approved ratings checked"
    rating = db.session.scalars(sa.select(CreditRating)).one()
    db.session.execute(sa.update(CreditRating).where(CreditRating.id == rating.id)
                       .values(approved_by_id=rating.rated_by_id))
    check = invariants.rating_four_eyes()
    assert not check.ok and str(rating.id) in check.detail


def test_an_approver_who_once_saved_the_rating_breaks_the_four_eyes_check(world):
    _short_path_loan(world)
    rating = db.session.scalars(sa.select(CreditRating)).one()
    saved = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "credit_rating_saved")).one()
    with tampering():
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == saved.id).values(actor_id=rating.approved_by_id))
    check = invariants.rating_four_eyes()  # the row names another rater, but the approver saved it once
    assert not check.ok and str(rating.id) in check.detail


def test_a_short_path_without_a_covering_rating_on_its_day_breaks_the_check(world):
    loan = _short_path_loan(world)
    check = invariants.short_path_covered()
    assert check.ok and check.detail == "1 short-path investigations checked"
    rating = db.session.scalars(sa.select(CreditRating)).one()
    day = clock.today()
    db.session.execute(sa.update(CreditRating).where(CreditRating.id == rating.id)
                       .values(valid_until=day - timedelta(days=1)))
    check = invariants.short_path_covered()
    assert not check.ok and str(loan.id) in check.detail
    db.session.execute(sa.update(CreditRating).where(CreditRating.id == rating.id).values(valid_until=day))
    assert invariants.short_path_covered().ok  # valid through its last day
    db.session.execute(sa.update(CreditRating).where(CreditRating.id == rating.id).values(credit_line=loan.amount - 1))
    assert not invariants.short_path_covered().ok


def test_a_rating_revoked_before_the_short_path_breaks_the_check(world):
    loan = _short_path_loan(world)
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "credit_rating_approved")).one()
    with tampering():
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == event.id).values(action="credit_rating_revoked"))
    check = invariants.short_path_covered()  # no approval left before the investigation, a revocation instead
    assert not check.ok and str(loan.id) in check.detail
