"""Rating campaigns (评级授信), their rosters and ratings, and credit designations (信用户/信用村/信用镇)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from .base import Base, Money, UtcDateTime, utcnow
from .household import Household
from .organisation import Bank, Township, User

CAMPAIGN_STATUSES = ("roster", "rating", "approval", "publishing", "published")
RATING_STATUSES = ("proposed", "approved", "revoked")
DESIGNATION_KINDS = ("household", "village", "town")  # 信用户, 信用村, 信用镇
DESIGNATION_STATUSES = ("proposed", "published", "revoked")
EXCLUSION_REASONS = ("dishonest_debtor", "removed_from_list")


class CreditCampaign(Base):
    """评级授信活动: one bank rates the listed households of a township, or of some of its villages."""

    __tablename__ = "credit_campaigns"
    __table_args__ = (sa.CheckConstraint(sa.column("status").in_(CAMPAIGN_STATUSES), name="known_status"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id"), index=True)
    township_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("townships.id"), index=True)
    village_ids: so.Mapped[list] = so.mapped_column(sa.JSON, default=list)  # empty: the whole township
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="roster")
    opened_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    opened_on: so.Mapped[date]
    valid_until: so.Mapped[date]  # the default validity of the campaign's ratings
    published_on: so.Mapped[date | None]
    process_instance_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_instances.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    bank: so.Mapped[Bank] = so.relationship()
    township: so.Mapped[Township] = so.relationship()
    opened_by: so.Mapped[User] = so.relationship()


class RosterEntry(Base):
    """花名册: a listed household of the campaign's villages, included or left out with its reason."""

    __tablename__ = "credit_roster_entries"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "household_id"),)
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("credit_campaigns.id"))
    household_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("households.id"), index=True)
    included: so.Mapped[bool] = so.mapped_column(default=True)
    exclusion_reason: so.Mapped[str | None] = so.mapped_column(sa.String(32))
    household: so.Mapped[Household] = so.relationship()


class CreditRating(Base):
    """信用评级: a household's grade and credit line (授信额度), valid until a day, approved by a second person."""

    __tablename__ = "credit_ratings"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "household_id"),
        sa.CheckConstraint(sa.column("status").in_(RATING_STATUSES), name="known_status"),
        sa.Index("ix_credit_ratings_household_status", "household_id", "status"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    campaign_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("credit_campaigns.id"))
    household_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("households.id"))
    bank_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("banks.id"))
    grade: so.Mapped[str] = so.mapped_column(sa.String(8))
    credit_line: so.Mapped[Decimal] = so.mapped_column(Money)
    valid_until: so.Mapped[date]
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="proposed")
    rated_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    rated_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
    approved_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    approved_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    revocation_reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    household: so.Mapped[Household] = so.relationship()
    rated_by: so.Mapped[User] = so.relationship(foreign_keys=[rated_by_id])
    approved_by: so.Mapped[User | None] = so.relationship(foreign_keys=[approved_by_id])


class CreditDesignation(Base):
    """信用户/信用村/信用镇: a household, village or township designated for a year, proposed then published."""

    __tablename__ = "credit_designations"
    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(DESIGNATION_KINDS), name="known_kind"),
        sa.CheckConstraint(sa.column("status").in_(DESIGNATION_STATUSES), name="known_status"),
        sa.Index("ix_credit_designations_subject", "kind", "subject_id", "status"),
    )
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(16))
    subject_id: so.Mapped[int]  # a household, village or township id, by kind
    township_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("townships.id"), index=True)
    computed_on: so.Mapped[date]
    decided_on: so.Mapped[date | None]  # the bureau's decision date (published)
    status: so.Mapped[str] = so.mapped_column(sa.String(16), default="proposed")
    share: so.Mapped[Decimal | None] = so.mapped_column(sa.Numeric(7, 4))  # village/town: the share found
    reason: so.Mapped[str | None] = so.mapped_column(sa.String(200))  # why it was revoked
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UtcDateTime)
    process_instance_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("process_instances.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(UtcDateTime, default=utcnow)
