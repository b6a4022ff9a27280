"""The history of each lent loan's figures (贷款余额、逾期天数、五级分类历史): one row per change.

A row holds what the loan's columns said from ``valid_from`` (a business date) until ``valid_until``
(exclusive: the next row's ``valid_from``; empty for the loan's current row): balance
(``principal_outstanding``), days past due, risk class, the covered principal still outstanding
(风险补偿覆盖本金: ``covered_principal × principal_outstanding / approved_amount``, rounded to the fen,
as ``workflows.risk_fund.covered_outstanding``) and status. A row is written only when one of them
changes; several changes on one business day leave the last. Township and bank are copied for
grouping. ``workflows.loan_history`` writes and reads the rows; reports ask them "as of" a day.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Money


class LoanHistory(Base):
    """One loan's figures valid from one business date on."""

    __tablename__ = "loan_history"
    __table_args__ = (
        sa.UniqueConstraint("loan_id", "valid_from"),  # also the index of a loan's rows by day
        sa.Index("ix_loan_history_valid_from", "valid_from"),
        # No index on valid_until. A report as of a past day reads every loan's row valid then
        # (valid_from <= day < valid_until): most of the table, which a sequential scan reads fastest;
        # a few loans' rows are found through (loan_id, valid_from) above. An index on it would only
        # cost: every write that ends a row updates valid_until, which without an index on the column
        # PostgreSQL can do in place (a HOT update, no index entry written).
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    loan_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("loans.id"))
    valid_from: so.Mapped[date]
    valid_until: so.Mapped[date | None]  # exclusive; None: the loan's current row
    balance: so.Mapped[Decimal] = so.mapped_column(Money)
    days_past_due: so.Mapped[int]
    risk_class: so.Mapped[str] = so.mapped_column(sa.String(16))
    covered_principal: so.Mapped[Decimal] = so.mapped_column(Money)
    status: so.Mapped[str] = so.mapped_column(sa.String(16))
    township_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("townships.id"))
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id"))
