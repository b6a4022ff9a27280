"""Interest-subsidy settlements (贴息结算): one per bank and quarter, with its per-loan lines.

A settlement is ``scheduled`` while its quarter runs (its process waits on the quarter's timer),
``computed`` once the lines are drawn up, then ``approved`` by the finance bureau, ``paid`` into
the bank's special account, and ``confirmed`` by the bank once passed on to the households.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Money, Rate, UtcDateTime, utcnow
from .organisation import Bank

SETTLEMENT_STATUSES = ("scheduled", "computed", "approved", "paid", "confirmed")


class SubsidySettlement(Base):
    """One bank's subsidy claim for one quarter (季度贴息清算)."""

    __tablename__ = "subsidy_settlements"
    __table_args__ = (
        sa.UniqueConstraint("year", "quarter", "bank_id"),
        sa.CheckConstraint(sa.column("status").in_(SETTLEMENT_STATUSES), name="known_status"),
        sa.CheckConstraint(sa.column("quarter").between(1, 4), name="quarter_1_to_4"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    year: so.Mapped[int]
    quarter: so.Mapped[int]
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id"), index=True)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="scheduled")
    total: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))
    computed_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    paid_on: so.Mapped[date | None]
    voucher_number: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    confirmed_on: so.Mapped[date | None]
    process_instance_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_instances.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    bank: so.Mapped[Bank] = so.relationship()
    lines: so.Mapped[list[SubsidyLine]] = so.relationship(
        back_populates="settlement", cascade="all, delete-orphan", order_by="SubsidyLine.loan_id")

    @property
    def label(self) -> str:
        return f"{self.year} Q{self.quarter}"


class SubsidyLine(Base):
    """One loan's subsidy in a settlement: interest paid, the part on subsidised principal, the share."""

    __tablename__ = "subsidy_lines"
    __table_args__ = (sa.UniqueConstraint("settlement_id", "loan_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    settlement_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("subsidy_settlements.id"))
    loan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loans.id"), index=True)
    interest_paid: so.Mapped[Decimal] = so.mapped_column(Money)
    subsidy_base: so.Mapped[Decimal] = so.mapped_column(Money)
    share: so.Mapped[Decimal] = so.mapped_column(Rate)  # 0–1, four decimals
    subsidy: so.Mapped[Decimal] = so.mapped_column(Money)
    settlement: so.Mapped[SubsidySettlement] = so.relationship(back_populates="lines")
