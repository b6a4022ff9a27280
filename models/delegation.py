"""Delegations (代理): while a user is away, a named colleague of the same role and scope sees,
claims and completes their ready tasks of that role for a period of business dates."""
from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, UtcDateTime, utcnow
from .organisation import ROLES, User


class Delegation(Base):
    """``delegate`` stands in for ``principal`` in ``role`` from ``starts_on`` to ``ends_on`` (both
    business dates, inclusive). Ending one early sets ``ended_at``; rows are never deleted (audit)."""

    __tablename__ = "delegations"
    __table_args__ = (
        sa.CheckConstraint(sa.column("role").in_(ROLES), name="known_role"),
        sa.CheckConstraint("starts_on <= ends_on", name="period_ordered"),
        sa.CheckConstraint("principal_id <> delegate_id", name="not_to_self"),
        sa.Index("ix_delegations_delegate_period", "delegate_id", "ends_on"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    principal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"), index=True)
    delegate_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    role: so.Mapped[str] = so.mapped_column(sa.String(32))
    starts_on: so.Mapped[date] = so.mapped_column(sa.Date)
    ends_on: so.Mapped[date] = so.mapped_column(sa.Date)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    ended_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)  # ended early by an administrator
    principal: so.Mapped[User] = so.relationship(foreign_keys=[principal_id])
    delegate: so.Mapped[User] = so.relationship(foreign_keys=[delegate_id])

    def covers(self, day: date) -> bool:
        return self.ended_at is None and self.starts_on <= day <= self.ends_on
