"""Policy data the district edits: LPR publications and dated policy settings."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Rate, UtcDateTime, utcnow


class LprRate(Base):
    """贷款市场报价利率: one LPR publication; it holds from its date until the next one."""

    __tablename__ = "lpr_rates"
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    effective_date: so.Mapped[date] = so.mapped_column(unique=True)
    lpr_1y: so.Mapped[Decimal] = so.mapped_column(Rate)
    lpr_5y_plus: so.Mapped[Decimal] = so.mapped_column(Rate)
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    @classmethod
    def in_force_on(cls, day: date) -> sa.Select:
        return sa.select(cls).where(cls.effective_date <= day).order_by(cls.effective_date.desc()).limit(1)


class PolicySetting(Base):
    """A dated policy value (e.g. the subsidy share for loans disbursed from 2023-01-01).

    The value in force on a day is the row with the latest ``effective_from`` not after that day.
    Values are stored as text and typed by the reader (``workflows.policy_settings``).
    """

    __tablename__ = "policy_settings"
    __table_args__ = (sa.UniqueConstraint("key", "effective_from"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    # no index of its own: the composite index it leads serves its lookups
    key: so.Mapped[str] = so.mapped_column(sa.String(64))
    effective_from: so.Mapped[date]
    value: so.Mapped[str] = so.mapped_column(sa.String(200))
    comment: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)

    @classmethod
    def in_force_on(cls, key: str, day: date) -> sa.Select:
        return (
            sa.select(cls).where(cls.key == key, cls.effective_from <= day)
            .order_by(cls.effective_from.desc()).limit(1)
        )
