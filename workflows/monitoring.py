"""日监测 daily monitoring: the lists townships, banks and supervisors watch every day.

Every list is scoped like the loan list (``loan_queries.loan_scope``) and filtered by township,
bank and (for overdue loans) risk class. Only columns and inbox rows are read, never workflow state.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from models import (IS_READY, OUTSTANDING_STATUSES, RISK_CLASSES, AuditEvent, Bank, HumanTask, Loan, Township,
                    User, db)
from models.subsidy import SubsidySettlement

from . import clock, policy, risk_fund
from .loan_queries import loan_scope

LIMIT = 200
UNPAID_SUBSIDY = ("computed", "approved")
ESCALATION_TASK = "supervise_visit"  # the township's 督办 of a visit left open (post_loan.bpmn, visit_round)


@dataclass(frozen=True)
class MonitoringFilters:
    township: str | None = None
    bank: str | None = None
    risk_class: str | None = None

    @classmethod
    def from_args(cls, args) -> MonitoringFilters:
        values = {name: (args.get(name) or "").strip() or None for name in ("township", "bank", "risk_class")}
        if values["risk_class"] not in (None, *RISK_CLASSES):
            values["risk_class"] = None
        return cls(**values)


@dataclass
class Monitoring:
    due_soon: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    overdue_by_class: dict = field(default_factory=dict)
    visits_late: list = field(default_factory=list)
    visits_escalated: list = field(default_factory=list)
    misuse: list = field(default_factory=list)
    fund_balance: Decimal = Decimal("0.00")
    covered_balance: Decimal = Decimal("0.00")
    subsidy_owed: Decimal = Decimal("0.00")
    reminder_days: int = 0

    @property
    def fund_ratio(self) -> Decimal | None:
        """Covered balance per yuan of fund (the policy allows at most 10)."""
        return (self.covered_balance / self.fund_balance).quantize(Decimal("0.01")) if self.fund_balance else None


def _scoped(user: User, filters: MonitoringFilters, query: sa.Select) -> sa.Select:
    query = query.where(loan_scope(user))
    if filters.township:
        query = query.where(Loan.township_id == sa.select(Township.id).where(Township.code == filters.township)
                            .scalar_subquery())
    if filters.bank:
        query = query.where(Loan.bank_id == sa.select(Bank.id).where(Bank.code == filters.bank).scalar_subquery())
    return query


def monitoring(user: User, filters: MonitoringFilters) -> Monitoring:
    today, now = clock.today(), clock.now()
    days = int(policy.setting("maturity_reminder_days", today))
    outstanding = sa.select(Loan).where(Loan.status.in_(OUTSTANDING_STATUSES))
    result = Monitoring(reminder_days=days)
    result.due_soon = db.session.scalars(_scoped(user, filters, outstanding.where(
        Loan.maturity_date.between(today, today + timedelta(days=days)))).order_by(Loan.maturity_date)
        .limit(LIMIT)).all()
    overdue = _scoped(user, filters, outstanding.where(Loan.days_past_due > 0))
    result.overdue_by_class = dict(db.session.execute(
        _scoped(user, filters, sa.select(Loan.risk_class, sa.func.count()).where(
            Loan.status.in_(OUTSTANDING_STATUSES), Loan.days_past_due > 0)).group_by(Loan.risk_class)).all())
    if filters.risk_class:
        overdue = overdue.where(Loan.risk_class == filters.risk_class)
    result.overdue = db.session.scalars(overdue.order_by(Loan.days_past_due.desc()).limit(LIMIT)).all()
    result.visits_late = db.session.execute(_scoped(user, filters, sa.select(HumanTask, Loan).join(
        Loan, Loan.id == HumanTask.loan_id).where(
        HumanTask.name == "post_loan_visit", IS_READY, HumanTask.due_at < now))
        .order_by(HumanTask.due_at).limit(LIMIT)).all()
    result.visits_escalated = visits_escalated(user, filters)
    result.misuse = db.session.execute(_scoped(user, filters, sa.select(AuditEvent, Loan).join(
        Loan, Loan.id == AuditEvent.loan_id).where(AuditEvent.action == "misuse_reported"))
        .order_by(AuditEvent.id.desc()).limit(LIMIT)).all()
    result.fund_balance, result.covered_balance = risk_fund.fund_balance(), risk_fund.covered_balance()
    result.subsidy_owed = _subsidy_owed(user)
    return result


def visits_escalated(user: User, filters: MonitoringFilters) -> list:
    """走访逾期督办: loans whose visit stayed open past ``visit_escalation_days`` (a 督办 task open), oldest first."""
    return db.session.execute(_scoped(user, filters, sa.select(HumanTask, Loan).join(
        Loan, Loan.id == HumanTask.loan_id).where(
        HumanTask.name == ESCALATION_TASK, IS_READY))
        .order_by(HumanTask.created_at).limit(LIMIT)).all()


def _subsidy_owed(user: User) -> Decimal:
    """Subsidy computed or approved and not yet paid by the finance bureau (the user's bank's, for bank staff)."""
    query = sa.select(sa.func.coalesce(sa.func.sum(SubsidySettlement.total), 0)).where(
        SubsidySettlement.status.in_(UNPAID_SUBSIDY))
    if user.bank_id is not None and not user.has_role("supervisor"):
        query = query.where(SubsidySettlement.bank_id == user.bank_id)
    return Decimal(str(db.session.scalar(query)))
