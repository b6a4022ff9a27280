"""Repayment schedules and repayments (还款计划, 还款记录).

A schedule line is one due date (期次) of a disbursed loan: the principal and the contract interest
falling due on it, for the interest days ``[period_start, period_end)``. A repayment is what the
bank received (实收) on a day: principal, contract interest (正常利息, the subsidy base) and, apart,
the penalty interest charged for late days (罚息, never subsidised).

A repayment is never deleted: a reversal (冲正) marks it (``reversed_at``, who, why) and every sum
of the book leaves it out from then on (:meth:`Repayment.standing`).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Money, UtcDateTime, utcnow

SCHEDULE_PARTS = ("original", "extension")  # 原合同, 展期


class RepaymentScheduleLine(Base):
    """One instalment of a loan's repayment schedule (还款计划期次)."""

    __tablename__ = "repayment_schedule_lines"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "seq"),
        sa.CheckConstraint(sa.column("part").in_(SCHEDULE_PARTS), name="known_part"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    loan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loans.id"))
    seq: so.Mapped[int]
    due_on: so.Mapped[date]
    principal: so.Mapped[Decimal] = so.mapped_column(Money)
    interest: so.Mapped[Decimal] = so.mapped_column(Money)
    period_start: so.Mapped[date]
    period_end: so.Mapped[date]
    part: so.Mapped[str] = so.mapped_column(sa.String(16), default="original")
    # The terms the line was computed with, read from the dated settings on the disbursement day.
    method: so.Mapped[str] = so.mapped_column(sa.String(64))  # money.schedule.METHODS
    day_count_basis: so.Mapped[int]
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


class Repayment(Base):
    """A repayment received by the bank (还款记录), recorded by a bank officer (page or API)."""

    __tablename__ = "repayments"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    loan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    paid_on: so.Mapped[date]
    principal: so.Mapped[Decimal] = so.mapped_column(Money)
    interest: so.Mapped[Decimal] = so.mapped_column(Money)  # contract interest only
    penalty_interest: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))
    # The part of ``principal`` beyond what was due (提前还本): it lowered the schedule's principal
    # still to fall due, so the matching of payments to due dates leaves it out.
    principal_early: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"),
                                                          server_default=sa.text("0"))
    # The schedule lines this repayment recomputed, as they were before: ``[[seq, principal, interest]]``
    # (strings), so that a reversal puts them back exactly.
    schedule_before: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    idempotency_key: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    # The loan right after this repayment: lets an idempotent replay answer exactly as the first time.
    principal_outstanding_after: so.Mapped[Decimal] = so.mapped_column(Money)
    loan_status_after: so.Mapped[str] = so.mapped_column(sa.String(16))
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    # 冲正: a bank approver other than the recorder reversed it, on a business day, with a reason.
    reversed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    reversed_on: so.Mapped[date | None]
    reversed_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    reversal_reason: so.Mapped[str | None] = so.mapped_column(sa.String(500))

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None

    @classmethod
    def standing(cls) -> sa.ColumnElement[bool]:
        """Not reversed: the repayments every sum of a loan's book counts."""
        return cls.reversed_at.is_(None)

    @classmethod
    def of_loan(cls, loan_id: int) -> sa.Select:
        """The loan's standing repayments in the order they were paid (and recorded)."""
        return cls.history_of_loan(loan_id).where(cls.standing())

    @classmethod
    def history_of_loan(cls, loan_id: int) -> sa.Select:
        """Every repayment of the loan, reversed ones included, in the order they were paid."""
        return sa.select(cls).where(cls.loan_id == loan_id).order_by(cls.paid_on, cls.id)
