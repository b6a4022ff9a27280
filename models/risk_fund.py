"""The risk-compensation fund ledger (风险补偿金): 专款专存、专账管理、封闭运行.

The balance is never stored: it is the sum of the ledger lines, compensation counting negative.
Every line is written together with its audit event (``workflows.risk_fund.add_entry``).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Money, UtcDateTime, utcnow

ENTRY_KINDS = ("deposit", "topup", "interest", "compensation")  # 存入, 补充, 利息, 代偿
OUTFLOW_KINDS = ("compensation",)


class RiskFund(Base):
    """风险补偿金: a fund with its own account; the district has one, code ``district``."""

    __tablename__ = "risk_funds"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(32), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(64))


class RiskFundEntry(Base):
    """One ledger line (台账): money in (deposit, top-up, interest) or out (compensation of a loan)."""

    __tablename__ = "risk_fund_entries"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(ENTRY_KINDS), name="known_kind"),
        sa.CheckConstraint(sa.column("amount") > 0, name="positive_amount"),
        sa.Index("ix_risk_fund_entries_fund_day", "fund_id", "occurred_on"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("risk_funds.id"))
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    amount: so.Mapped[Decimal] = so.mapped_column(Money)  # always positive; see ``signed``
    occurred_on: so.Mapped[date]
    loan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    voucher_number: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    comment: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    recorded_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    process_instance_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_instances.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    @property
    def signed(self) -> Decimal:
        """The line's effect on the balance: compensation out, everything else in."""
        return -self.amount if self.kind in OUTFLOW_KINDS else self.amount

    @classmethod
    def signed_amount(cls):
        """The SQL expression of ``signed``, for sums."""
        return sa.case((cls.kind.in_(OUTFLOW_KINDS), -cls.amount), else_=cls.amount)
