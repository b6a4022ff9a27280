"""Loans (脱贫人口小额信贷): the business columns that lists, reports and rules filter on.

The process state lives in ``process_instances``; everything a clerk or a report asks about a
loan is a column here, kept current by the workflow services.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Money, Rate, UtcDateTime, utcnow
from .household import Household
from .organisation import Bank, Township, User

LOAN_KINDS = ("new", "additional", "renewal")  # 新增, 追加, 续贷
LOAN_STATUSES = (
    "submitted", "approved", "active", "extended", "overdue", "recovering",
    "closed", "written_off", "rejected", "withdrawn", "declined",
)
OPEN_STATUSES = ("submitted", "approved", "active", "extended", "overdue", "recovering")
OUTSTANDING_STATUSES = ("active", "extended", "overdue", "recovering")
NOT_LENT_STATUSES = ("rejected", "withdrawn", "declined")  # ended before any money was lent
# The loans the household loan rate (户贷率) counts: an outstanding status. ``ix_loans_borrowing`` holds just
# these; queries state the predicate literally (``IS_OUTSTANDING``): a bound value would hide the index.
OUTSTANDING_PREDICATE = "status IN (" + ", ".join(f"'{status}'" for status in OUTSTANDING_STATUSES) + ")"
GRADES = ("AAA", "AA", "A", "B")
RISK_CLASSES = ("normal", "special_mention", "substandard", "doubtful", "loss")  # 正常 关注 次级 可疑 损失


class Loan(Base):
    """One household's loan from application to closing."""

    __tablename__ = "loans"
    __table_args__ = (
        sa.CheckConstraint(sa.column("status").in_(LOAN_STATUSES), name="known_status"),
        sa.CheckConstraint(sa.column("kind").in_(LOAN_KINDS), name="known_kind"),
        sa.Index("ix_loans_status_bank_township", "status", "bank_id", "township_id"),
        sa.Index("ix_loans_contract_prefix", "contract_number", postgresql_ops={"contract_number": "text_pattern_ops"}),
        # borrowing households per township in index order, without reading the loans (户贷率)
        sa.Index("ix_loans_borrowing", "township_id", "household_id",
                 postgresql_include=["bank_id", "disbursed_on", "principal_outstanding"],
                 sqlite_where=sa.text(OUTSTANDING_PREDICATE), postgresql_where=sa.text(OUTSTANDING_PREDICATE)),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    household_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("households.id"), index=True)
    township_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("townships.id"), index=True)
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id"), index=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16), default="new")
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="submitted")
    rejection_codes: so.Mapped[list | None] = so.mapped_column(sa.JSON)
    previous_loan_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("loans.id"))

    # 申请 application
    applicant_id_number: so.Mapped[str] = so.mapped_column(sa.String(18))
    amount: so.Mapped[Decimal] = so.mapped_column(Money)
    term_months: so.Mapped[int]
    purpose_category: so.Mapped[str] = so.mapped_column(sa.String(32))
    purpose: so.Mapped[str] = so.mapped_column(sa.String(500))
    applied_on: so.Mapped[date]

    # 贷前调查与评级授信 investigation and rating
    grade: so.Mapped[str | None] = so.mapped_column(sa.String(4))
    credit_line: so.Mapped[Decimal | None] = so.mapped_column(Money)
    recommended_amount: so.Mapped[Decimal | None] = so.mapped_column(Money)
    recommended_term_months: so.Mapped[int | None]
    investigated_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    # 审批 approval
    approved_amount: so.Mapped[Decimal | None] = so.mapped_column(Money)
    approved_term_months: so.Mapped[int | None]
    annual_rate: so.Mapped[Decimal | None] = so.mapped_column(Rate)
    rate_cap: so.Mapped[Decimal | None] = so.mapped_column(Rate)
    approved_on: so.Mapped[date | None]
    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))

    # 放款 disbursement
    contract_number: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    account_number: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    disbursed_on: so.Mapped[date | None]
    maturity_date: so.Mapped[date | None]
    principal_outstanding: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))
    subsidised_principal: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))
    covered_principal: so.Mapped[Decimal] = so.mapped_column(Money, default=Decimal("0.00"))

    # 贷后 post-loan
    extension_count: so.Mapped[int] = so.mapped_column(default=0)
    days_past_due: so.Mapped[int] = so.mapped_column(default=0)
    risk_class: so.Mapped[str] = so.mapped_column(sa.String(16), default="normal")

    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, index=True)
    updated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)

    household: so.Mapped[Household] = so.relationship()
    township: so.Mapped[Township] = so.relationship()
    bank: so.Mapped[Bank] = so.relationship()
    investigated_by: so.Mapped[User | None] = so.relationship(foreign_keys=[investigated_by_id])
    approved_by: so.Mapped[User | None] = so.relationship(foreign_keys=[approved_by_id])


IS_OUTSTANDING = Loan.status.in_(  # = OUTSTANDING_PREDICATE, literally (the partial index's condition)
    [sa.literal_column(f"'{status}'") for status in OUTSTANDING_STATUSES])
